// Output groups (graph/outputs.ts) on a real capture: a toy decoder that returns its logits and a
// cache object holding a key and a value per block (tests/ts/fixtures/cached_decoder.json, from
// scripts/gen_fixtures.py): the six cache outputs draw as one closed output node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTrace } from '../../src/model/trace.ts';
import { initialViewState, withExpanded } from '../../src/model/view-state.ts';
import { buildHierarchy, isScopeNodeId } from '../../src/graph/hierarchy.ts';
import { buildVisibleGraph } from '../../src/graph/visible.ts';
import { expandedForDepth, fullDepth } from '../../src/graph/depth.ts';
import { scopesToReveal, searchNodes } from '../../src/graph/search.ts';
import { describeNode } from '../../src/graph/describe.ts';
import { outlineRows } from '../../src/graph/outline.ts';
import { loadFixture } from './fixtures/load.ts';

const graph = loadFixture('cached_decoder');
const trace = createTrace(graph);
const CACHE = 'out:cache';

function view(depth: number, rolled = false) {
  const h = buildHierarchy(trace, rolled, true);
  return { h, s: { ...initialViewState(expandedForDepth(h, depth), depth), rolled } };
}

test('the cache outputs draw as one output node; logits stays its own output', () => {
  for (const rolled of [false, true]) {
    const { h, s } = view(1, rolled);
    const nodes = buildVisibleGraph(trace, h, s).nodes;
    const outputs = nodes.filter((n) => n.role === 'output');
    assert.deepEqual(outputs.map((n) => n.id).sort(), [CACHE, rolled ? 'output_1' : 'output_1:1'].sort());
    const cache = nodes.find((n) => n.id === CACHE);
    assert.equal(cache?.kind, 'outputs');
    assert.equal(cache?.lines[0], 'cache \u00d76');
    assert.ok(isScopeNodeId(CACHE));
  }
});

test('the data model keeps every output; edges from each block reach the one node', () => {
  assert.equal(trace.ops.filter((o) => o.role === 'output').length, 7);
  const { h, s } = view(fullDepth(buildHierarchy(trace, false, true)));
  const g = buildVisibleGraph(trace, h, s);
  const into = g.edges.filter((e) => e.to === CACHE).map((e) => e.from);
  assert.ok(into.length >= 3, into.join(' ')); // the mul and add of each block (or their nodes)
  assert.ok(!g.nodes.some((n) => n.id.startsWith('output_') && n.id !== 'output_1:1'));
});

test('no depth opens the group (expand-all neither); expanding it lists every output', () => {
  const h = buildHierarchy(trace, false, true);
  for (let d = 1; d <= fullDepth(h); d += 1) assert.ok(!expandedForDepth(h, d).has(CACHE));
  const s = initialViewState(expandedForDepth(h, 1), 1);
  const open = buildVisibleGraph(trace, h, withExpanded(s, [CACHE], true));
  assert.equal(open.nodes.filter((n) => n.role === 'output' && n.kind === 'op').length, 7);
  assert.ok(open.groups.some((g) => g.key === CACHE && g.title === 'cache \u00d76'));
});

test('the inspector lists the outputs by path; search finds the group and reveals its outputs', () => {
  const h = buildHierarchy(trace, false, true);
  const d = describeNode(trace, h, CACHE);
  assert.equal(d?.title, 'cache \u00d76');
  assert.deepEqual(d?.rows.find(([k]) => k === 'outputs'), ['outputs', '6']);
  const links = d?.links.find(([k]) => k === 'outputs')?.[1] ?? [];
  assert.deepEqual(links.map((l) => l.text), graph.output_groups?.[0]?.paths);
  assert.ok(searchNodes(trace, h, 'cache').includes(CACHE));
  assert.deepEqual(scopesToReveal(h, links[0]?.id ?? ''), [CACHE]);
  const s = initialViewState(expandedForDepth(h, 1), 1);
  assert.ok(outlineRows(trace, h, s).some((r) => r.nodeId === CACHE && r.name === 'cache \u00d76' && r.type === 'outputs'));
});

test('a graph without output groups is drawn as before', () => {
  const plain = createTrace({ ...graph, output_groups: undefined });
  const h = buildHierarchy(plain, false, true);
  const ids = buildVisibleGraph(plain, h, initialViewState(expandedForDepth(h, 1), 1)).nodes.map((n) => n.id);
  assert.equal(ids.filter((id) => id.startsWith('output_')).length, 7);
});
