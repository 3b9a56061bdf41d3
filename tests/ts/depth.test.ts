// Composite torch function calls (multi_head_attention_forward, attention written out as its
// math) drawn as collapsible frames inside their module, on a real torchvision ViT block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTrace } from '../../src/model/trace.ts';
import { initialViewState, withExpanded, withRolled } from '../../src/model/view-state.ts';
import { buildHierarchy } from '../../src/graph/hierarchy.ts';
import { buildVisibleGraph } from '../../src/graph/visible.ts';
import { expandedForDepth, fullDepth } from '../../src/graph/depth.ts';
import { scopesToReveal } from '../../src/graph/search.ts';
import { loadFixture } from './fixtures/load.ts';

// lens(EncoderBlock(num_heads=2, hidden_dim=8, mlp_dim=16), x, attention_weights=True)
const MHA = 'fn:module:self_attention:multi_head_attention_forward()';
const SDPA = `fn:${MHA}:scaled_dot_product_attention()`;

function setup(rolled = false) {
  const trace = createTrace(loadFixture('vit_block'));
  return { trace, h: buildHierarchy(trace, rolled) };
}

test('a ViT block nests the attention math in frames inside self_attention', () => {
  const { trace, h } = setup();
  const mha = h.scopes.get(MHA);
  const sdpa = h.scopes.get(SDPA);
  assert.equal(mha?.parent, 'self_attention:1');
  assert.equal(sdpa?.parent, MHA);
  assert.equal(sdpa?.fn?.frame, true);
  const softmax = trace.ops.findIndex((op) => op.type === 'softmax');
  assert.equal(trace.ops[softmax]?.shape?.length, 4); // batch x heads x query x key
  assert.equal(h.items[h.itemOfOp[softmax] ?? -1]?.scope, SDPA);
  // The q/k/v projection sits in the outer frame, beside the attention frame.
  const proj = trace.ops.findIndex((op) => op.params.includes('self_attention.in_proj_weight'));
  assert.equal(h.items[h.itemOfOp[proj] ?? -1]?.scope, MHA);
});

test('frames open with depth like modules, and collapse to one node', () => {
  const { trace, h } = setup();
  const all = buildVisibleGraph(trace, h, initialViewState(expandedForDepth(h, fullDepth(h)), fullDepth(h)));
  const ids = all.nodes.map((n) => n.id);
  for (const t of ['softmax', 'matmul', 'linear']) assert.ok(ids.some((id) => id.startsWith(`${t}_`)), t);
  assert.ok(all.groups.some((g) => g.key === SDPA && g.title === '\u0192 scaled_dot_product_attention()'));
  const closed = withExpanded(initialViewState(expandedForDepth(h, fullDepth(h)), fullDepth(h)), [SDPA], false);
  const g = buildVisibleGraph(trace, h, closed);
  assert.ok(g.nodes.some((n) => n.id === SDPA && n.kind === 'function'));
  assert.ok(!g.nodes.some((n) => n.id.startsWith('softmax_')));
  // Searching the softmax reveals it through its module and both frames.
  const softmax = trace.ops.find((op) => op.type === 'softmax')?.label ?? '';
  assert.deepEqual(scopesToReveal(h, softmax), ['self_attention:1', MHA, SDPA]);
});

test('the rolled view keeps the frames and no layer of the block is a loop', () => {
  const { trace, h } = setup(true);
  assert.ok(h.scopes.has(SDPA));
  const state = withRolled(initialViewState(expandedForDepth(h, fullDepth(h)), fullDepth(h)), true);
  const g = buildVisibleGraph(trace, h, state);
  assert.ok(g.nodes.every((n) => !n.selfLoop));
  assert.ok(trace.ops.every((op) => op.num_passes === 1)); // the two residual adds are two layers
});

test('a collapsed recurrent cell keeps its self-loop in the rolled view', () => {
  const trace = createTrace(loadFixture('lstm_cell_loop'));
  const h = buildHierarchy(trace, true);
  const state = withRolled(initialViewState([], 1), true);
  const g = buildVisibleGraph(trace, h, state);
  const cell = g.nodes.find((n) => n.id === 'module:cell');
  assert.equal(cell?.kind, 'module');
  assert.equal(cell?.selfLoop, true, 'the state fed from one call of the cell to the next');
  // A module called once, or whose calls do not feed each other, has none.
  const proj = g.nodes.find((n) => n.id === 'module:proj' || n.id.startsWith('linear_'));
  assert.notEqual(proj?.selfLoop, true);
});

test('a rolled layer with several passes offers each pass to the inspector, pass 1 first', async () => {
  const { tensorTarget } = await import('../../src/view/lookup.ts');
  const { plottedPasses, passText } = await import('../../src/panels/pass-picker.ts');
  const trace = createTrace(loadFixture('lstm_cell_loop'));
  const rolled = buildHierarchy(trace, true);
  const t = tensorTarget(trace, rolled, 'lstmcell_1_3');
  assert.deepEqual(t?.passes, ['lstmcell_1_3:1', 'lstmcell_1_3:2', 'lstmcell_1_3:3', 'lstmcell_1_3:4']);
  assert.equal(t?.label, 'lstmcell_1_3:1');
  assert.equal(tensorTarget(trace, buildHierarchy(trace, false), 'lstmcell_1_3:2')?.passes, undefined);
  assert.equal(passText(2, 4), 'pass 2 of 4');
  assert.deepEqual(plottedPasses(3), [0, 1, 2]);
  const sample = plottedPasses(1000, 10);
  assert.equal(sample.length, 10);
  assert.equal(sample[0], 0);
  assert.ok(sample.every((p, i) => i === 0 || p > (sample[i - 1] ?? 0)));
});
