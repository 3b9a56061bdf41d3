import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTrace, TraceError } from '../../src/model/trace.ts';
import { initialViewState, withExpanded } from '../../src/model/view-state.ts';
import { addressOfModuleId, buildHierarchy } from '../../src/graph/hierarchy.ts';
import { buildVisibleGraph } from '../../src/graph/visible.ts';
import type { VisibleGraph } from '../../src/graph/visible.ts';
import { countVisibleNodes, defaultDepth, expandedForDepth, fullDepth } from '../../src/graph/depth.ts';
import { loadFixture, syntheticDeep } from './fixtures/load.ts';

const cnn = createTrace(loadFixture('small_cnn'));
const loop = createTrace(loadFixture('recurrent_loop'));

function view(trace = cnn, depth = 99, rolled = false): VisibleGraph {
  const h = buildHierarchy(trace, rolled);
  return buildVisibleGraph(trace, h, initialViewState(expandedForDepth(h, depth), depth));
}
const ids = (g: VisibleGraph): string[] => g.nodes.map((n) => n.id);
const edgePairs = (g: VisibleGraph): string[] => g.edges.map((e) => `${e.from} -> ${e.to}`);
const node = (g: VisibleGraph, id: string) => {
  const n = g.nodes.find((x) => x.id === id);
  assert.ok(n, `node ${id} drawn`);
  return n;
};

test('fully expanded CNN draws every op, inside the module boxes of its call stack', () => {
  const g = view();
  assert.deepEqual(ids(g), cnn.ops.map((o) => o.label));
  // Leaf modules with one op are drawn as that op (atomic), so only the containers are boxes.
  assert.deepEqual(g.groups.map((x) => x.key), ['stem:1', 'block:1', 'head:1']);
  assert.equal(node(g, 'conv2d_1_1:1').group, 'stem:1');
  assert.equal(node(g, 'add_1_7:1').group, 'block:1');
  assert.equal(node(g, 'input_1:1').group, null);
  assert.deepEqual(node(g, 'conv2d_1_1:1').lines, ['conv2d_1_1', '1x8x32x32', '@stem.0']);
  const block = g.groups.find((x) => x.key === 'block:1');
  assert.equal(block?.title, '@block');
  assert.equal(block?.subtitle, '(ResidualBlock)');
  assert.equal(block?.nodeId, 'module:block');
});

test('node roles follow TorchLens colours: input, output, params, plain', () => {
  const g = view();
  assert.equal(node(g, 'input_1:1').role, 'input');
  assert.equal(node(g, 'output_1:1').role, 'output');
  assert.equal(node(g, 'conv2d_1_1:1').role, 'params');
  assert.equal(node(g, 'relu_1_3:1').role, 'plain');
});

test('edges follow op parents; the residual add gets two inputs and no arg labels', () => {
  const g = view();
  assert.equal(g.edges.length, cnn.ops.reduce((n, o) => n + o.parents.length, 0));
  assert.ok(edgePairs(g).includes('relu_1_3:1 -> add_1_7:1'));
  assert.ok(edgePairs(g).includes('conv2d_3_6:1 -> add_1_7:1'));
  assert.ok(g.edges.every((e) => e.label === ''), 'add is commutative');
});

test('collapsing a module replaces its ops by one module node and remaps edges, deduplicated', () => {
  const h = buildHierarchy(cnn, false);
  const full = initialViewState(expandedForDepth(h, 99), 99);
  const g = buildVisibleGraph(cnn, h, withExpanded(full, ['block'], false));
  assert.ok(ids(g).includes('module:block'));
  for (const gone of ['conv2d_2_4:1', 'relu_2_5:1', 'conv2d_3_6:1', 'add_1_7:1']) assert.ok(!ids(g).includes(gone));
  assert.equal(ids(g).length, cnn.ops.length - 4 + 1);
  // relu_1_3 fed both block.conv1 and the add: one edge into the collapsed block.
  assert.deepEqual(g.edges.filter((e) => e.to === 'module:block').map((e) => e.from), ['relu_1_3:1']);
  assert.ok(edgePairs(g).includes('module:block -> adaptiveavgpool2d_1_8:1'));
  assert.ok(!g.groups.some((x) => x.key === 'block:1'));
  const m = node(g, 'module:block');
  assert.deepEqual(m.lines, ['@block', '(ResidualBlock)', '1x8x32x32', 'params: 1.2K']);
  assert.equal(m.group, null);
  // Expanding again restores the full node set.
  const back = buildVisibleGraph(cnn, h, withExpanded(withExpanded(full, ['block'], false), ['block'], true));
  assert.deepEqual(ids(back), ids(buildVisibleGraph(cnn, h, full)));
});

test('depth 1 shows top-level modules closed; depth 2 opens them', () => {
  const d1 = view(cnn, 1);
  assert.deepEqual(ids(d1), ['input_1:1', 'module:stem', 'module:block', 'module:head', 'output_1:1']);
  assert.deepEqual(edgePairs(d1), [
    'input_1:1 -> module:stem', 'module:stem -> module:block', 'module:block -> module:head', 'module:head -> output_1:1',
  ]);
  assert.deepEqual(d1.groups, []);
  const d2 = view(cnn, 2);
  assert.ok(ids(d2).includes('module:stem.0'));
  assert.ok(ids(d2).includes('module:block.conv1'));
  assert.ok(ids(d2).includes('add_1_7:1'), 'ops directly in an open module are drawn');
  assert.equal(node(d2, 'module:stem.0').group, 'stem:1');
});

test('a small model opens fully by default; a large one stops at the deepest depth within budget', () => {
  assert.equal(defaultDepth(buildHierarchy(cnn, false)), fullDepth(buildHierarchy(cnn, false)));
  const deep = createTrace(syntheticDeep(4, 6, 4)); // 192 ops + input/output
  const h = buildHierarchy(deep, false);
  const d = defaultDepth(h, 150);
  assert.equal(d, 2);
  assert.ok(countVisibleNodes(h, expandedForDepth(h, d)) <= 150);
  assert.ok(countVisibleNodes(h, expandedForDepth(h, d + 1)) > 150);
  assert.equal(countVisibleNodes(h, expandedForDepth(h, d)), 2 + 4 * 6);
  // Even a huge top level never goes below depth 1.
  assert.equal(defaultDepth(h, 3), 1);
});

test('a module called twice gets one node per call, with ":call" ids; a single-call module does not', () => {
  const g = view(loop, 1);
  assert.deepEqual(ids(g), [
    'input_1:1', 'zeros_1_1:1', 'module:cell:1', 'module:cell:2', 'module:cell:3', 'module:act:1', 'module:head',
    'module:act:2', 'sum_1_9:1', 'gt_1_10:1', 'mean_1_11:1', 'sub_1_12:1', 'output_1:1',
  ]);
  assert.ok(edgePairs(g).includes('module:cell:1 -> module:cell:2'));
  assert.deepEqual(node(g, 'module:act:2').lines.slice(0, 2), ['@act:2', '(ReLU)']);
  assert.equal(addressOfModuleId('module:act:2'), 'act');
  assert.equal(addressOfModuleId('module:cell.ih'), 'cell.ih');
  assert.equal(addressOfModuleId('conv2d_1_1:1'), null);
});

test('unrolled view keeps one node per pass, titled with the pass', () => {
  const g = view(loop);
  assert.ok(ids(g).includes('linear_1_2:3'));
  assert.equal(node(g, 'linear_1_2:2').lines[0], 'linear_1_2:2');
  assert.equal(node(g, 'relu_1_6:1').lines[0], 'relu_1_6');
  assert.deepEqual(g.groups.map((x) => x.key), ['cell:1', 'cell:2', 'cell:3']);
});

test('rolled view merges passes into one node per layer, titled (xN), with the recurrent edge', () => {
  const g = view(loop, 99, true);
  assert.equal(g.nodes.length, 14);
  assert.ok(!ids(g).some((id) => id.includes(':')), 'rolled ids are layer labels');
  assert.equal(node(g, 'linear_1_2').lines[0], 'linear_1_2 (x3)');
  assert.equal(node(g, 'relu_1_6').lines[0], 'relu_1_6');
  assert.ok(edgePairs(g).includes('tanh_1_5 -> linear_2_3'), 'hidden state feeds back');
  assert.ok(edgePairs(g).includes('zeros_1_1 -> linear_2_3'));
  assert.equal(new Set(edgePairs(g)).size, g.edges.length, 'edges deduplicated across passes');
  assert.deepEqual(g.groups.map((x) => `${x.key} ${x.title}`), ['cell @cell (x3)', 'act @act (x2)']);
  const closed = view(loop, 1, true);
  assert.ok(ids(closed).includes('module:act'), 'rolled module ids carry no call');
  assert.ok(ids(closed).includes('module:cell'));
  assert.ok(!edgePairs(closed).some((e) => e === 'module:cell -> module:cell'));
});

test('rolled self-feeding layer is flagged as a self loop instead of an edge', () => {
  const t = createTrace(loadFixture('recurrent_loop'));
  // Make tanh feed the next add directly (h = tanh(h + ...)): add_1_4:2 <- add_1_4:1 via parents.
  const g2 = structuredClone(t.graph);
  g2.ops[8]?.parents.push(4);
  g2.ops[8]?.parent_args.push('2');
  const tr = createTrace(g2);
  const g = view(tr, 99, true);
  assert.equal(node(g, 'add_1_4').selfLoop, true);
  assert.ok(!edgePairs(g).includes('add_1_4 -> add_1_4'));
});

test('branch edges carry IF/THEN; non-commutative multi-input ops get arg labels', () => {
  const g = view(loop);
  const e = (from: string, to: string) => g.edges.find((x) => x.from === from && x.to === to);
  assert.equal(e('relu_2_8:1', 'sum_1_9:1')?.branch, 'IF');
  assert.equal(e('relu_2_8:1', 'mean_1_11:1')?.branch, 'THEN');
  assert.equal(e('relu_2_8:1', 'sub_1_12:1')?.label, 'arg 0');
  assert.equal(e('mean_1_11:1', 'sub_1_12:1')?.label, 'arg 1');
  assert.equal(e('linear_1_2:1', 'add_1_4:1')?.label, '');
  const gt = node(g, 'gt_1_10:1');
  assert.equal(gt.role, 'bool');
  assert.equal(gt.lines[0], 'TRUE');
});

test('internally generated tensors are dashed, and so are their outgoing edges', () => {
  const g = view(loop);
  assert.equal(node(g, 'zeros_1_1:1').dashed, true);
  assert.equal(node(g, 'input_1:1').dashed, false);
  assert.equal(g.edges.find((x) => x.from === 'zeros_1_1:1')?.dashed, true);
  assert.equal(g.edges.find((x) => x.from === 'input_1:1')?.dashed, false);
});

test('bad graphs raise readable TraceErrors', () => {
  assert.throws(() => createTrace(null), TraceError);
  assert.throws(() => createTrace({ ...loadFixture('small_cnn'), schema_version: 99 }), /schema version 99/);
  const g = loadFixture('small_cnn');
  g.ops[3]?.parents.push(42);
  assert.throws(() => createTrace(g), /parent index out of range/);
  const h = loadFixture('small_cnn');
  if (h.ops[1]) h.ops[1].module_call = 77;
  assert.throws(() => createTrace(h), /module call 77/);
});

test('a root module call with an empty address is transparent', () => {
  const g = loadFixture('small_cnn');
  g.module_calls = [{ address: '', call: 1, parent: -1, outputs: [10] }, ...g.module_calls.map((c) => ({
    ...c, parent: c.parent + 1,
  }))];
  for (const op of g.ops) if (op.module_call >= 0) op.module_call += 1;
  for (const op of g.ops) if (op.role !== 'input' && op.role !== 'output') op.module_call = Math.max(op.module_call, 0);
  const t = createTrace(g);
  assert.deepEqual(ids(view(t, 1)), ['input_1:1', 'module:stem', 'module:block', 'module:head', 'output_1:1']);
});

test('a parent fed to several argument slots lists each slot on its one edge', () => {
  const g = loadFixture('recurrent_loop');
  const sub = g.ops[20];
  assert.ok(sub);
  sub.parents = [16, 19];
  sub.parent_args = ['0,1', 'alpha']; // relu feeds two slots
  const w = view(createTrace(g));
  assert.equal(w.edges.find((e) => e.from === 'relu_2_8:1' && e.to === 'sub_1_12:1')?.label, 'arg 0, arg 1');
  assert.equal(w.edges.find((e) => e.from === 'mean_1_11:1' && e.to === 'sub_1_12:1')?.label, 'alpha');
});
