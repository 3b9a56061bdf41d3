// The forward-pass player, call stacks, "ops of a line" and the failed call, on a small graph:
// input → block(fc → relu → mul) → head → output, with frames as the Python side writes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTrace } from '../../src/model/trace.ts';
import { buildHierarchy } from '../../src/graph/hierarchy.ts';
import { buildVisibleGraph } from '../../src/graph/visible.ts';
import { initialViewState } from '../../src/model/view-state.ts';
import { drawnNodeOfOp, edgeKey, litFor, playOrder, stepIndex } from '../../src/graph/player.ts';
import { FAILED_ID, withFailure } from '../../src/graph/failure.ts';
import { opsOfLine, stackOf } from '../../src/model/stack.ts';
import type { WireGraph, WireOp } from '../../src/protocol/schema.ts';

function graph(failed = false): WireGraph {
  const op = (label: string, type: string, parents: number[], call: number, frame: number, role: WireOp['role'] = 'op'): WireOp => ({
    label: `${label}:1`, layer: label, type, func: type, pass_index: 1, num_passes: 1, role, shape: [1, 4],
    dtype: 'float32', parents, parent_args: parents.map((_, i) => String(i)), module_call: call, num_params: 0,
    params: [], has_input_ancestor: true, time_s: 0, flops: 0, bool_value: null, source: '', caller: '', frame,
  });
  return {
    schema_version: 1,
    model_type: 'Net',
    ops: [
      op('input_1', 'input', [], -1, -1, 'input'),
      op('linear_1_1', 'linear', [0], 1, 2),
      op('relu_1_2', 'relu', [1], 0, 3),
      op('mul_1_3', 'mul', [2], 0, 3),
      op('linear_2_4', 'linear', [3], 2, 4),
      op('output_1', 'output', [4], -1, -1, 'output'),
    ],
    module_calls: [
      { address: 'block', call: 1, parent: -1, outputs: [3], frames: [1] },
      { address: 'block.fc', call: 1, parent: 0, outputs: [1], frames: [2] },
      { address: 'head', call: 1, parent: -1, outputs: [4], frames: [4] },
    ],
    modules: [
      { address: 'block', type: 'Block', num_calls: 1, children: ['block.fc'], num_params: 20 },
      { address: 'block.fc', type: 'Linear', num_calls: 1, children: [], num_params: 20 },
      { address: 'head', type: 'Linear', num_calls: 1, children: [], num_params: 15 },
    ],
    branch_edges: [],
    frames: [
      { file: 'In [3]', line: 2, function: '<cell>' },
      { file: 'net.py', line: 20, function: 'Net.forward' },
      { file: 'net.py', line: 12, function: 'Block.forward' },
      { file: 'net.py', line: 5, function: 'double_relu' },
      { file: 'net.py', line: 21, function: 'Net.forward' },
    ],
    caller_frames: [0],
    failure: failed ? { func: 'linear', message: 'RuntimeError: mat1 and mat2 shapes cannot be multiplied', parents: [3], module_call: 2, frame: 4 } : null,
    source_text: [],
  };
}

test('an op stack runs from the cell that called lens through each module call to its own line', () => {
  const trace = createTrace(graph());
  assert.deepEqual(stackOf(trace, 1), [0, 1, 2], 'fc: cell, Net.forward (calls block), Block.forward (calls fc)');
  assert.deepEqual(stackOf(trace, 2), [0, 1, 3], 'relu inside block: its own line in double_relu');
  assert.deepEqual(stackOf(trace, 4), [0, 4], 'head: one frame, no repeat of the call site');
});

test('a line selects every op it ran: a module call line runs all of the module', () => {
  const trace = createTrace(graph());
  assert.deepEqual(opsOfLine(trace, 'net.py', 5), [2, 3]);
  assert.deepEqual(opsOfLine(trace, 'net.py', 20), [1, 2, 3], 'y = self.block(x)');
  assert.deepEqual(opsOfLine(trace, 'In [3]', 2), [1, 2, 3, 4], 'the cell line ran every op');
  assert.deepEqual(opsOfLine(trace, 'net.py', 99), []);
});

test('the player steps in execution order and lights the closed module holding the op', () => {
  const trace = createTrace(graph());
  const h = buildHierarchy(trace, false);
  assert.deepEqual(playOrder(trace), [0, 1, 2, 3, 4, 5]);
  assert.equal(stepIndex(6, -1, 1), 0);
  assert.equal(stepIndex(6, 5, 1), 5, 'stays on the last op');
  assert.equal(stepIndex(6, 0, -3), 0);
  const closed = initialViewState([], 1);
  assert.equal(drawnNodeOfOp(h, closed.expanded, 2), 'module:block', 'relu is inside the closed block');
  const open = initialViewState(['block', 'block.fc'], 3);
  assert.equal(drawnNodeOfOp(h, open.expanded, 2), 'relu_1_2:1');
  const g = buildVisibleGraph(trace, h, open);
  const lit = litFor(trace, h, open.expanded, g, 2);
  assert.deepEqual([...lit.nodes], ['relu_1_2:1']);
  assert.ok(lit.edges.has(edgeKey('linear_1_1:1', 'relu_1_2:1')), 'the edge feeding it is lit');
});

test('the rolled view steps passes of one layer node', () => {
  const raw = graph();
  raw.ops[3] = { ...raw.ops[3]!, label: 'relu_1_2:2', layer: 'relu_1_2', type: 'relu', pass_index: 2, num_passes: 2 };
  raw.ops[2] = { ...raw.ops[2]!, num_passes: 2 };
  const trace = createTrace(raw);
  const h = buildHierarchy(trace, true);
  const s = initialViewState(['block', 'block.fc'], 3);
  assert.equal(drawnNodeOfOp(h, s.expanded, 2), 'relu_1_2');
  assert.equal(drawnNodeOfOp(h, s.expanded, 3), 'relu_1_2', 'both passes light the one rolled node');
});

test('the call that raised is drawn as a red node fed by the ops it was given', () => {
  const trace = createTrace(graph(true));
  const h = buildHierarchy(trace, false);
  const s = initialViewState(['block', 'block.fc'], 3);
  const g = withFailure(trace, h, s.expanded, buildVisibleGraph(trace, h, s));
  const node = g.nodes.find((n) => n.id === FAILED_ID);
  assert.ok(node && node.role === 'failed');
  assert.match(node.tooltip, /cannot be multiplied/);
  assert.ok(g.edges.some((e) => e.from === 'mul_1_3:1' && e.to === FAILED_ID));
  const none = createTrace(graph(false));
  const plain = buildVisibleGraph(none, buildHierarchy(none, false), s);
  assert.equal(withFailure(none, buildHierarchy(none, false), s.expanded, plain), plain);
});

test('the failed call keeps the numbers of its message: wrapped, not cut', async () => {
  const { wrap } = await import('../../src/graph/failure.ts');
  const lines = wrap('RuntimeError: mat1 and mat2 shapes cannot be multiplied (2x144 and 256x10)', 44, 3);
  assert.ok(lines.length >= 2 && lines.every((l) => l.length <= 44));
  assert.ok(lines.join(' ').includes('(2x144 and 256x10)'));
});

test('a closed module inside an open box shows its short name; the tooltip keeps the address', () => {
  const trace = createTrace(graph());
  const h = buildHierarchy(trace, false);
  const g = buildVisibleGraph(trace, h, initialViewState(['block'], 2));
  const fc = g.nodes.find((n) => n.id === 'module:block.fc');
  assert.equal(fc?.lines[0], '@fc');
  assert.ok(fc?.tooltip.startsWith('@block.fc'));
  const top = buildVisibleGraph(trace, h, initialViewState([], 1)).nodes.find((n) => n.id === 'module:block');
  assert.equal(top?.lines[0], '@block', 'top-level modules keep their address');
});
