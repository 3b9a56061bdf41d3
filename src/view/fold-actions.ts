// Folding choices of the view: whether a graph opens folded, and which member of a fold to show.
import type { Trace } from '../model/trace.ts';
import type { ViewState } from '../model/view-state.ts';
import { withExpanded, withFoldPick } from '../model/view-state.ts';
import type { Hierarchy } from '../graph/hierarchy.ts';
import { foldMemberStats } from '../graph/fold-describe.ts';
import type { FoldPanel } from '../panels/fold-panel.ts';

export { foldOption } from '../graph/fold.ts';

/** Stand-in node id (`fold:…~before` / `~after`) → its fold's id; null for other ids. */
export function foldOfStandIn(id: string): string | null {
  const m = /^(fold:.*)~(before|after)$/.exec(id);
  return m ? (m[1] ?? null) : null;
}

/**
 * Opens the scopes (`keys`, outermost first) a node needs to be drawn as itself. A closed fold opens
 * at the copy holding the node (the others as stand-ins); one showing another copy switches to it,
 * so selecting or searching into a folded block opens that very copy.
 */
export function revealScopes(s: ViewState, h: Hierarchy, keys: readonly string[]): ViewState {
  let next = withExpanded(s, keys.map((k) => h.scopes.get(k)?.address ?? '').filter(Boolean), true);
  for (const k of keys) {
    const m = h.scopes.get(k)?.member;
    if (!m) continue;
    const pick = next.foldPick.get(m.fold);
    // A fold opened for this reveal shows just that copy; one showing another copy switches.
    const wasOpen = s.expanded.has(h.scopes.get(m.fold)?.address ?? '');
    if (pick !== undefined ? pick !== m.index : !wasOpen) next = withFoldPick(next, m.fold, m.index);
  }
  return next;
}

/** The fold panel's element when the selection is a fold (refreshed for it), else null. */
export function showFoldPanel(panel: FoldPanel, trace: Trace, h: Hierarchy, s: ViewState): HTMLElement | null {
  const fold = s.selected === null ? undefined : h.scopes.get(s.selected);
  if (!fold?.fold || fold.fold.range) return null;
  panel.show({ id: fold.key, members: foldMemberStats(trace, h, fold), pick: s.foldPick.get(fold.key) ?? null });
  return panel.el;
}

/** The inputs the visible graph is a pure function of, compared by identity. */
export interface DrawnKey {
  readonly h: Hierarchy;
  readonly expanded: ViewState['expanded'];
  readonly foldPick: ViewState['foldPick'];
  readonly showBuffers: boolean;
}

export function drawnKey(h: Hierarchy, s: ViewState): DrawnKey {
  return { h, expanded: s.expanded, foldPick: s.foldPick, showBuffers: s.showBuffers };
}

export function sameDrawn(a: DrawnKey, b: DrawnKey): boolean {
  return a.h === b.h && a.expanded === b.expanded && a.foldPick === b.foldPick && a.showBuffers === b.showBuffers;
}
