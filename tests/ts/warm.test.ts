// Idle-time warming of the layout cache (src/view/warm.ts) on a real capture with a fold of five
// copies (tests/ts/fixtures/folded_blocks.json): after the warm views (the first copy) are laid
// out, selecting any op of any copy (the fold opens at it) needs no new box layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTrace } from '../../src/model/trace.ts';
import { initialViewState, withSelected } from '../../src/model/view-state.ts';
import type { ViewState } from '../../src/model/view-state.ts';
import { buildHierarchy, isScopeNodeId } from '../../src/graph/hierarchy.ts';
import { buildVisibleGraph } from '../../src/graph/visible.ts';
import { expandedForDepth } from '../../src/graph/depth.ts';
import { scopesToReveal } from '../../src/graph/search.ts';
import { revealScopes } from '../../src/view/fold-actions.ts';
import { warmInIdle, warmStates } from '../../src/view/warm.ts';
import { LayoutCache, layoutGraph } from '../../src/layout/layout.ts';
import { loadFixture } from './fixtures/load.ts';

const trace = createTrace(loadFixture('folded_blocks'));
const COPIES = 'fold:blocks.0/5';
const h = buildHierarchy(trace, false, true);
const start: ViewState = { ...initialViewState(expandedForDepth(h, 1), 1), fold: true };
const shown = buildVisibleGraph(trace, h, start);

test('warm views open the first closed fold at its first copy, down to each innermost module', () => {
  assert.ok(shown.nodes.some((n) => n.id === COPIES), 'the fold is drawn closed');
  const states = warmStates(h, start, shown);
  assert.ok(states.length >= 1);
  for (const s of states) assert.equal(s.foldPick.get(COPIES), 0);
  assert.equal(warmStates(h, start, shown, 1).length, 1, 'capped');
  // That fold opened:
  const open = revealScopes(start, h, [...(h.scopes.get(h.scopes.get(COPIES)?.fold?.members[0] ?? '')?.chain ?? [])]);
  const noFold = buildVisibleGraph(trace, h, open);
  assert.ok(!noFold.nodes.some((n) => n.id === COPIES));
  // The next fold drawn closed (three passes of a shared block) is warmed instead; none once open.
  const next = warmStates(h, open, noFold);
  assert.ok(next.length > 0 && next.every((x) => x.foldPick.get('fold:shared:1/3') === 0));
  const all = next[next.length - 1] ?? open;
  assert.deepEqual(warmStates(h, all, buildVisibleGraph(trace, h, all)), []);
});

test('after warming one copy, selecting into any copy lays out none of its boxes anew', () => {
  const cache = new LayoutCache();
  layoutGraph(shown, cache);
  for (const s of warmStates(h, start, shown)) layoutGraph(buildVisibleGraph(trace, h, s), cache);
  // Copies differ only in the counters in their labels, measured alike inside a fold.
  const copies = h.scopes.get(COPIES)?.fold?.members ?? [];
  assert.equal(copies.length, 5);
  const ops = h.items.filter((it) => it.scope !== null && copies.some((c) => h.scopes.get(it.scope ?? '')?.chain.includes(c))).map((it) => it.id);
  assert.ok(ops.length >= 10, `${ops.length} ops in the copies`);
  for (const id of ops) {
    if (isScopeNodeId(id)) continue;
    const s = revealScopes(withSelected(start, id), h, scopesToReveal(h, id));
    const g = buildVisibleGraph(trace, h, s);
    assert.ok(g.nodes.some((n) => n.id === id), id);
    const runs = cache.runs;
    layoutGraph(g, cache);
    // The copy's own boxes come from the cache; at most the fold's box and the top level are new
    // (a copy with no stand-in before or after it), and nothing once a middle copy was shown.
    const pick = s.foldPick.get(COPIES) ?? -1;
    assert.ok(cache.runs - runs <= (pick >= 2 && pick <= 3 ? 0 : 2), `${id} (copy ${pick}): ${cache.runs - runs} new layouts`);
  }
  // Unwarmed, the same selection lays boxes out.
  const cold = new LayoutCache();
  layoutGraph(shown, cold);
  const before = cold.runs;
  const id = ops[0] ?? '';
  layoutGraph(buildVisibleGraph(trace, h, revealScopes(withSelected(start, id), h, scopesToReveal(h, id))), cold);
  assert.ok(cold.runs > before);
});

test('warmInIdle runs the steps in order and stops when a step or the view says so', async () => {
  const states = warmStates(h, start, shown);
  const seen: ViewState[] = [];
  await new Promise<void>((done) => {
    warmInIdle(states, async (s) => {
      seen.push(s);
      if (seen.length === states.length) done();
      return true;
    }, () => true);
  });
  assert.deepEqual(seen, states);
  const twice: ViewState[] = [];
  warmInIdle([start, start, start], async (s) => (twice.push(s), twice.length < 2), () => true);
  let alive = true;
  const none: ViewState[] = [];
  warmInIdle([start], async (s) => (none.push(s), true), () => alive);
  alive = false;
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(twice.length, 2, 'a step resolving false stops it');
  assert.equal(none.length, 0, 'a view gone stops it');
});

test('warming waits for a quiet view', async () => {
  let changed = Date.now();
  const seen: number[] = [];
  warmInIdle([start], async () => (seen.push(Date.now() - changed), true), () => true, () => Date.now() - changed);
  await new Promise((r) => setTimeout(r, 200));
  changed = Date.now(); // the user did something
  await new Promise((r) => setTimeout(r, 900));
  assert.equal(seen.length, 1);
  assert.ok((seen[0] ?? 0) >= 400, `ran ${seen[0]} ms after the last change`);
});
