// Function groups: loose ops of a crowded level grouped by their calling Python function.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTrace } from '../../src/model/trace.ts';
import { initialViewState, withExpanded } from '../../src/model/view-state.ts';
import { addressOfModuleId, buildHierarchy, isScopeNodeId } from '../../src/graph/hierarchy.ts';
import type { Hierarchy } from '../../src/graph/hierarchy.ts';
import { buildVisibleGraph } from '../../src/graph/visible.ts';
import type { VisibleGraph } from '../../src/graph/visible.ts';
import { defaultDepth, expandedForDepth } from '../../src/graph/depth.ts';
import { scopesToReveal, searchNodes } from '../../src/graph/search.ts';
import { describeNode } from '../../src/graph/describe.ts';
import { outlineRows } from '../../src/graph/outline.ts';
import { addressesOf } from '../../src/view/lookup.ts';
import { legendKeys } from '../../src/render/legend.ts';
import type { Trace } from '../../src/model/trace.ts';
import type { WireGraph, WireModule, WireModuleCall, WireOp } from '../../src/protocol/schema.ts';

/**
 * input → backbone (a module, two ops) → `calls` calls of paste_mask_in_image (`perCall` chained
 * ops each, loose, each after one op of the list comprehension that calls it) → postprocess (30 ops, one run) → two "tiny" ops → output. With `inModule`,
 * everything after the backbone runs inside the module `roi` instead of at top level.
 */
function detection(calls: number, perCall = 13, inModule = false, callers = true): WireGraph {
  const ops: WireOp[] = [];
  const module_calls: WireModuleCall[] = [{ address: 'backbone', call: 1, parent: -1, outputs: [1] }];
  const modules: WireModule[] = [{ address: 'backbone', type: 'Backbone', num_calls: 1, children: [], num_params: 10 }];
  if (inModule) {
    module_calls.push({ address: 'roi', call: 1, parent: -1, outputs: [] });
    modules.push({ address: 'roi', type: 'RoIHeads', num_calls: 1, children: [], num_params: 0 });
  }
  const where = inModule ? 1 : -1;
  let step = 0;
  const op = (type: string, parents: number[], call: number, caller: string, role: WireOp['role'] = 'op'): number => {
    const layer = role === 'op' ? `${type}_${++step}_${step}` : `${type}_1`;
    ops.push({
      label: `${layer}:1`, layer, type, func: type, pass_index: 1, num_passes: 1, role, shape: [2, 4],
      dtype: 'float32', parents, parent_args: parents.map((_, i) => String(i)), module_call: call,
      num_params: 0, params: [], has_input_ancestor: true, time_s: 0.001, flops: 0, bool_value: null,
      source: role === 'op' ? `torchvision/models/detection/roi_heads.py:${ops.length}` : '', caller: callers ? caller : '',
    });
    return ops.length - 1;
  };
  let prev = op('input', [], -1, '', 'input');
  prev = op('conv2d', [prev], 0, 'Backbone.forward');
  prev = op('relu', [prev], 0, 'Backbone.forward');
  // As torchvision's paste_masks_in_image: a list comprehension calls paste_mask_in_image per mask.
  for (let c = 0; c < calls; c++) {
    prev = op('getitem', [prev], where, 'paste_masks_in_image.<locals>.<listcomp>');
    for (let k = 0; k < perCall; k++) prev = op('mul', [prev], where, 'paste_mask_in_image');
  }
  for (let k = 0; k < 30; k++) prev = op('add', [prev], where, 'RoIHeads.postprocess');
  for (let k = 0; k < 2; k++) prev = op('relu', [prev], where, 'tiny');
  op('output', [prev], -1, '', 'output');
  return { schema_version: 1, model_type: 'Det', ops, module_calls, modules, branch_edges: [] };
}

function setup(g: WireGraph, rolled = false): { trace: Trace; h: Hierarchy } {
  const trace = createTrace(g);
  return { trace, h: buildHierarchy(trace, rolled) };
}

function draw(trace: Trace, h: Hierarchy, open: string[] = [], depth = 1): VisibleGraph {
  const s = withExpanded(initialViewState(expandedForDepth(h, depth), depth), open, true);
  return buildVisibleGraph(trace, h, s);
}

const PASTE = 'fn::paste_mask_in_image';
const POST = 'fn::RoIHeads.postprocess';

test('a crowded top level groups loose ops by caller, collapsed by default', () => {
  const { trace, h } = setup(detection(20));
  assert.equal(defaultDepth(h), 2); // seven nodes at depth 1, eight at 2: groups stay closed
  const g = draw(trace, h);
  const ids = g.nodes.map((n) => n.id);
  const LIST = 'fn::paste_masks_in_image.<locals>.<listcomp>';
  const tiny = ids.filter((id) => id.startsWith('relu_'));
  assert.deepEqual(ids, ['input_1:1', 'module:backbone', LIST, PASTE, POST, ...tiny, 'output_1:1']);
  assert.equal(tiny.length, 2);
  const paste = g.nodes.find((n) => n.id === PASTE);
  assert.equal(paste?.shape, 'stack');
  // The node says what it is (kind), so nothing downstream parses id prefixes.
  assert.equal(paste?.kind, 'function');
  assert.equal(g.nodes.find((n) => n.id === 'module:backbone')?.kind, 'module');
  assert.equal(g.nodes.find((n) => n.id === 'input_1:1')?.kind, 'op');
  assert.deepEqual(paste?.lines, ['\u0192 paste_mask_in_image', '20 calls \u00b7 260 ops']);
  assert.deepEqual(g.nodes.find((n) => n.id === POST)?.lines, ['\u0192 RoIHeads.postprocess', '1 call \u00b7 30 ops']);
  // Edges remap onto the drawn nodes.
  const edges = g.edges.map((e) => `${e.from}>${e.to}`);
  assert.deepEqual(edges, [
    'input_1:1>module:backbone', `module:backbone>${LIST}`, `${LIST}>${PASTE}`, `${PASTE}>${LIST}`, `${PASTE}>${POST}`,
    `${POST}>${tiny[0]}`, `${tiny[0]}>${tiny[1]}`, `${tiny[1]}>output_1:1`,
  ]);
  assert.ok(isScopeNodeId(PASTE) && isScopeNodeId('module:backbone') && !isScopeNodeId(tiny[0] ?? ''));
  assert.equal(addressOfModuleId(PASTE), PASTE);
});

test('the legend lists function groups apart from closed modules', () => {
  const { trace, h } = setup(detection(20));
  assert.deepEqual([...legendKeys(draw(trace, h))].sort(), ['function', 'input', 'module', 'output', 'plain']);
  const few = setup(detection(5));
  assert.ok(!legendKeys(draw(few.trace, few.h)).has('function'));
});

test('below the threshold nothing is grouped, nor without callers', () => {
  for (const g of [detection(5), detection(20, 13, false, false)]) {
    const { trace, h } = setup(g);
    assert.ok([...h.scopes.values()].every((s) => !s.fn));
    assert.ok(draw(trace, h).nodes.every((n) => !n.id.startsWith('fn:')));
  }
});

test('expanding a function group shows its calls (boxes when large) or its ops', () => {
  const { trace, h } = setup(detection(20));
  const g = draw(trace, h, [PASTE]);
  const calls = g.nodes.filter((n) => n.id.startsWith(`${PASTE}#`)).map((n) => n.id);
  assert.equal(calls.length, 20);
  assert.equal(calls[0], `${PASTE}#1`);
  assert.deepEqual(g.nodes.find((n) => n.id === `${PASTE}#3`)?.lines, ['\u0192 paste_mask_in_image #3', '13 ops']);
  const box = g.groups.find((b) => b.nodeId === PASTE);
  assert.equal(box?.title, '\u0192 paste_mask_in_image');
  assert.equal(box?.subtitle, '20 calls \u00b7 260 ops');
  assert.ok(g.edges.some((e) => e.from === `${PASTE}#1` && e.to === 'fn::paste_masks_in_image.<locals>.<listcomp>'));
  // One call open: its ops, inside the call box inside the group box.
  const g2 = draw(trace, h, [PASTE, `${PASTE}#2`]);
  const inside = g2.nodes.filter((n) => n.group === `${PASTE}#2`);
  assert.equal(inside.length, 13);
  assert.deepEqual(g2.groups.map((b) => b.key), [PASTE, `${PASTE}#2`]);
  // A single-call group opens straight into its ops.
  const g3 = draw(trace, h, [POST]);
  assert.equal(g3.nodes.filter((n) => n.group === POST).length, 30);
});

test('search finds ops inside a group and reveals them by opening the group and call', () => {
  const { trace, h } = setup(detection(20));
  // The 2nd op of the 2nd call (input, conv, relu, getitem, 13 mul, getitem, mul, mul …).
  const label = trace.ops[19]?.label ?? '';
  assert.match(label, /^mul_/);
  assert.deepEqual(searchNodes(trace, h, label), [label]);
  const open = addressesOf(h, scopesToReveal(h, label));
  assert.deepEqual(open, [PASTE, `${PASTE}#2`]);
  assert.ok(draw(trace, h, open).nodes.some((n) => n.id === label));
  assert.ok(searchNodes(trace, h, 'paste_mask').includes(PASTE));
});

test('inspector rows for a function group; outline rows', () => {
  const { trace, h } = setup(detection(20));
  const d = describeNode(trace, h, PASTE);
  assert.equal(d?.title, '\u0192 paste_mask_in_image');
  const rows = new Map(d?.rows);
  assert.equal(rows.get('caller'), 'paste_mask_in_image');
  assert.equal(rows.get('calls'), '20');
  assert.equal(rows.get('ops'), '260');
  assert.equal(rows.get('time'), '260.00 ms');
  assert.equal(rows.get('source'), 'torchvision/models/detection/roi_heads.py');
  const s = initialViewState(expandedForDepth(h, 1), 1);
  const names = outlineRows(trace, h, s).map((r) => r.name);
  assert.deepEqual(names, ['backbone', '\u0192 paste_masks_in_image.<locals>.<listcomp>', '\u0192 paste_mask_in_image', '\u0192 RoIHeads.postprocess']);
});

test('inside a module call the ids carry the module node id; depth never opens groups', () => {
  const { trace, h } = setup(detection(20, 13, true));
  const id = 'fn:module:roi:paste_mask_in_image';
  assert.ok(h.scopes.get(id)?.fn);
  const full = draw(trace, h, [], 99);
  assert.ok(full.nodes.some((n) => n.id === id));
  assert.ok(full.nodes.some((n) => n.id === 'fn:module:roi:RoIHeads.postprocess'));
  assert.equal(full.nodes.find((n) => n.id === id)?.group, 'roi:1');
});

test('the rolled view groups the same way, with the same ids', () => {
  const { trace, h } = setup(detection(20), true);
  const ids = draw(trace, h).nodes.map((n) => n.id);
  assert.ok(ids.includes(PASTE) && ids.includes(POST));
});
