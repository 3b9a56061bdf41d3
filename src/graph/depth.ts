// Nesting depth: which modules are open at a given depth, and the default depth that keeps the
// first screen readable.
import type { Hierarchy } from './hierarchy.ts';
import { collapsedScopeFinder } from './visible.ts';

/** Readable first screen in a notebook cell: at most this many nodes (a few dozen). */
export const DEFAULT_NODE_BUDGET = 60;

/**
 * Addresses open at `depth`: every module whose scope sits above it (depth 1 = all closed).
 * Composite function frames (fn.frame) open like modules. Caller groups (hierarchy.ts, FN_PREFIX) are not a nesting level: they stay closed at every
 * depth until opened one by one (expand, search, select); so do output groups (outputs.ts).
 */
export function expandedForDepth(h: Hierarchy, depth: number): Set<string> {
  const open = new Set<string>();
  // Folds (fold.ts) likewise stay closed, except at full depth: expand-all opens everything.
  const all = depth >= fullDepth(h);
  for (const s of h.scopes.values()) if (s.depth < depth && (!s.fn || s.fn.frame) && !s.outs && (all || !s.fold)) open.add(s.address);
  return open;
}

/** The depth at which every module is open. */
export function fullDepth(h: Hierarchy): number {
  return h.maxDepth + 1;
}

export function countVisibleNodes(h: Hierarchy, expanded: ReadonlySet<string>): number {
  const collapsedOf = collapsedScopeFinder(h, expanded);
  const closed = new Set<string>();
  let open = 0;
  for (const item of h.items) {
    const s = collapsedOf(item.scope);
    if (s) closed.add(s.key);
    else open += 1;
  }
  return open + closed.size;
}

/** The deepest depth whose visible node count fits the budget; at least 1. */
export function defaultDepth(h: Hierarchy, budget = DEFAULT_NODE_BUDGET): number {
  for (let d = fullDepth(h); d > 1; d -= 1) {
    if (countVisibleNodes(h, expandedForDepth(h, d)) <= budget) return d;
  }
  return 1;
}
