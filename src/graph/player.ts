// The forward-pass player, DOM-free: the order it steps in, and what it lights for the current
// op — its node (or the closed module or function box that holds it) and the edges feeding it.
import type { Trace } from '../model/trace.ts';
import type { Hierarchy } from './hierarchy.ts';
import { collapsedScopeFinder } from './visible.ts';
import type { VisibleGraph } from './visible.ts';

/** Ops the player visits, in execution order: inputs, every op, outputs (not buffers). */
export function playOrder(trace: Trace): number[] {
  const out: number[] = [];
  trace.ops.forEach((op, i) => {
    if (op.role !== 'buffer') out.push(i);
  });
  return out;
}

/** The position `delta` steps from `at` (-1: before the first), clamped to the order. */
export function stepIndex(length: number, at: number, delta: number): number {
  if (length === 0) return -1;
  return Math.max(0, Math.min(length - 1, at + delta));
}

/** The drawn node standing for op `index`: its own node, or the closed box around it. */
export function drawnNodeOfOp(h: Hierarchy, expanded: ReadonlySet<string>, index: number): string | null {
  const item = h.items[h.itemOfOp[index] ?? -1];
  if (!item) return null;
  const closed = collapsedScopeFinder(h, expanded)(item.scope);
  return closed ? closed.nodeId : item.id;
}

export interface Lit {
  readonly nodes: ReadonlySet<string>;
  /** "from→to" keys of the edges feeding the current op. */
  readonly edges: ReadonlySet<string>;
}

export const edgeKey = (from: string, to: string): string => `${from}\u2192${to}`;

/** What the player lights for op `index`: its node (or box) and the drawn edges into it. */
export function litFor(trace: Trace, h: Hierarchy, expanded: ReadonlySet<string>, graph: VisibleGraph, index: number): Lit {
  const to = drawnNodeOfOp(h, expanded, index);
  if (to === null) return { nodes: new Set(), edges: new Set() };
  const drawn = new Set(graph.edges.map((e) => edgeKey(e.from, e.to)));
  const edges = new Set<string>();
  const nodes = new Set<string>([to]);
  for (const p of trace.ops[index]?.parents ?? []) {
    const from = drawnNodeOfOp(h, expanded, p);
    if (from === null || from === to) continue;
    const key = edgeKey(from, to);
    if (drawn.has(key)) edges.add(key);
  }
  return { nodes, edges };
}
