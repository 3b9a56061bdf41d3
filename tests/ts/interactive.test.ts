import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createTrace } from '../../src/model/trace.ts';
import { initialViewState, withMatchStep, withQuery } from '../../src/model/view-state.ts';
import { keyCommand } from '../../src/model/keys.ts';
import type { KeyPress } from '../../src/model/keys.ts';
import { buildHierarchy } from '../../src/graph/hierarchy.ts';
import { buildVisibleGraph, compactRange, passRangeLabel, slotLabel } from '../../src/graph/visible.ts';
import { expandedForDepth, fullDepth } from '../../src/graph/depth.ts';
import { outlineRows } from '../../src/graph/outline.ts';
import { describeNode, hoverSummary } from '../../src/graph/describe.ts';
import { searchNodes } from '../../src/graph/search.ts';
import { neighbour } from '../../src/graph/navigate.ts';
import { colorScale, formatMetric, metricValues, outputBytes } from '../../src/graph/overlay.ts';
import { layoutGraph } from '../../src/layout/layout.ts';
import { nodeAt, groupHeaderAt } from '../../src/render/canvas.ts';
import { loadFixture, syntheticDeep } from './fixtures/load.ts';

const cnn = createTrace(loadFixture('small_cnn'));
const loop = createTrace(loadFixture('recurrent_loop'));
const open = (t: typeof cnn, rolled: boolean, depth = 99) => {
  const h = buildHierarchy(t, rolled);
  return { h, state: initialViewState(expandedForDepth(h, Math.min(depth, fullDepth(h))), depth) };
};

test('the outline lists modules in tree order and opens exactly the modules open in the graph', () => {
  const { h, state } = open(cnn, false, 1);
  const closed = outlineRows(cnn, h, state);
  assert.deepEqual(closed.map((r) => [r.name, r.expanded, r.level]), [['stem', false, 1], ['block', false, 1], ['head', false, 1]]);
  const opened = outlineRows(cnn, h, { ...state, expanded: new Set(['block']) });
  assert.deepEqual(opened.map((r) => r.name), ['stem', 'block', 'conv1', 'relu', 'conv2', 'head']);
  const conv1 = opened.find((r) => r.name === 'conv1');
  assert.equal(conv1?.expandable, false, 'a leaf drawn as its op has nothing to open');
  assert.equal(conv1?.target, 'conv2d_2_4:1', 'clicking it selects that op');
  assert.equal(opened.find((r) => r.name === 'block')?.target, 'module:block');
});

test('the outline shows calls unrolled and (xN) rolled', () => {
  const u = open(loop, false);
  assert.deepEqual(outlineRows(loop, u.h, u.state).filter((r) => r.level === 1).map((r) => r.name), ['cell:1', 'cell:2', 'cell:3', 'act:1', 'head', 'act:2']);
  const r = open(loop, true);
  assert.deepEqual(outlineRows(loop, r.h, r.state).filter((x) => x.level === 1).map((x) => x.name), ['cell (x3)', 'act (x2)', 'head']);
});

test('the inspector links parents and children, and describes a closed module in full', () => {
  const h = buildHierarchy(cnn, false);
  const add = describeNode(cnn, h, 'add_1_7:1');
  const links = Object.fromEntries(add?.links ?? []);
  assert.deepEqual(links['parents']?.map((l) => l.id), ['conv2d_3_6:1', 'relu_1_3:1'], 'in argument order');
  assert.deepEqual(links['children']?.map((l) => l.id), ['adaptiveavgpool2d_1_8:1']);
  const block = describeNode(cnn, h, 'module:block');
  const rows = Object.fromEntries(block?.rows ?? []);
  assert.equal(rows['type'], 'ResidualBlock');
  assert.equal(rows['calls'], '1');
  assert.equal(rows['ops'], '4');
  assert.equal(rows['params'], '1.2K');
  const mlinks = Object.fromEntries(block?.links ?? []);
  assert.deepEqual(mlinks['inputs from']?.map((l) => l.id), ['relu_1_3:1']);
  assert.deepEqual(mlinks['submodules']?.map((l) => l.id), ['module:block.conv1', 'module:block.relu', 'module:block.conv2']);
  const pass = Object.fromEntries(describeNode(loop, buildHierarchy(loop, false), 'linear_1_2:2')?.links ?? []);
  assert.deepEqual(pass['other passes']?.map((l) => l.id), ['linear_1_2:1', 'linear_1_2:3']);
});

test('the hover card shows label, op, shape, module and time', () => {
  const d = hoverSummary(cnn, buildHierarchy(cnn, false), 'conv2d_2_4:1');
  assert.equal(d?.title, 'conv2d_2_4:1');
  assert.deepEqual(d?.rows.map(([k]) => k), ['type', 'shape', 'dtype', 'module', 'params', 'time', 'caller']);
  assert.deepEqual(d?.links, []);
});

test('search matches output shapes and steps through hits with wraparound', () => {
  const h = buildHierarchy(cnn, false);
  const hits = searchNodes(cnn, h, '1x8x32x32');
  assert.ok(hits.includes('conv2d_1_1:1') && hits.includes('add_1_7:1'));
  assert.ok(!hits.includes('input_1:1'), 'the input is 1x3x32x32');
  let s = withQuery(initialViewState([], 1), 'x');
  assert.equal(s.matchIndex, -1);
  s = withMatchStep(s, 1, 3);
  assert.equal(s.matchIndex, 0);
  s = withMatchStep(withMatchStep(withMatchStep(s, 1, 3), 1, 3), 1, 3);
  assert.equal(s.matchIndex, 0, 'wraps after the last hit');
  assert.equal(withMatchStep(s, -1, 3).matchIndex, 2);
  assert.equal(withMatchStep(withQuery(s, 'y'), -1, 3).matchIndex, 2, 'Shift+Enter from the start goes to the last hit');
  assert.equal(withQuery(s, 'y').matchIndex, -1, 'a new query starts over');
});

test('keyboard shortcuts map to commands, and stay quiet while typing in the search box', () => {
  const k = (key: string, extra: Partial<KeyPress> = {}) =>
    keyCommand({ key, shiftKey: false, ctrlKey: false, metaKey: false, altKey: false, inTextField: false, ...extra });
  assert.equal(k('f'), 'fit');
  assert.equal(k('/'), 'focus-search');
  assert.equal(k('r'), 'toggle-rolled');
  assert.equal(k('+'), 'depth-up');
  assert.equal(k('-'), 'depth-down');
  assert.equal(k('Escape'), 'clear');
  assert.equal(k('ArrowUp'), 'to-parent');
  assert.equal(k('ArrowDown'), 'to-child');
  assert.equal(k('Enter'), 'next-match');
  assert.equal(k('Enter', { shiftKey: true }), 'prev-match');
  assert.equal(k('f', { inTextField: true }), null);
  assert.equal(k('Enter', { inTextField: true }), 'next-match');
  assert.equal(k('f', { ctrlKey: true }), null);
});

test('arrow moves go to a parent, a child and siblings over visible edges', () => {
  const { h, state } = open(cnn, false);
  const g = buildVisibleGraph(cnn, h, state);
  assert.equal(neighbour(g, 'relu_1_3:1', 'parent'), 'batchnorm_1_2:1');
  assert.equal(neighbour(g, 'relu_1_3:1', 'child'), 'conv2d_2_4:1');
  assert.equal(neighbour(g, 'conv2d_2_4:1', 'next-sibling'), 'add_1_7:1');
  assert.equal(neighbour(g, 'conv2d_2_4:1', 'prev-sibling'), 'add_1_7:1', 'wraps around');
  assert.equal(neighbour(g, 'input_1:1', 'parent'), null);
});

test('overlays: output bytes from shape and dtype; closed modules sum their ops', () => {
  assert.equal(outputBytes(cnn.ops[1] ?? cnn.ops[0]!), 1 * 8 * 32 * 32 * 4);
  const { h, state } = open(cnn, false, 1);
  const g = buildVisibleGraph(cnn, h, state);
  const time = metricValues(cnn, h, g, 'time');
  const inBlock = cnn.ops.filter((o) => o.params.some((p) => p.startsWith('block')) || o.label.startsWith('relu_2') || o.label.startsWith('add'));
  const expected = inBlock.reduce((t, o) => t + o.time_s, 0);
  assert.ok(Math.abs((time.get('module:block') ?? 0) - expected) < 1e-12);
  assert.equal(metricValues(cnn, h, g, 'params').get('module:block'), cnn.modules.get('block')?.num_params);
  assert.equal(metricValues(cnn, h, g, 'none').size, 0);
  const rolled = open(loop, true);
  const p = metricValues(loop, rolled.h, buildVisibleGraph(loop, rolled.h, rolled.state), 'params');
  assert.equal(p.get('linear_1_2'), loop.ops.find((o) => o.layer === 'linear_1_2')?.num_params, 'shared weights are counted once');
  const scale = colorScale([1e-6, 1e-3, 0]);
  assert.equal(scale.log, true);
  assert.equal(scale.position(1e-3), 1);
  assert.equal(scale.position(1e-6), 0);
  assert.equal(formatMetric('size', 32768), '32.0 KB');
});

test('rolled edges carry compact pass ranges when only some passes connect', () => {
  assert.equal(compactRange([3, 1, 2, 5, 7, 8]), '1-3,5,7-8');
  const { h, state } = open(loop, true);
  const g = buildVisibleGraph(loop, h, state);
  const label = (from: string, to: string) => g.edges.find((e) => e.from === from && e.to === to)?.label;
  assert.equal(label('tanh_1_5', 'linear_2_3'), 'passes 1-2 \u2192 2-3', "the source's passes, then the target's");
  assert.equal(label('tanh_1_5', 'relu_1_6'), 'pass 3', 'one multi-pass end: its passes');
  assert.equal(label('zeros_1_1', 'linear_2_3'), 'pass 1');
  assert.equal(label('linear_1_2', 'add_1_4'), '', 'every pass connects: no label');
});

test('pass range labels name only the passes that matter', () => {
  const s = (...v: number[]) => new Set(v);
  assert.equal(passRangeLabel(4, s(1, 2, 3), 4, s(2, 3, 4)), 'passes 1-3 \u2192 2-4');
  assert.equal(passRangeLabel(4, s(2, 3), 4, s(2, 3)), 'passes 2-3', 'same ranges: said once');
  assert.equal(passRangeLabel(4, s(1, 2, 3, 4), 4, s(1, 2, 3, 4)), '');
  assert.equal(passRangeLabel(1, s(1), 4, s(1)), 'pass 1');
  assert.equal(passRangeLabel(4, s(4), 0, s(1)), 'pass 4', 'into a single-pass node (or a closed module)');
  assert.equal(passRangeLabel(4, s(1, 2, 4), 1, s(1)), 'passes 1-2,4');
  assert.equal(passRangeLabel(1, s(1), 1, s(1)), '');
});

test('argument slot labels: positional, nested in a tuple argument, keyword', () => {
  assert.equal(slotLabel('0'), 'arg 0');
  assert.equal(slotLabel('1.1'), 'arg 1[1]');
  assert.equal(slotLabel('2.0.3'), 'arg 2[0][3]');
  assert.equal(slotLabel('weight'), 'weight');
});

test('the LSTMCell loop: nested slots unrolled; short pass ranges rolled, no stacked slots', () => {
  const lstm = createTrace(loadFixture('lstm_cell_loop'));
  const u = open(lstm, false);
  const ug = buildVisibleGraph(lstm, u.h, u.state);
  const ul = (from: string, to: string) => ug.edges.find((e) => e.from === from && e.to === to)?.label;
  assert.equal(ul('input_1:1', 'lstmcell_1_3:1'), 'arg 0');
  assert.equal(ul('zeros_1_1:1', 'lstmcell_1_3:1'), 'arg 1[0]', 'h of (h, c)');
  assert.equal(ul('zeros_2_2:1', 'lstmcell_2_4:1'), 'arg 1[1]', 'c of (h, c)');
  assert.equal(ul('lstmcell_2_4:1', 'lstmcell_1_3:2'), 'arg 1[1]');
  assert.equal(ul('lstmcell_1_3:1', 'linear_1_5:1'), '', 'one input: no slot');
  // Parallel edges with the same label (one input into both ops of a cell) show it once.
  const laid = layoutGraph(ug);
  const shown = laid.edges.filter((e) => e.from === 'zeros_2_2:1' && e.labelAt);
  assert.deepEqual(shown.map((e) => e.text), ['arg 1[1]']);
  assert.equal(laid.edges.filter((e) => e.from === 'zeros_2_2:1').length, 2);

  const r = open(lstm, true);
  const rg = buildVisibleGraph(lstm, r.h, r.state);
  const rl = (from: string, to: string) => rg.edges.find((e) => e.from === from && e.to === to)?.label;
  // Each cell op has five labelled inputs: pass ranges win over argument slots.
  assert.equal(rl('input_1', 'lstmcell_1_3'), 'pass 1');
  assert.equal(rl('zeros_2_2', 'lstmcell_1_3'), 'pass 1');
  assert.equal(rl('tanh_1_6', 'lstmcell_2_4'), 'passes 1-3 \u2192 2-4');
  assert.equal(rl('lstmcell_1_3', 'lstmcell_2_4'), 'passes 1-3 \u2192 2-4');
  assert.equal(rl('lstmcell_1_3', 'linear_1_5'), '');
  assert.equal(rl('tanh_1_6', 'output_1'), 'pass 4');
  assert.ok(rg.edges.every((e) => !e.label.includes('arg')), 'no slots stacked on pass ranges');
});

test('rolled, an uncrowded edge keeps its slot next to its pass range', () => {
  // linear_2_3 also reads the input, as arg 1: three labelled inputs, not crowded.
  const wire = loadFixture('recurrent_loop');
  for (const op of wire.ops) {
    if (op.layer !== 'linear_2_3') continue;
    op.parents = [...op.parents, 0];
    op.parent_args = ['0', '1'];
  }
  const t = createTrace(wire);
  const { h, state } = open(t, true);
  const g = buildVisibleGraph(t, h, state);
  const label = (from: string) => g.edges.find((e) => e.from === from && e.to === 'linear_2_3')?.label;
  assert.equal(label('zeros_1_1'), 'arg 0 \u00b7 pass 1');
  assert.equal(label('tanh_1_5'), 'arg 0 \u00b7 passes 1-2 \u2192 2-3');
  assert.equal(label('input_1'), 'arg 1', 'every pass reads it: no range');
});

test('unrolled passes of one layer share a pass group; rolled nodes have none', () => {
  const u = open(loop, false);
  const groups = buildVisibleGraph(loop, u.h, u.state).nodes.filter((n) => n.passGroup === 'linear_1_2').map((n) => n.id);
  assert.deepEqual(groups, ['linear_1_2:1', 'linear_1_2:2', 'linear_1_2:3']);
  const r = open(loop, true);
  assert.ok(buildVisibleGraph(loop, r.h, r.state).nodes.every((n) => n.passGroup === ''));
});

test('a chain of 10,000 ops lays out fast, top-down, and canvas hit tests find nodes and headers', () => {
  const t = createTrace(syntheticDeep(4, 5, 10));
  const { h, state } = open(t, false);
  const g = buildVisibleGraph(t, h, state);
  const t0 = performance.now();
  const l = layoutGraph(g);
  assert.ok(performance.now() - t0 < 2000);
  const a = l.nodes.get('conv2d_1_1:1');
  const b = l.nodes.get('relu_2_2:1');
  assert.ok(a && b && b.y > a.y + a.height);
  assert.equal(nodeAt(g, l, a.x + 2, a.y + 2), 'conv2d_1_1:1');
  assert.equal(nodeAt(g, l, -100, -100), null);
  const box = l.groups.get('s0:1');
  assert.ok(box);
  assert.equal(groupHeaderAt(g, l, box.x + 4, box.y + 4), 'module:s0');
});

test('names from user code stay text: a module named <img ...> is shown literally', () => {
  const bad = '<img src=x onerror=alert(1)>';
  const t = createTrace(loadFixture('hostile_names'));
  const { h, state } = open(t, false);
  const g = buildVisibleGraph(t, h, state);
  assert.ok(g.groups.some((x) => x.title === `@${bad}`));
  assert.ok(outlineRows(t, h, state).some((r) => r.name === bad));
  assert.equal(describeNode(t, h, `module:${bad}`)?.title, `@${bad}`);
  // The renderer only ever writes text: no markup APIs anywhere in the widget source.
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
  const src = new URL('../../src', import.meta.url).pathname;
  for (const f of files(src).filter((f) => f.endsWith('.ts') && !f.includes('/lab/'))) {
    assert.doesNotMatch(readFileSync(f, 'utf8'), /innerHTML|outerHTML|insertAdjacentHTML|document\.write|DOMParser/, f);
  }
});
