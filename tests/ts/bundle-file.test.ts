import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { openBundle, readBundle } from '../../src/lab/bundle-file.ts';

// Written by python_pkg/lenslab/export/bundle.py: version 1 (graph in the header's metadata)
// and version 2 (graph in the uint8 tensor "lenslab/graph"), one TwoLayer capture each.
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));

for (const name of ['two_layer_v1.lens', 'two_layer_v2.lens']) {
  test(`reads the graph and tensors of ${name}`, async () => {
    const bytes = fixture(name);
    const bundle = await readBundle(bytes);
    assert.deepEqual(bundle.graph.ops.map((op) => op.label), ['input_1:1', 'linear_1_1:1', 'relu_1_2:1', 'linear_2_3:1', 'output_1:1']);
    const out = await bundle.source.load('output_1:1');
    assert.deepEqual(out?.shape, [2, 2]);
    const ranged = await openBundle(async (a, b) => bytes.subarray(a, b), bytes.byteLength);
    const again = await ranged.source.load('output_1:1');
    assert.deepEqual(Array.from(again?.tensor?.data ?? []), Array.from(out?.tensor?.data ?? [0]));
  });
}

test('a cut graph tensor is reported as truncated', async () => {
  const bytes = fixture('two_layer_v2.lens');
  await assert.rejects(readBundle(bytes.subarray(0, 2000)), /truncated|outside the file/);
});
