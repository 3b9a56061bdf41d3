// The phases of the linear layered layout (src/layout/layered.ts), each a pure function.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adjacency, assignRanks, layeredLayout, orderRanks, packLeft, packRight, placeX, routePieces, stackRanks } from '../../src/layout/layered.ts';
import { inPort, outPort } from '../../src/layout/types.ts';

const piece = (from: string, to: string, text = '') => ({ from, to, text });
// a -> b -> d, a -> c -> d, with an in port feeding a and an out port fed by d; s feeds only c.
const IDS = [inPort(0), 'a', 'b', 'c', 's', 'd', outPort('d')];
const SEGS = [piece(inPort(0), 'a'), piece('a', 'b'), piece('a', 'c'), piece('b', 'd'), piece('c', 'd'), piece('s', 'c'), piece('d', outPort('d'), 'x'), piece('d', 'd'), piece('a', 'nowhere')];

test('adjacency: kinds by id, edges by position, self-edges and unknown ends dropped', () => {
  const adj = adjacency(IDS, SEGS);
  assert.deepEqual(adj.kind, [1, 0, 0, 0, 0, 0, 2]);
  assert.deepEqual(adj.outs[1], [2, 3]);
  assert.deepEqual(adj.ins[5], [2, 3]);
  assert.deepEqual(adj.outs[5], [6]); // d -> d dropped
});

test('ranks: longest path; a lone source sits just above its child; ports first and last', () => {
  const rank = assignRanks(adjacency(IDS, SEGS));
  const of = Object.fromEntries(IDS.map((id, i) => [id, rank[i]]));
  assert.deepEqual([of['a'], of['b'], of['c'], of['d']], [1, 2, 2, 3]);
  assert.equal(of['s'], 1, 'pulled down next to c');
  assert.equal(of[inPort(0)], 0);
  assert.equal(of[outPort('d')], 4);
});

test('ranks survive a cycle (its back edge is ignored)', () => {
  const rank = assignRanks(adjacency(['x', 'y', 'z'], [piece('x', 'y'), piece('y', 'z'), piece('z', 'x')]));
  assert.deepEqual(rank, [1, 2, 3]);
});

test('order: each rank lists its items, branches kept in discovery order', () => {
  const adj = adjacency(IDS, SEGS);
  const ranks = orderRanks(adj, assignRanks(adj));
  assert.deepEqual(ranks.map((r) => r.map((i) => IDS[i])), [[inPort(0)], ['a', 's'], ['b', 'c'], ['d'], [outPort('d')]]);
});

test('x packing keeps the order with gaps, and centres a child under its parents', () => {
  const left = packLeft([10, 10], [NaN, NaN]);
  assert.deepEqual(left, [5, 37]); // 5 + 5 + 22 (gap) + 5
  assert.deepEqual(packRight([10, 10], [0, 0], left), [-32, 0]);
  const adj = adjacency(['p', 'q', 'c'], [piece('p', 'c'), piece('q', 'c')]);
  const rank = assignRanks(adj);
  const cx = placeX(orderRanks(adj, rank), rank, adj.ins, [10, 10, 10]);
  assert.equal(cx[2], ((cx[0] ?? 0) + (cx[1] ?? 0)) / 2);
});

test('ranks stack with their tallest item; pieces are S-curves, labelled at the middle', () => {
  const rows = stackRanks([[0], [1, 2], []], [10, 4, 20]);
  assert.deepEqual(rows, { top: [0, 40, 90], rowHeight: [10, 20, 0], height: 60 });
  const items = new Map([['a', { x: 0, y: 0, width: 10, height: 10 }], ['b', { x: 20, y: 40, width: 10, height: 10 }]]);
  const route = routePieces(items, [piece('a', 'b', 'arg 0')]).get('a\u0000b');
  assert.deepEqual(route?.points, [{ x: 5, y: 10 }, { x: 5, y: 25 }, { x: 25, y: 25 }, { x: 25, y: 40 }]);
  assert.deepEqual(route?.labelAt, { x: 15, y: 25 });
});

test('the whole layout: no two items of a rank overlap, every piece routed', () => {
  const size = (id: string) => ({ width: 10 + id.length, height: 8 });
  const out = layeredLayout(IDS, size, SEGS);
  const boxes = [...out.items.values()];
  for (const p of boxes) for (const q of boxes) if (p !== q && p.y === q.y) assert.ok(p.x + p.width <= q.x || q.x + q.width <= p.x);
  assert.ok(Math.min(...boxes.map((b) => b.x)) === 0 && out.size.width > 0 && out.size.height > 0);
  assert.equal(out.edges.size, 8); // every piece with both ends present (d -> d too), not a -> nowhere
});
