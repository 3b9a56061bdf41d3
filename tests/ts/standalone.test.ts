// Standalone pages (h.to_html) carry the graph as base64 of zlib-compressed JSON (`graph_z`);
// src/standalone.ts unpacks it before the first draw. Older pages with a JSON `graph` still open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { unpackEmbedded } from '../../src/standalone.ts';
import { loadFixture } from './fixtures/load.ts';

const graph = loadFixture('cached_decoder');

test('a packed graph unpacks to the same graph; the other fields stay', async () => {
  const graph_z = deflateSync(Buffer.from(JSON.stringify(graph))).toString('base64');
  const data = await unpackEmbedded({ graph: {}, graph_z, missing: 'm', view_options: { fold: true } });
  assert.deepEqual(data.graph, graph);
  assert.equal('graph_z' in data, false);
  assert.equal(data.missing, 'm');
  assert.deepEqual(data.view_options, { fold: true });
});

test('a page written before packing (JSON graph) is used as it is', async () => {
  const data = { graph: graph as unknown as Record<string, unknown>, missing: '' };
  assert.equal(await unpackEmbedded(data), data);
});

test('a corrupted packed graph rejects (the page says so instead of drawing nothing)', async () => {
  await assert.rejects(unpackEmbedded({ graph: {}, graph_z: Buffer.from('not zlib').toString('base64'), missing: '' }));
});
