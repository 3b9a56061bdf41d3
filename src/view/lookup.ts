// Lookups the view needs between node ids, labels, module addresses, tensors and laid-out boxes.
// Pure functions of the trace, hierarchy, visible graph and layout.
import type { Trace } from '../model/trace.ts';
import type { Hierarchy } from '../graph/hierarchy.ts';
import { itemIndexOf, itemOf, scopeOfNode } from '../graph/index.ts';
import type { VisibleGraph } from '../graph/visible.ts';
import type { Box, GraphLayout } from '../layout/layout.ts';
import type { TensorTarget } from '../panels/tensor-panel.ts';

export function isBufferNode(h: Hierarchy, id: string): boolean {
  const index = itemIndexOf(h, id);
  return index >= 0 && h.bufferItems.has(index);
}

/** The node id of a layer pass label in the current (rolled or unrolled) view. */
export function nodeOfLabel(trace: Trace | null, rolled: boolean, label: string): string {
  const op = trace?.ops[trace.opByLabel.get(label) ?? -1];
  return op && rolled ? op.layer : label;
}

/** The tensor a node shows: an op's output (first pass when rolled), a module's output. */
export function tensorTarget(trace: Trace, h: Hierarchy, id: string | null): TensorTarget | null {
  if (id === null) return null;
  const item = itemOf(h, id);
  const op = trace.ops[item ? (item.ops[0] ?? -1) : (scopeOfNode(h, id)?.outputOp ?? -1)];
  if (!op?.shape) return null;
  const call = trace.calls[op.module_call];
  const moduleType = call ? (trace.modules.get(call.address)?.type ?? '') : '';
  const target = { id, label: op.label, shape: op.shape, func: op.func, moduleType };
  // Rolled, several passes: the inspector's pass slider chooses among them (pass 1 first).
  if (!h.rolled || !item || item.ops.length < 2) return target;
  return { ...target, passes: item.ops.map((i) => trace.ops[i]?.label ?? '') };
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
