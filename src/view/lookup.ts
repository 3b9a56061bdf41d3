// Lookups the view needs between node ids, labels, module addresses, tensors and laid-out boxes.
// Pure functions of the trace, hierarchy, visible graph and layout.
import type { Trace } from '../model/trace.ts';
import type { Hierarchy } from '../graph/hierarchy.ts';
import { itemIndexOf, itemOf, scopeOfNode } from '../graph/index.ts';
import type { VisibleGraph } from '../graph/visible.ts';
import type { Box, GraphLayout } from '../layout/layout.ts';
import type { TensorTarget } from '../panels/tensor-panel.ts';
import type { SourceTarget } from '../panels/source-panel.ts';
import { stackOf } from '../model/stack.ts';
import { shownOp } from '../graph/describe.ts';

export function isBufferNode(h: Hierarchy, id: string): boolean {
  const index = itemIndexOf(h, id);
  return index >= 0 && h.bufferItems.has(index);
}

/** The node id of a layer pass label in the current (rolled or unrolled) view. */
export function nodeOfLabel(trace: Trace | null, rolled: boolean, label: string): string {
  const op = trace?.ops[trace.opByLabel.get(label) ?? -1];
  return op && rolled ? op.layer : label;
}

/** The tensor a node shows: an op's output (pass `pass` when rolled), a module's output. */
export function tensorTarget(trace: Trace, h: Hierarchy, id: string | null, pass = 1): TensorTarget | null {
  if (id === null) return null;
  const item = itemOf(h, id);
  const op = trace.ops[item ? shownOp(h, item, pass) : (scopeOfNode(h, id)?.outputOp ?? -1)];
  if (!op?.shape) return null;
  const call = trace.calls[op.module_call];
  const moduleType = call ? (trace.modules.get(call.address)?.type ?? '') : '';
  const target = { id, label: op.label, shape: op.shape, func: op.func, moduleType };
  // Rolled, several passes: the inspector's pass slider chooses among them (pass 1 first).
  if (!h.rolled || !item || item.ops.length < 2) return target;
  return { ...target, passes: item.ops.map((i) => trace.ops[i]?.label ?? ''), pass: item.ops.indexOf(trace.opByLabel.get(op.label) ?? -1) + 1 };
}

/** Module addresses of scope keys. */
export function addressesOf(h: Hierarchy, scopeKeys: readonly string[]): string[] {
  return scopeKeys.map((k) => h.scopes.get(k)?.address ?? '').filter(Boolean);
}

/** A node's box, or the box of the module group a module node id opened into. */
export function boxOf(graph: VisibleGraph, layout: GraphLayout | null, id: string): Box | null {
  const node = layout?.nodes.get(id);
  if (node) return node;
  const group = graph.groups.find((g) => g.nodeId === id);
  return (group && layout?.groups.get(group.key)) ?? null;
}

/**
 * The code a node shows: an op's stack (pass `pass` when rolled) with its own line in focus; a module's stack down to the
 * line that called it, with the first line of its forward (the whole function) in focus.
 */
export function sourceTarget(trace: Trace, h: Hierarchy, id: string | null, pass = 1): SourceTarget | null {
  if (id === null) return null;
  const item = itemOf(h, id);
  if (item) {
    const stack = stackOf(trace, shownOp(h, item, pass));
    const focus = stack[stack.length - 1];
    return focus === undefined ? null : { stack, focus, wholeFunction: false };
  }
  const scope = scopeOfNode(h, id);
  if (!scope || scope.fn) return null;
  const calls = callIndex(trace);
  const call = calls.byAddress.get(scope.address)?.find((c) => scope.call === 0 || trace.calls[c]?.call === scope.call) ?? -1;
  const first = call < 0 ? -1 : (calls.firstOp[call] ?? -1);
  if (call < 0 || first < 0) return null;
  const full = stackOf(trace, first);
  const site = trace.calls[call]?.frames?.at(-1);
  const at = site === undefined ? -1 : full.lastIndexOf(site);
  const stack = at >= 0 ? full.slice(0, at + 1) : full;
  const inner = at >= 0 ? full[at + 1] : undefined;
  const focus = inner ?? stack[stack.length - 1];
  if (focus === undefined) return null;
  return { stack: inner === undefined ? stack : [...stack, inner], focus, wholeFunction: inner !== undefined };
}

interface CallIndex {
  /** Call positions per module address, in order. */
  readonly byAddress: ReadonlyMap<string, readonly number[]>;
  /** Per call, the first op run inside it (nested calls included), or -1. */
  readonly firstOp: Int32Array;
}
const callIndexes = new WeakMap<Trace, CallIndex>();

/** Built once per trace, so selecting a module does not scan every op. */
function callIndex(trace: Trace): CallIndex {
  let ix = callIndexes.get(trace);
  if (ix) return ix;
  const byAddress = new Map<string, number[]>();
  trace.calls.forEach((c, i) => {
    const list = byAddress.get(c.address);
    if (list) list.push(i);
    else byAddress.set(c.address, [i]);
  });
  const firstOp = new Int32Array(trace.calls.length).fill(-1);
  trace.ops.forEach((op, i) => {
    // Up the call chain until a call that already has an earlier op (so have its parents).
    for (let c = op.module_call; c >= 0 && firstOp[c] === -1; c = trace.calls[c]?.parent ?? -1) firstOp[c] = i;
  });
  ix = { byAddress, firstOp };
  callIndexes.set(trace, ix);
  return ix;
}
