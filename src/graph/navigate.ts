// Arrow-key moves over the visible graph: to a parent, a child, or a sibling (another child of
// the same first parent). Pure over the visible edges.
import type { VisibleGraph } from './visible.ts';

export type Move = 'parent' | 'child' | 'prev-sibling' | 'next-sibling';

export function neighbour(graph: VisibleGraph, id: string, move: Move): string | null {
  const parents = graph.edges.filter((e) => e.to === id).map((e) => e.from);
  if (move === 'parent') return parents[0] ?? null;
  if (move === 'child') return graph.edges.find((e) => e.from === id)?.to ?? null;
  const first = parents[0];
  const siblings =
    first === undefined
      ? graph.nodes.filter((n) => !graph.edges.some((e) => e.to === n.id)).map((n) => n.id)
      : graph.edges.filter((e) => e.from === first).map((e) => e.to);
  const at = siblings.indexOf(id);
  if (at < 0 || siblings.length < 2) return null;
  const step = move === 'next-sibling' ? 1 : -1;
  return siblings[(at + step + siblings.length) % siblings.length] ?? null;
}
