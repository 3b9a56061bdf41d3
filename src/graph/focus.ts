// Focus: one module drawn alone, with the nodes that feed it and the nodes it feeds (its
// boundary inputs and outputs) drawn outside its box. Pure: a filter over a visible graph.
import type { Hierarchy } from './hierarchy.ts';
import type { VisibleGraph, VisibleGroup, VisibleNode } from './visible.ts';

export function focusGraph(graph: VisibleGraph, h: Hierarchy, address: string): VisibleGraph {
  // Scope keys of the focused module (one per call when unrolled): a node is inside when its
  // scope chain passes through one. Atomic modules (drawn as their one op) count too.
  const within = (scope: string | null | undefined): boolean =>
    (scope ? (h.scopes.get(scope)?.chain ?? []) : []).some((k) => h.scopes.get(k)?.address === address);
  const scopeOf = (n: VisibleNode): string | null | undefined => n.scope ?? h.items[h.itemOfOp[n.op] ?? -1]?.scope;
  const kept = new Set(graph.nodes.filter((n) => within(scopeOf(n))).map((n) => n.id));
  if (kept.size === 0) return graph; // nothing of it is drawn: the whole graph, unchanged
  const boundary = new Set<string>();
  for (const e of graph.edges) {
    if (kept.has(e.to) && !kept.has(e.from)) boundary.add(e.from);
    if (kept.has(e.from) && !kept.has(e.to)) boundary.add(e.to);
  }
  const roots = new Set(graph.groups.filter((g) => g.address === address).map((g) => g.key));
  const parentOf = new Map(graph.groups.map((g) => [g.key, g.parent]));
  const inRoot = (group: string | null): boolean => {
    for (let g = group; g !== null && g !== undefined; g = parentOf.get(g) ?? null) if (roots.has(g)) return true;
    return false;
  };
  const nodes: VisibleNode[] = [];
  for (const n of graph.nodes) {
    if (kept.has(n.id)) nodes.push(inRoot(n.group) ? n : { ...n, group: null });
    else if (boundary.has(n.id)) nodes.push({ ...n, group: null });
  }
  const drawn = new Set(nodes.map((n) => n.id));
  const groups: VisibleGroup[] = graph.groups
    .filter((g) => inRoot(g.key))
    .map((g) => (roots.has(g.key) ? { ...g, parent: null } : g));
  return {
    ...graph,
    nodes,
    groups,
    edges: graph.edges.filter((e) => drawn.has(e.from) && drawn.has(e.to) && (kept.has(e.from) || kept.has(e.to))),
  };
}
