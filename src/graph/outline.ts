// The outline: the module tree beside the graph, as rows. A module's row is open exactly when
// its box is open in the graph, so the tree and the graph expand, collapse and reveal together.
import type { Trace } from '../model/trace.ts';
import type { ViewState } from '../model/view-state.ts';
import type { Hierarchy, Scope } from './hierarchy.ts';
import { firstItemIn } from './index.ts';
import { foldOutlineName } from './fold.ts';
import { outsTitle } from './outputs.ts';
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

/** A row's name and type: a module's last address segment (plus ":call" or "(xN)"), a fold's
 *  span, a function group's caller, an output group's field. */
function rowName(trace: Trace, h: Hierarchy, s: Scope): { name: string; type: string } {
  if (s.fn) return { name: s.fn.call > 0 ? `#${s.fn.call}` : fnTitle(s), type: fnSubtitle(s) }; // a call sits under its group
  if (s.outs) return { name: outsTitle(s), type: 'outputs' };
  if (s.run) return { name: `#${s.run.index}`, type: s.run.pattern };
  if (s.fold?.kind === 'ops') return { name: foldOutlineName(s), type: s.fold.span };
  const mod = trace.modules.get(s.address);
  if (s.fold) return { name: foldOutlineName(s), type: s.fold.type };
  const calls = mod?.num_calls ?? 1;
  const suffix = calls > 1 ? (h.rolled ? ` (x${calls})` : `:${s.call}`) : '';
  return { name: `${s.address.slice(s.address.lastIndexOf('.') + 1)}${suffix}`, type: mod?.type ?? '?' };
}

/** Rows in tree order; children are listed only under open modules. */
export function outlineRows(trace: Trace, h: Hierarchy, state: ViewState): OutlineRow[] {
  const rows: OutlineRow[] = [];
  const walk = (parent: string | null): void => {
    for (const key of h.childScopes.get(parent) ?? []) {
      const s = h.scopes.get(key);
      if (!s) continue;
      const expandable = !isAtomic(h, s, state.showBuffers);
      const expanded = expandable && state.expanded.has(s.address);
      const target = expandable ? s.nodeId : (firstItemIn(h, key, state.showBuffers) ?? s.nodeId);
      rows.push({
        key,
        address: s.address,
        nodeId: s.nodeId,
        target,
        level: s.chain.length, // folds add a level to their members
        ...rowName(trace, h, s),
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
