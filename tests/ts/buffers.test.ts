// Buffers (BatchNorm running stats) are hidden by default, as in TorchLens; a BatchNorm is then
// drawn as its single op. Shown on request. Plus the canvas renderer's cheap extras.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTrace } from '../../src/model/trace.ts';
import { initialViewState, withShowBuffers } from '../../src/model/view-state.ts';
import { buildHierarchy } from '../../src/graph/hierarchy.ts';
import { buildVisibleGraph } from '../../src/graph/visible.ts';
import { expandedForDepth, fullDepth } from '../../src/graph/depth.ts';
import { outlineRows } from '../../src/graph/outline.ts';
import { searchNodes } from '../../src/graph/search.ts';
import { layoutGraph } from '../../src/layout/layout.ts';
import { drawCanvas } from '../../src/render/canvas.ts';
import { legendKeys } from '../../src/render/legend.ts';
import { placeCamera } from '../../src/view/placement.ts';
import type { WireGraph, WireOp } from '../../src/protocol/schema.ts';

function bnModel(): WireGraph {
  const ops: WireOp[] = [];
  const op = (label: string, type: string, role: WireOp['role'], parents: number[], call: number, args?: string[]): void => {
    ops.push({
      label: `${label}:1`, layer: label, type, func: type, pass_index: 1, num_passes: 1, role, shape: role === 'buffer' ? [8] : [1, 8, 4, 4],
      dtype: 'float32', parents, parent_args: args ?? parents.map((_, i) => String(i)), module_call: call,
      num_params: type === 'batchnorm' ? 16 : 0, params: type === 'batchnorm' ? ['bn.weight', 'bn.bias'] : [],
      has_input_ancestor: role !== 'buffer', time_s: 0, flops: 0, bool_value: null, source: '', caller: '',
    });
  };
  op('input_1', 'input', 'input', [], -1);
  op('buffer_1', 'buffer', 'buffer', [], 0);
  op('buffer_2', 'buffer', 'buffer', [], 0);
  op('batchnorm_1_1', 'batchnorm', 'op', [0, 1, 2], 0, ['0', '1', '2']);
  op('relu_1_2', 'relu', 'op', [3], -1);
  op('output_1', 'output', 'output', [4], -1);
  return {
    schema_version: 1, model_type: 'BN', ops, branch_edges: [],
    module_calls: [{ address: 'bn', call: 1, parent: -1, outputs: [3] }],
    modules: [{ address: 'bn', type: 'BatchNorm2d', num_calls: 1, children: [], num_params: 16 }],
  } as unknown as WireGraph;
}

test('buffers are hidden by default; a BatchNorm is drawn as its op, without argument labels', async () => {
  const graph = bnModel();
  const { SCHEMA_VERSION } = await import('../../src/protocol/schema.ts');
  const trace = createTrace({ ...graph, schema_version: SCHEMA_VERSION });
  const h = buildHierarchy(trace, false);
  const state = initialViewState(expandedForDepth(h, fullDepth(h)), fullDepth(h));
  const g = buildVisibleGraph(trace, h, state);
  assert.deepEqual(g.nodes.map((n) => n.id), ['input_1:1', 'batchnorm_1_1:1', 'relu_1_2:1', 'output_1:1']);
  const bn = g.nodes.find((n) => n.id === 'batchnorm_1_1:1');
  assert.equal(bn?.group, null, 'atomic: drawn in its parent, not in a box of its own');
  assert.ok(bn?.lines.includes('@bn'));
  assert.equal(g.groups.length, 0);
  assert.ok(g.edges.every((e) => e.label === ''), 'one drawn input: no "arg 0" label');
  assert.equal(outlineRows(trace, h, state)[0]?.expandable, false);
  assert.deepEqual(searchNodes(trace, h, 'buffer', false), []);
  assert.ok(!legendKeys(g).has('buffer'));

  const shown = withShowBuffers(state, true);
  const g2 = buildVisibleGraph(trace, h, shown);
  assert.deepEqual(g2.nodes.map((n) => n.id).sort(), ['batchnorm_1_1:1', 'buffer_1:1', 'buffer_2:1', 'input_1:1', 'output_1:1', 'relu_1_2:1']);
  assert.equal(g2.groups.length, 1, 'with its buffers the BatchNorm is a box');
  assert.ok(g2.edges.some((e) => e.label === 'arg 1'));
  assert.equal(outlineRows(trace, h, shown)[0]?.expandable, true);
  assert.deepEqual(searchNodes(trace, h, 'buffer', true), ['buffer_1:1', 'buffer_2:1']);
  assert.ok(legendKeys(g2).has('buffer'));
});

/** A CanvasRenderingContext2D stand-in that records method calls. */
function recordingContext(): { ctx: CanvasRenderingContext2D; calls: string[] } {
  const calls: string[] = [];
  const ctx = new Proxy({} as Record<string, unknown>, {
    get: (target, key: string) => (key in target ? target[key] : (...args: unknown[]) => void calls.push(`${key}(${args.map(String).join(',')})`)),
    set: (target, key: string, value) => {
      target[key] = value;
      return true;
    },
  });
  return { ctx: ctx as unknown as CanvasRenderingContext2D, calls };
}

test('canvas draws dashed edges and borders, stacked modules, self-loops and edge labels up close', async () => {
  const graph = bnModel();
  const { SCHEMA_VERSION } = await import('../../src/protocol/schema.ts');
  const trace = createTrace({ ...graph, schema_version: SCHEMA_VERSION });
  const h = buildHierarchy(trace, false);
  const colors = { fg: '#000', muted: '#666', edge: '#666', accent: '#00f', warn: '#f80', mono: 'monospace', bg: '#fff' };
  const scene = { selected: null, matches: new Set<string>(), current: null, fills: new Map(), hoverGroup: '' };
  // Buffers shown (dashed: no input ancestor), module open: dashed edges, dashed borders, arg labels.
  const open = withShowBuffers(initialViewState(['bn'], 2), true);
  const g = buildVisibleGraph(trace, h, open);
  const layout = layoutGraph(g);
  const near = recordingContext();
  drawCanvas(near.ctx, { width: 2000, height: 2000, dpr: 1 }, g, layout, { x: 0, y: 0, k: 1 }, scene, colors);
  assert.ok(near.calls.some((c) => c.startsWith('setLineDash(4,3)')), 'dashed strokes');
  assert.ok(near.calls.some((c) => c.startsWith('fillText(arg 1')), 'edge labels when zoomed in');
  const far = recordingContext();
  drawCanvas(far.ctx, { width: 2000, height: 2000, dpr: 1 }, g, layout, { x: 0, y: 0, k: 0.3 }, scene, colors);
  assert.ok(!far.calls.some((c) => c.startsWith('fillText(arg')), 'no edge labels from afar');
  // Module closed: a stacked box (back sheet rect before the front face).
  const closed = buildVisibleGraph(trace, h, withShowBuffers(initialViewState([], 1), true));
  const box = layoutGraph(closed);
  const st = recordingContext();
  drawCanvas(st.ctx, { width: 2000, height: 2000, dpr: 1 }, closed, box, { x: 0, y: 0, k: 1 }, scene, colors);
  const mod = box.nodes.get('module:bn');
  assert.ok(mod);
  assert.ok(st.calls.some((c) => c === `rect(${mod.x + 5},${mod.y + 5},${mod.width - 5},${mod.height - 5})`), 'back sheet drawn');
  // Self-loop: a cubic curve.
  const loopLayout = { ...layout, edges: [{ from: 'relu_1_2:1', to: 'relu_1_2:1', points: [{ x: 0, y: 0 }, { x: 30, y: -10 }, { x: 30, y: 30 }, { x: 0, y: 20 }], text: '', branch: '' as const, labelAt: null, dashed: false, selfLoop: true }] };
  const sl = recordingContext();
  drawCanvas(sl.ctx, { width: 2000, height: 2000, dpr: 1 }, g, loopLayout, { x: 0, y: 0, k: 1 }, scene, colors);
  assert.ok(sl.calls.some((c) => c.startsWith('bezierCurveTo(')));
});

test('placeCamera keeps anchors still, reveals off-screen nodes and leaves visible ones alone', () => {
  const cam = { x: 0, y: 0, k: 1 };
  const view = { width: 400, height: 300 };
  const box = (x: number, y: number) => ({ x, y, width: 40, height: 20 });
  assert.equal(placeCamera(cam, { before: null, after: null, focus: null, reveal: box(10, 10) }, view), cam);
  const moved = placeCamera(cam, { before: null, after: null, focus: null, reveal: box(1000, 10) }, view);
  assert.equal(moved.x, 200 - 1020);
  const anchored = placeCamera(cam, { before: box(100, 100), after: box(150, 130), focus: null, reveal: null }, view);
  assert.deepEqual(anchored, { k: 1, x: -50, y: -30 });
});
