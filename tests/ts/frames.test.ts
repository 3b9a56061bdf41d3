// The inspector of a composite function's frame (ƒ multi_head_attention_forward()): the same
// facts as h.frames in Python (function, the user line that called it, module, layers), on a
// real torchvision ViT block (attention_weights=True).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTrace } from '../../src/model/trace.ts';
import { buildHierarchy } from '../../src/graph/hierarchy.ts';
import { describeNode, hoverSummary } from '../../src/graph/describe.ts';
import { loadFixture } from './fixtures/load.ts';

const MHA = 'fn:module:self_attention:multi_head_attention_forward()';
const SDPA = `fn:${MHA}:scaled_dot_product_attention()`;

test('a frame says which function ran, where user code called it, and what it returned', () => {
  const trace = createTrace(loadFixture('vit_block'));
  const h = buildHierarchy(trace, false);
  const d = describeNode(trace, h, MHA);
  const rows = Object.fromEntries(d?.rows ?? []);
  const call = trace.graph.function_calls?.[0];
  assert.ok(call);
  assert.equal(d?.title, '\u0192 multi_head_attention_forward()');
  assert.equal(rows['function'], 'multi_head_attention_forward');
  assert.equal(rows['called at'], trace.ops[call.first_op]?.source);
  assert.match(rows['called at'] ?? '', /vision_transformer\.py:\d+$/);
  assert.equal(rows['module'], '@self_attention');
  assert.equal(rows['ops'], String(call.end_op - call.first_op));
  const links = Object.fromEntries(d?.links ?? []);
  assert.deepEqual(links['returns']?.map((l) => l.id), call.outputs.map((o) => trace.ops[o]?.label));
  assert.deepEqual(links['inner frames']?.map((l) => l.id), [SDPA]);
  assert.equal(Object.fromEntries(describeNode(trace, h, SDPA)?.rows ?? [])['ops'], '5');
  assert.equal(Object.fromEntries(hoverSummary(trace, h, MHA)?.rows ?? [])['function'], 'multi_head_attention_forward');
});
