// Folded repeats (graph/fold.ts) on a real capture: five copies of one block in a ModuleList, then
// one shared block called three times (tests/ts/fixtures/folded_blocks.json, written by to_wire
// from a toy model: emb → blocks.0–4 → shared ×3 → head).
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
import { revealScopes } from '../../src/view/fold-actions.ts';
import { loadFixture } from './fixtures/load.ts';
import { unifySizes } from '../../src/layout/same-shape.ts';
import { layoutGraph } from '../../src/layout/layout.ts';

const trace = createTrace(loadFixture('folded_blocks'));
const COPIES = 'fold:blocks.0/5';
const PASSES = 'fold:shared:1/3';

function at(depth: number, fold = true, rolled = false): { h: ReturnType<typeof buildHierarchy>; s: ViewState } {
  const h = buildHierarchy(trace, rolled, fold);
  return { h, s: { ...initialViewState(expandedForDepth(h, depth), depth), rolled, fold } };
}

test('copies and passes fold into one node each; unfolded, every copy is drawn', () => {
  const { h, s } = at(1);
  const ids = buildVisibleGraph(trace, h, s).nodes.map((n) => n.id);
  assert.ok(ids.includes(COPIES) && ids.includes(PASSES), ids.join(' '));
  assert.ok(!ids.some((id) => id.startsWith('module:blocks.')), ids.join(' '));
  const node = buildVisibleGraph(trace, h, s).nodes.find((n) => n.id === COPIES);
  assert.deepEqual(node?.lines.slice(0, 2), ['Block \u00d75', '@blocks.0\u20134']);
  assert.equal(node?.kind, 'fold');
  assert.equal(buildVisibleGraph(trace, h, s).nodes.find((n) => n.id === PASSES)?.lines[1], '@shared \u00b7 passes');
  assert.ok(isScopeNodeId(COPIES));
  const flat = at(1, false);
  const flatIds = buildVisibleGraph(trace, flat.h, flat.s).nodes.map((n) => n.id);
  assert.ok(flatIds.includes('module:blocks.4') && flatIds.includes('module:shared:3'), flatIds.join(' '));
});

test('depths leave folds closed; full depth (expand all) opens them', () => {
  const { h } = at(1);
  assert.ok(!expandedForDepth(h, 2).has(COPIES));
  assert.ok(expandedForDepth(h, fullDepth(h)).has(COPIES));
  const { s } = at(fullDepth(h));
  const ids = buildVisibleGraph(trace, h, s).nodes.map((n) => n.id);
  assert.ok(!ids.includes(COPIES) && ids.filter((id) => id.startsWith('linear_')).length === 10, ids.join(' '));
});

test('an opened fold shows all members, or one picked member between two stand-ins', () => {
  const { h, s } = at(1);
  const open = withExpanded(s, [COPIES], true);
  const all = buildVisibleGraph(trace, h, open);
  assert.deepEqual(all.nodes.filter((n) => n.id.startsWith('module:blocks.')).map((n) => n.id),
    ['module:blocks.0', 'module:blocks.1', 'module:blocks.2', 'module:blocks.3', 'module:blocks.4']);
  assert.ok(all.groups.some((g) => g.key === COPIES && g.title === '@blocks.0\u20134 \u00d75'));
  const picked = buildVisibleGraph(trace, h, withExpanded(withFoldPick(open, COPIES, 2), ['blocks.2'], true));
  const ids = picked.nodes.map((n) => n.id);
  assert.ok(ids.includes(`${COPIES}~before`) && ids.includes(`${COPIES}~after`), ids.join(' '));
  assert.ok(!ids.some((id) => /^module:blocks\.[0134]/.test(id)), ids.join(' '));
  assert.deepEqual(picked.nodes.find((n) => n.id === `${COPIES}~before`)?.lines.slice(0, 2), ['Block \u00d72', '#0\u20131']);
  // The chain stays connected: before → (block 2's ops) → after.
  assert.ok(picked.edges.some((e) => e.from === `${COPIES}~before`));
  assert.ok(picked.edges.some((e) => e.to === `${COPIES}~after`));
});

test('search and selection reach into folds: revealing an op opens the fold and its copy', () => {
  const { h, s } = at(1);
  const hits = searchNodes(trace, h, 'blocks.3');
  assert.ok(hits.length > 0);
  const op = hits.find((id) => !isScopeNodeId(id)) ?? '';
  const keys = scopesToReveal(h, op);
  assert.ok(keys.includes(COPIES), keys.join(' '));
  // With block 0 picked, revealing an op of block 3 switches the pick to block 3.
  const picked = withFoldPick(withExpanded(s, [COPIES], true), COPIES, 0);
  const shown = revealScopes(picked, h, keys);
  assert.equal(shown.foldPick.get(COPIES), 3);
  assert.ok(buildVisibleGraph(trace, h, shown).nodes.some((n) => n.id === op));
});

test('rolled: copies still fold, passes are already one module', () => {
  const { h, s } = at(1, true, true);
  const ids = buildVisibleGraph(trace, h, s).nodes.map((n) => n.id);
  assert.ok(ids.includes(COPIES) && ids.includes('module:shared'), ids.join(' '));
});

test('a fold node describes its copies', () => {
  const { h } = at(1);
  const d = describeNode(trace, h, COPIES);
  assert.ok(d, 'described');
  assert.equal(d?.title, 'Block \u00d75');
  assert.deepEqual(d?.links[0]?.[1].map((l) => l.id), ['module:blocks.0', 'module:blocks.1', 'module:blocks.2', 'module:blocks.3', 'module:blocks.4']);
  const stats = foldMemberStats(trace, h, h.scopes.get(COPIES) ?? assert.fail('no fold'));
  // Each copy ran the same ops (layer_norm, linear, relu, add); times are the recorded ones.
  assert.deepEqual(stats.map((m) => m.ops), [4, 4, 4, 4, 4]);
  const block2 = trace.ops.filter((op) => trace.calls[op.module_call]?.address.startsWith('blocks.2'));
  assert.ok(Math.abs((stats[2]?.time_s ?? 0) - block2.reduce((t, op) => t + op.time_s, 0)) < 1e-12);
  assert.equal(trace.ops[stats[4]?.outputOp ?? -1]?.label, trace.ops[trace.calls[13]?.outputs[0] ?? -1]?.label);
});

test('copies inside an opened fold are sized alike, so they share one layout', () => {
  const sizes = new Map([
    ['a1', { width: 100, height: 40 }], ['b1', { width: 80, height: 40 }],
    ['a2', { width: 107, height: 40 }], ['b2', { width: 80, height: 44 }],
    ['x', { width: 10, height: 10 }],
  ]);
  const seg = (from: string, to: string) => ({ from, to, text: '' });
  unifySizes([
    { ids: ['a1', 'b1'], segs: [seg('a1', 'b1')] },
    { ids: ['a2', 'b2'], segs: [seg('a2', 'b2')] },
    { ids: ['x', 'b1'], segs: [seg('b1', 'x')] }, // another structure: left alone
  ], sizes);
  assert.deepEqual([sizes.get('a1'), sizes.get('a2')], [{ width: 107, height: 40 }, { width: 107, height: 40 }]);
  assert.deepEqual([sizes.get('b1'), sizes.get('b2')], [{ width: 80, height: 44 }, { width: 80, height: 44 }]);
  assert.deepEqual(sizes.get('x'), { width: 10, height: 10 });
  // The whole capture, everything open: the five copies are laid out at one size.
  const h = buildHierarchy(trace, false, true);
  const s = { ...initialViewState(expandedForDepth(h, fullDepth(h)), fullDepth(h)), fold: true };
  const layout = layoutGraph(buildVisibleGraph(trace, h, s));
  const boxes = [0, 1, 2, 3, 4].map((i) => layout.groups.get(`blocks.${i}:1`));
  assert.equal(new Set(boxes.map((b) => `${b?.width}x${b?.height}`)).size, 1, JSON.stringify(boxes));
});
