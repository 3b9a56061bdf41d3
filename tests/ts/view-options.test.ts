// View options from Python (src/graph/view-options.ts), focus (src/graph/focus.ts), the LR
// layout direction, and the headless renderer (src/headless.ts) on the same fixture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTrace } from '../../src/model/trace.ts';
import { buildHierarchy } from '../../src/graph/hierarchy.ts';
import type { Hierarchy } from '../../src/graph/hierarchy.ts';
import { buildVisibleGraph } from '../../src/graph/visible.ts';
import { initialState } from '../../src/graph/view-options.ts';
import type { ViewOptions } from '../../src/graph/view-options.ts';
import { layoutGraph } from '../../src/layout/layout.ts';
import { nodeBoxes, renderSvg } from '../../src/headless.ts';
import { loadFixture } from './fixtures/load.ts';

const raw = loadFixture('small_cnn');
const cnn = createTrace(raw);
const hierarchies = new Map<boolean, Hierarchy>();
const hierarchyOf = (rolled: boolean): Hierarchy => {
  let h = hierarchies.get(rolled);
  if (!h) hierarchies.set(rolled, (h = buildHierarchy(cnn, rolled)));
  return h;
};
const ids = (options: ViewOptions): string[] => {
  const s = initialState(cnn, hierarchyOf, options);
  return buildVisibleGraph(cnn, hierarchyOf(s.rolled), s).nodes.map((n) => n.id);
};

test('collapsed and expanded modules are applied after the depth', () => {
  assert.ok(ids({ depth: 99, collapsed: ['block'] }).includes('module:block'));
  const opened = ids({ depth: 1, expanded: ['block.conv1'] });
  assert.ok(!opened.includes('module:block'), 'expanding a child opens its parents');
  assert.ok(opened.includes('module:stem'));
});

test('focus draws the module and the nodes at its boundary only', () => {
  const focused = ids({ depth: 99, focus: 'block' });
  assert.ok(focused.includes('conv2d_2_4:1') && focused.includes('conv2d_3_6:1'));
  assert.ok(!focused.includes('input_1:1') && !focused.includes('output_1:1'));
  assert.ok(focused.length < ids({ depth: 99 }).length);
});

test('custom scores colour by op label; unknown labels are ignored here (Python names them)', () => {
  const s = initialState(cnn, hierarchyOf, { overlay: { name: 'mine', scores: { 'conv2d_1_1:1': 2, nope: 1 }, aggregate: 'max', format: 'number' } });
  assert.equal(s.overlay, 'custom');
  assert.equal(s.custom?.name, 'mine');
  assert.equal(s.custom?.values[cnn.opByLabel.get('conv2d_1_1:1') ?? -1], 2);
});

test('stats= (dataset statistics) colours like custom scores and details every statistic', () => {
  const stats = { name: 'dataset mean', scores: { 'conv2d_1_1:1': 0.5 }, aggregate: 'max', format: 'number', details: { 'conv2d_1_1:1': { 'dataset mean': 0.5, 'dataset std': 2 } } };
  const s = initialState(cnn, hierarchyOf, { stats });
  assert.equal(s.overlay, 'custom');
  assert.equal(s.custom?.name, 'dataset mean');
  const at = cnn.opByLabel.get('conv2d_1_1:1') ?? -1;
  assert.deepEqual(s.custom?.details?.get(at), [['dataset mean', 0.5], ['dataset std', 2]]);
});

test('direction LR lays the graph out left to right', () => {
  const layoutOf = (direction: string): ReturnType<typeof layoutGraph> => {
    const s = initialState(cnn, hierarchyOf, { depth: 99, direction });
    return layoutGraph(buildVisibleGraph(cnn, hierarchyOf(false), s));
  };
  const tb = layoutOf('TB');
  const lr = layoutOf('LR');
  const a = (l: typeof tb, id: string) => l.nodes.get(id) ?? { x: NaN, y: NaN, width: 0, height: 0 };
  assert.ok(a(tb, 'input_1:1').y < a(tb, 'output_1:1').y);
  assert.ok(a(lr, 'input_1:1').x < a(lr, 'output_1:1').x);
  assert.ok(lr.width > lr.height && tb.height > tb.width);
});

test('the headless renderer draws every visible node, escaping text', () => {
  const json = JSON.stringify(raw);
  const { svg, nodes } = renderSvg(json, JSON.stringify({ depth: 99, overlay: 'time' }));
  const boxes = nodeBoxes(json, JSON.stringify({ depth: 99 }));
  assert.equal(Object.keys(boxes).length, nodes);
  for (const id of Object.keys(boxes)) assert.ok(svg.includes(`data-node-id="${id}"`), id);
  assert.ok(svg.includes('op time'), 'overlay legend');
  const hostile = loadFixture('hostile_names');
  const drawn = renderSvg(JSON.stringify(hostile), '{}').svg;
  assert.ok(!/<script|<img/i.test(drawn), 'user text stays text');
});

test('kept for backward: the overlay and the inspector read the graph\'s saved_bytes', async () => {
  const { metricValues } = await import('../../src/graph/overlay.ts');
  const { describeNode } = await import('../../src/graph/describe.ts');
  const base = raw as { ops: unknown[] };
  const saved = base.ops.map((_, i) => 100 * i);
  const trace = createTrace({ ...base, saved_bytes: saved });
  const h = buildHierarchy(trace, false);
  const s = initialState(trace, () => h, { depth: 1, overlay: 'saved' });
  assert.equal(s.overlay, 'saved');
  const graph = buildVisibleGraph(trace, h, s);
  const values = metricValues(trace, h, graph, 'saved');
  const block = h.scopes.get('block:1') ?? h.scopes.get('block');
  const inside = (block ? [...h.items].filter((it) => it.scope !== null && (h.scopes.get(it.scope)?.chain ?? []).includes(block.key)) : []).flatMap((it) => it.ops);
  assert.equal(values.get('module:block'), inside.reduce((t, i) => t + 100 * i, 0));
  const row = describeNode(trace, h, 'conv2d_1_1:1')?.rows.find(([k]) => k === 'kept for backward');
  assert.equal(row?.[1], '100 B');
  assert.equal(describeNode(cnn, hierarchyOf(false), 'conv2d_1_1:1')?.rows.find(([k]) => k === 'kept for backward'), undefined);
});

test('focus on a module drawn as its one op keeps that op and its neighbours', () => {
  const focused = ids({ depth: 99, focus: 'stem.0' });
  assert.ok(focused.includes('conv2d_1_1:1'));
  assert.ok(focused.includes('input_1:1') && focused.includes('batchnorm_1_2:1'));
  assert.ok(!focused.includes('output_1:1'));
});
