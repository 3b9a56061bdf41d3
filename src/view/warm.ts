// Idle-time warming of the layout worker on big captures (issue 19): the views a select or search
// into a closed fold opens (the fold at one copy, the modules down to the op's own opened) are
// laid out once in the background, so the worker's cache already holds the copy's boxes and its
// engine is warm when the user selects into a folded block.
import type { Hierarchy } from '../graph/hierarchy.ts';
import type { VisibleGraph } from '../graph/visible.ts';
import type { ViewState } from '../model/view-state.ts';
import { revealScopes } from './fold-actions.ts';

/** At most this many views are warmed per capture (each one layout in the worker). */
export const WARM_MAX_VIEWS = 12;

/**
 * The views to warm, most useful first: for the first closed fold drawn, its first copy opened
 * down to each innermost module in it (what selecting an op there opens), then to the copy alone.
 */
export function warmStates(h: Hierarchy, s: ViewState, graph: VisibleGraph, max = WARM_MAX_VIEWS): ViewState[] {
  const drawn = new Set(graph.nodes.map((n) => n.id));
  const fold = [...h.scopes.values()].find((sc) => sc.fold && !sc.fold.range && drawn.has(sc.nodeId));
  const first = fold?.fold?.members[0];
  const copy = first === undefined ? undefined : h.scopes.get(first);
  if (!copy) return [];
  const chains: (readonly string[])[] = [];
  const walk = (key: string): void => {
    const kids = h.childScopes.get(key) ?? [];
    if (kids.length === 0) chains.push(h.scopes.get(key)?.chain ?? []);
    for (const k of kids) if (chains.length < max) walk(k);
  };
  walk(copy.key);
  if (chains.length < max && (h.childScopes.get(copy.key)?.length ?? 0) > 0) chains.push(copy.chain);
  return chains.slice(0, max).map((chain) => revealScopes(s, h, chain));
}

/** A view is left alone this long (ms) after its last change before warming goes on, so
 *  warming never holds up a burst of interaction. */
export const WARM_QUIET_MS = 400;

/** Runs `step` for each state in idle time, one after another, each once the view has been
 *  quiet for WARM_QUIET_MS (`sinceChange`: ms since its last change); stops when `alive` turns
 *  false or a step resolves false. */
export function warmInIdle(
  states: readonly ViewState[], step: (s: ViewState) => Promise<boolean>, alive: () => boolean, sinceChange: () => number = () => Infinity,
): void {
  const idle = (globalThis as { requestIdleCallback?: (f: () => void, o?: { timeout: number }) => void }).requestIdleCallback;
  const later = (f: () => void): void => void (idle ? idle(f, { timeout: 2000 }) : setTimeout(f, 50));
  const next = (i: number): void => {
    const s = states[i];
    if (s === undefined || !alive()) return;
    const wait = WARM_QUIET_MS - sinceChange();
    if (wait > 0) {
      setTimeout(() => next(i), wait);
      return;
    }
    later(() => {
      if (!alive()) return;
      if (sinceChange() < WARM_QUIET_MS) next(i);
      else void step(s).then((more) => more && next(i + 1), () => undefined);
    });
  };
  next(0);
}
