// The difference drawn on each visible node of a compare widget: an op node shows its own
// difference (the largest over its passes), a closed module the largest of the ops inside it.
import type { CompareData, NodeDiff } from '../model/compare.ts';
import { nodeDiff } from '../model/compare.ts';
import type { Hierarchy } from './hierarchy.ts';
import type { VisibleGraph } from './visible.ts';

/** The ops each visible node stands for (its passes, or every op inside a closed module). */
export function opsPerNode(h: Hierarchy, graph: VisibleGraph): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const moduleNodeOfScope = new Map<string, string>();
  for (const n of graph.nodes) if (n.scope !== null) moduleNodeOfScope.set(n.scope, n.id);
  const visible = new Set(graph.nodes.map((n) => n.id));
  for (const item of h.items) {
    let id: string | undefined = visible.has(item.id) ? item.id : undefined;
    for (const key of id === undefined && item.scope !== null ? (h.scopes.get(item.scope)?.chain ?? []) : []) {
      id = moduleNodeOfScope.get(key);
      if (id !== undefined) break;
    }
    if (id === undefined) continue;
    const list = out.get(id);
    if (list) list.push(...item.ops);
    else out.set(id, [...item.ops]);
  }
  return out;
}

export function diffPerNode(c: CompareData, h: Hierarchy, graph: VisibleGraph): Map<string, NodeDiff> {
  const out = new Map<string, NodeDiff>();
  for (const [id, ops] of opsPerNode(h, graph)) out.set(id, nodeDiff(c, ops));
  return out;
}

/** Fill colours: unchanged (at or below the threshold) stays plain; only-in-a pink; only-in-b
 *  blue (with a dashed blue outline and edges, style/widget.css); else a red ramp. */
export const ONLY_A_COLOR = '#f2a7cf';
export const ONLY_B_COLOR = '#a6d2f0';

export function diffColor(t: number): string {
  // White-ish to deep red (Reds): readable dark text up to ~0.65.
  const stops: readonly (readonly [number, number, number])[] = [[254, 229, 217], [252, 174, 145], [251, 106, 74], [222, 45, 38], [165, 15, 21]];
  const x = Math.max(0, Math.min(1, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const a = stops[i] ?? [0, 0, 0];
  const b = stops[i + 1] ?? a;
  const f = x - i;
  return `rgb(${a.map((v, k) => Math.round(v + ((b[k] ?? v) - v) * f)).join(',')})`;
}

export interface DiffScale {
  readonly min: number;
  readonly max: number;
  position(v: number): number;
}

/** Linear from the threshold (or the smallest score) to the largest value. */
export function diffScale(c: CompareData, values: Iterable<number>): DiffScale {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const lo = c.kind === 'compare' ? c.threshold : Number.isFinite(min) ? Math.min(0, min) : 0;
  const hi = Number.isFinite(max) ? Math.max(max, lo) : lo;
  return { min: lo, max: hi, position: (v) => (hi > lo ? (v - lo) / (hi - lo) : v > lo ? 1 : 0) };
}
