// Focus: one module drawn alone, with the nodes that feed it and the nodes it feeds (its
// boundary inputs and outputs) drawn outside its box. Pure: a filter over a visible graph.
import type { VisibleGraph, VisibleGroup, VisibleNode } from './visible.ts';

export function focusGraph(graph: VisibleGraph, address: string): VisibleGraph {
  const parentOf = new Map(graph.groups.map((g) => [g.key, g.parent]));
  const roots = new Set(graph.groups.filter((g) => g.address === address).map((g) => g.key));
  if (roots.size === 0) return graph; // closed (or not drawn): the whole graph, unchanged
  const inside = (group: string | null): boolean => {
    for (let g = group; g !== null && g !== undefined; g = parentOf.get(g) ?? null) if (roots.has(g)) return true;
    return false;
  };
  const kept = new Set(graph.nodes.filter((n) => inside(n.group)).map((n) => n.id));
  const boundary = new Set<string>();
  for (const e of graph.edges) {
    if (kept.has(e.to) && !kept.has(e.from)) boundary.add(e.from);
    if (kept.has(e.from) && !kept.has(e.to)) boundary.add(e.to);
  }
  const nodes: VisibleNode[] = [];
  for (const n of graph.nodes) {
    if (kept.has(n.id)) nodes.push(n);
    else if (boundary.has(n.id)) nodes.push({ ...n, group: null });
  }
  const drawn = new Set(nodes.map((n) => n.id));
  const groups: VisibleGroup[] = graph.groups
    .filter((g) => inside(g.key))
    .map((g) => (roots.has(g.key) ? { ...g, parent: null } : g));
  return {
    ...graph,
    nodes,
    groups,
    edges: graph.edges.filter((e) => drawn.has(e.from) && drawn.has(e.to) && (kept.has(e.from) || kept.has(e.to))),
  };
}
