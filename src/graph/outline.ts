// The outline: the module tree beside the graph, as rows. A module's row is open exactly when
// its box is open in the graph, so the tree and the graph expand, collapse and reveal together.
import type { Trace } from '../model/trace.ts';
import type { ViewState } from '../model/view-state.ts';
import type { Hierarchy } from './hierarchy.ts';
import { firstItemIn } from './index.ts';
import { foldOutlineName } from './fold.ts';
import { fnSubtitle, fnTitle, isAtomic } from './visible.ts';

export interface OutlineRow {
  /** Scope key ("address:call" unrolled, "address" rolled). */
  readonly key: string;
  readonly address: string;
  /** The graph node that stands for the module when it is closed. */
  readonly nodeId: string;
  /** What a click selects: the module node, or for a module drawn as its single op, that op. */
  readonly target: string;
  /** 1 for top-level modules (aria-level). */
  readonly level: number;
  /** Last address segment, plus ":call" or "(xN)"; the full address is `address`. */
  readonly name: string;
  readonly type: string;
  /** False for a leaf module drawn as its single op: there is nothing to open. */
  readonly expandable: boolean;
  readonly expanded: boolean;
  readonly selected: boolean;
}

/** Rows in tree order; children are listed only under open modules. */
export function outlineRows(trace: Trace, h: Hierarchy, state: ViewState): OutlineRow[] {
  const rows: OutlineRow[] = [];
  const walk = (parent: string | null): void => {
    for (const key of h.childScopes.get(parent) ?? []) {
      const s = h.scopes.get(key);
      if (!s) continue;
      const mod = s.fn ? undefined : trace.modules.get(s.address);
      const calls = mod?.num_calls ?? 1;
      // A call of a function group sits under the group's row: its number is enough.
      const last = s.fn ? (s.fn.call > 0 ? `#${s.fn.call}` : fnTitle(s)) : s.fold ? foldOutlineName(s) : s.address.slice(s.address.lastIndexOf('.') + 1);
      const suffix = calls > 1 && !s.fold ? (h.rolled ? ` (x${calls})` : `:${s.call}`) : '';
      const expandable = !isAtomic(h, s, state.showBuffers);
      const expanded = expandable && state.expanded.has(s.address);
      const target = expandable ? s.nodeId : (firstItemIn(h, key, state.showBuffers) ?? s.nodeId);
      rows.push({
        key,
        address: s.address,
        nodeId: s.nodeId,
        target,
        level: s.chain.length, // folds add a level to their members
        name: `${last}${suffix}`,
        type: s.fn ? fnSubtitle(s) : (s.fold?.type ?? mod?.type ?? '?'),
        expandable,
        expanded,
        selected: state.selected === s.nodeId || state.selected === target,
      });
      if (expanded) walk(key);
    }
  };
  walk(null);
  return rows;
}
