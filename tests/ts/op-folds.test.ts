// Folds of loose ops (graph/op-folds.ts) on a real capture: six rounds of mul, add, tanh, sub with
// no module around them, then a Linear head (tests/ts/fixtures/repeated_ops.json, from
// scripts/gen_fixtures.py). They draw as one `block ×6`, open like a fold of module copies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTrace } from '../../src/model/trace.ts';
import { initialViewState, withExpanded, withFoldPick } from '../../src/model/view-state.ts';
import type { ViewState } from '../../src/model/view-state.ts';
import { buildHierarchy, isScopeNodeId } from '../../src/graph/hierarchy.ts';
import { buildVisibleGraph } from '../../src/graph/visible.ts';
import { expandedForDepth, fullDepth } from '../../src/graph/depth.ts';
import { scopesToReveal, searchNodes } from '../../src/graph/search.ts';
import { describeNode } from '../../src/graph/describe.ts';
import { foldMemberStats } from '../../src/graph/fold-describe.ts';
import { foldOption } from '../../src/graph/fold.ts';
import { outlineRows } from '../../src/graph/outline.ts';
import { revealScopes } from '../../src/view/fold-actions.ts';
import { loadFixture } from './fixtures/load.ts';

const graph = loadFixture('repeated_ops');
const trace = createTrace(graph);
const FOLD = `fold:${trace.ops[1]?.label}/6`;

function at(depth: number, fold = true, rolled = false): { h: ReturnType<typeof buildHierarchy>; s: ViewState } {
  const h = buildHierarchy(trace, rolled, fold);
  return { h, s: { ...initialViewState(expandedForDepth(h, depth), depth), rolled, fold } };
}

const ids = (h: ReturnType<typeof buildHierarchy>, s: ViewState): string[] => buildVisibleGraph(trace, h, s).nodes.map((n) => n.id);

test('the six rounds draw as one closed block ×6 between the input and the head', () => {
  assert.ok(foldOption(trace, undefined));
  const { h, s } = at(1);
  const drawn = ids(h, s);
  assert.ok(drawn.includes(FOLD), drawn.join(' '));
  assert.equal(drawn.filter((id) => !isScopeNodeId(id)).filter((id) => /^(mul|add|tanh|sub)_/.test(id)).length, 0, drawn.join(' '));
  const node = buildVisibleGraph(trace, h, s).nodes.find((n) => n.id === FOLD);
  assert.deepEqual(node?.lines.slice(0, 2), ['block \u00d76', 'mul \u00b7 add \u00b7 tanh \u00b7 sub']);
  assert.equal(node?.kind, 'fold');
  const g = buildVisibleGraph(trace, h, s);
  assert.ok(g.edges.some((e) => e.from === 'input_1:1' && e.to === FOLD));
  assert.ok(g.edges.some((e) => e.from === FOLD));
});

test('unfolded (fold=false) and rolled, every op is drawn as before', () => {
  const flat = at(1, false);
  assert.equal(ids(flat.h, flat.s).filter((id) => /^(mul|add|tanh|sub)_/.test(id)).length, 24);
  const rolled = at(1, true, true);
  assert.ok(!ids(rolled.h, rolled.s).includes(FOLD));
});

test('opened, the fold shows the first block between stand-ins, or every block; expand-all opens all', () => {
  const { h, s } = at(1);
  const picked = withFoldPick(withExpanded(s, [FOLD], true), FOLD, 0);
  const one = ids(h, picked);
  assert.ok(one.includes(`${FOLD}~after`) && one.includes(`run:${trace.ops[1]?.label}`), one.join(' '));
  const all = ids(h, withExpanded(s, [FOLD], true));
  assert.equal(all.filter((id) => id.startsWith('run:')).length, 6, all.join(' '));
  const full = at(fullDepth(h));
  const everything = ids(full.h, full.s);
  assert.equal(everything.filter((id) => /^(mul|add|tanh|sub)_/.test(id)).length, 24, everything.join(' '));
  assert.ok(buildVisibleGraph(trace, full.h, full.s).groups.some((g) => g.key === FOLD && g.title === 'block \u00d76'));
});

test('search and selection reach into the fold; per-block statistics have one entry per block', () => {
  const { h, s } = at(1);
  const target = trace.ops[14]?.label ?? ''; // block 3 (ops 13-16)
  assert.ok(searchNodes(trace, h, target).includes(target));
  const keys = scopesToReveal(h, target);
  assert.deepEqual(keys, [FOLD, `run:${trace.ops[13]?.label}`]);
  const shown = revealScopes(s, h, keys);
  assert.equal(shown.foldPick.get(FOLD), 3);
  assert.ok(ids(h, shown).includes(target));
  const fold = h.scopes.get(FOLD);
  assert.ok(fold);
  const stats = foldMemberStats(trace, h, fold);
  assert.deepEqual(stats.map((m) => m.ops), [4, 4, 4, 4, 4, 4]);
  assert.deepEqual(stats.map((m) => m.outputOp), [4, 8, 12, 16, 20, 24]);
  assert.ok(stats.every((m) => m.time_s > 0));
  const d = describeNode(trace, h, FOLD);
  assert.equal(d?.rows.find(([k]) => k === 'pattern')?.[1], 'mul \u00b7 add \u00b7 tanh \u00b7 sub');
  const block = describeNode(trace, h, `run:${trace.ops[13]?.label}`);
  assert.equal(block?.title, 'block #3');
  assert.equal(block?.links.find(([k]) => k === 'ops')?.[1].length, 4);
  const rows = outlineRows(trace, h, withExpanded(s, [FOLD], true));
  assert.ok(rows.some((r) => r.nodeId === FOLD && r.name === 'block \u00d76'));
  assert.equal(rows.filter((r) => r.nodeId.startsWith('run:')).length, 6);
});
