// A fast layered layout for very large boxes (thousands of items at one level, such as the
// per-detection loops a detection model runs outside any module). dagre's crossing reduction
// and network-simplex ranking grow much faster than linearly: 7,300 nodes take 10-20 s. This
// one is linear: longest-path ranks (sources pulled down next to their first child), order by
// depth-first discovery then one barycenter sweep, x by averaging a left- and a right-packed
// placement around each node's parents, and straight S-curves for edges. Less tidy than dagre,
// but it draws thousands of nodes in milliseconds, and a box that big is looked at zoomed out.
// Each phase is its own pure function (tests/ts/layered.test.ts); layeredLayout chains them.
import type { Size } from './size.ts';
import { edgeKey, isInPort, isOutPort } from './types.ts';
import type { Box, Piece, PieceRoute, Placed } from './types.ts';

export type { Placed } from './types.ts';

const NODE_SEP = 22;
const RANK_SEP = 30;

/** Item kinds: 0 an inner item, 1 an in port (first rank), 2 an out port (last rank). */
export type ItemKind = 0 | 1 | 2;

/** The items by position with their kind and edges (self-edges and unknown ends dropped). */
export interface Adjacency {
  readonly kind: readonly ItemKind[];
  readonly outs: readonly (readonly number[])[];
  readonly ins: readonly (readonly number[])[];
}

/**
 * Lays out `ids` (in execution order; in and out ports as in ./types.ts) joined by `segs`.
 * In ports go on the first rank, out ports on the last.
 */
export function layeredLayout(ids: readonly string[], sizeOf: (id: string) => Size, segs: readonly Piece[]): Placed {
  const adj = adjacency(ids, segs);
  const rank = assignRanks(adj);
  const ranks = orderRanks(adj, rank);
  const size = ids.map((id, i) => (adj.kind[i] !== 0 ? { width: 2, height: 2 } : sizeOf(id)));
  const cx = placeX(ranks, rank, adj.ins, size.map((s) => s.width));
  const rows = stackRanks(ranks, size.map((s) => s.height));
  const { items, width } = placeItems(ids, size, rank, cx, rows);
  return { size: { width, height: rows.height }, items, edges: routePieces(items, segs) };
}

/** Phase 1: item kinds and edges by position. */
export function adjacency(ids: readonly string[], segs: readonly Piece[]): Adjacency {
  const index = new Map(ids.map((id, i) => [id, i]));
  const kind = ids.map((id): ItemKind => (isInPort(id) ? 1 : isOutPort(id) ? 2 : 0));
  const outs: number[][] = ids.map(() => []);
  const ins: number[][] = ids.map(() => []);
  for (const s of segs) {
    const a = index.get(s.from);
    const b = index.get(s.to);
    if (a === undefined || b === undefined || a === b) continue;
    outs[a]?.push(b);
    ins[b]?.push(a);
  }
  return { kind, outs, ins };
}

/**
 * Phase 2: a rank per item. Longest path over inner items (Kahn's order; on a cycle the earliest
 * remaining item goes next and its unfinished in-edges count as back edges), sources pulled
 * down next to their nearest child; in ports on rank 0, out ports below the last inner rank.
 */
export function assignRanks(adj: Adjacency): number[] {
  const { kind, ins } = adj;
  const n = kind.length;
  const { rank, topo } = longestPath(adj);
  // Sources with no inner parent sit just above their nearest child, not at the very top.
  for (let k = topo.length - 1; k >= 0; k--) {
    const v = topo[k] ?? 0;
    if ((ins[v] ?? []).some((p) => kind[p] === 0)) continue;
    let r = Infinity;
    for (const c of adj.outs[v] ?? []) if (kind[c] === 0 && (rank[c] ?? 0) > 0) r = Math.min(r, (rank[c] ?? 0) - 1);
    if (Number.isFinite(r) && r >= 1) rank[v] = r;
  }
  let maxRank = 0;
  for (let i = 0; i < n; i++) if (kind[i] === 0) maxRank = Math.max(maxRank, rank[i] ?? 0);
  for (let i = 0; i < n; i++) if (kind[i] !== 0) rank[i] = kind[i] === 1 ? 0 : maxRank + 1;
  return rank;
}

function longestPath(adj: Adjacency): { rank: number[]; topo: number[] } {
  const { kind, outs, ins } = adj;
  const n = kind.length;
  const rank = new Array<number>(n).fill(0);
  const remaining = ins.map((l, i) => (kind[i] === 0 ? l.filter((j) => kind[j] === 0).length : 0));
  const done = new Array<boolean>(n).fill(false);
  const topo: number[] = [];
  const ready: number[] = [];
  for (let i = n - 1; i >= 0; i--) if (kind[i] === 0 && remaining[i] === 0) ready.push(i);
  let scan = 0;
  while (topo.length < n) {
    let v = ready.pop();
    if (v === undefined) {
      while (scan < n && (done[scan] || kind[scan] !== 0)) scan += 1;
      if (scan >= n) break;
      v = scan;
    }
    if (done[v]) continue;
    done[v] = true;
    topo.push(v);
    let r = 1;
    for (const p of ins[v] ?? []) if (kind[p] === 0 && done[p]) r = Math.max(r, (rank[p] ?? 0) + 1);
    rank[v] = r;
    const children = outs[v] ?? [];
    for (let k = children.length - 1; k >= 0; k--) {
      const c = children[k] ?? 0;
      if (kind[c] !== 0 || done[c]) continue;
      remaining[c] = (remaining[c] ?? 1) - 1;
      if (remaining[c] === 0) ready.push(c);
    }
  }
  return { rank, topo };
}

/**
 * Phase 3: the items of each rank, left to right. Depth-first discovery from the roots in
 * execution order keeps each branch together; then one barycenter sweep, top down, moves each
 * item towards the mean position of its parents above.
 */
export function orderRanks(adj: Adjacency, rank: readonly number[]): number[][] {
  const n = rank.length;
  const seen = discoveryOrder(adj.outs);
  const maxRank = rank.reduce((m, r) => Math.max(m, r), 0);
  const ranks: number[][] = Array.from({ length: Math.max(2, maxRank + 1) }, () => []);
  for (let i = 0; i < n; i++) ranks[rank[i] ?? 0]?.push(i);
  const pos = new Array<number>(n).fill(0);
  const spread = (list: number[]): void => list.forEach((v, k) => (pos[v] = k / Math.max(1, list.length)));
  for (const list of ranks) {
    list.sort((a, b) => (seen[a] ?? 0) - (seen[b] ?? 0));
    spread(list);
  }
  for (let r = 1; r < ranks.length; r++) {
    const list = ranks[r] ?? [];
    const key = new Map<number, number>();
    for (const v of list) {
      const above = (adj.ins[v] ?? []).filter((p) => (rank[p] ?? 0) < r);
      key.set(v, above.length ? above.reduce((s, p) => s + (pos[p] ?? 0), 0) / above.length : (pos[v] ?? 0));
    }
    list.sort((a, b) => (key.get(a) ?? 0) - (key.get(b) ?? 0) || (seen[a] ?? 0) - (seen[b] ?? 0));
    spread(list);
  }
  return ranks;
}

/** Depth-first discovery number of each item, roots taken in execution order. */
function discoveryOrder(outs: readonly (readonly number[])[]): number[] {
  const n = outs.length;
  const seen = new Array<number>(n).fill(-1);
  let counter = 0;
  const stack: number[] = [];
  for (let root = 0; root < n; root++) {
    if (seen[root] !== -1) continue;
    stack.push(root);
    while (stack.length) {
      const v = stack.pop() ?? 0;
      if (seen[v] !== -1) continue;
      seen[v] = counter++;
      const children = outs[v] ?? [];
      for (let k = children.length - 1; k >= 0; k--) if (seen[children[k] ?? 0] === -1) stack.push(children[k] ?? 0);
    }
  }
  return seen;
}

/**
 * Phase 4: x centres. Each item wants its centre under the mean centre of its parents above;
 * a left-packed and a right-packed placement that keep the order and NODE_SEP gaps, averaged
 * (still overlap-free).
 */
export function placeX(ranks: readonly (readonly number[])[], rank: readonly number[], ins: Adjacency['ins'], widths: readonly number[]): number[] {
  const cx = new Array<number>(rank.length).fill(0);
  for (let r = 0; r < ranks.length; r++) {
    const list = ranks[r] ?? [];
    const want = list.map((v) => {
      const above = (ins[v] ?? []).filter((p) => (rank[p] ?? 0) < r);
      return above.length ? above.reduce((s, p) => s + (cx[p] ?? 0), 0) / above.length : NaN;
    });
    const w = list.map((v) => widths[v] ?? 0);
    const left = packLeft(w, want);
    const right = packRight(w, want, left);
    list.forEach((v, k) => (cx[v] = ((left[k] ?? 0) + (right[k] ?? 0)) / 2));
  }
  return cx;
}

/** Centres packed from the left: at the wanted centre, or just right of the previous item. */
export function packLeft(widths: readonly number[], want: readonly number[]): number[] {
  const out: number[] = [];
  let edge = -Infinity;
  widths.forEach((width, k) => {
    const half = width / 2;
    const wanted = want[k] ?? NaN;
    const min = edge === -Infinity ? -Infinity : edge + NODE_SEP + half;
    const c = Number.isNaN(wanted) ? (edge === -Infinity ? half : min) : Math.max(wanted, min);
    out.push(c);
    edge = c + half;
  });
  return out;
}

/** Centres packed from the right: at the wanted centre (or the left packing's), or just left
 *  of the next item. */
export function packRight(widths: readonly number[], want: readonly number[], left: readonly number[]): number[] {
  const out = new Array<number>(widths.length).fill(0);
  let edge = Infinity;
  for (let k = widths.length - 1; k >= 0; k--) {
    const half = (widths[k] ?? 0) / 2;
    const wanted = want[k] ?? NaN;
    const max = edge === Infinity ? Infinity : edge - NODE_SEP - half;
    const c = Number.isNaN(wanted) ? Math.min(left[k] ?? 0, max) : Math.min(wanted, max);
    out[k] = c;
    edge = c - half;
  }
  return out;
}

/** Phase 5: ranks stacked top to bottom, each as tall as its tallest item (RANK_SEP apart). */
export function stackRanks(ranks: readonly (readonly number[])[], heights: readonly number[]): { top: number[]; rowHeight: number[]; height: number } {
  const top: number[] = [];
  const rowHeight: number[] = [];
  let y = 0;
  for (const list of ranks) {
    const h = list.reduce((m, v) => Math.max(m, heights[v] ?? 0), 0);
    top.push(y);
    rowHeight.push(h);
    if (list.length) y += h + RANK_SEP;
  }
  return { top, rowHeight, height: Math.max(0, y - RANK_SEP) };
}

/** Phase 6: item boxes, shifted so the leftmost edge is at x = 0, centred in their rank. */
export function placeItems(
  ids: readonly string[],
  size: readonly Size[],
  rank: readonly number[],
  cx: readonly number[],
  rows: { top: readonly number[]; rowHeight: readonly number[] },
): { items: Map<string, Box>; width: number } {
  let minX = Infinity;
  let maxX = -Infinity;
  size.forEach((s, i) => {
    minX = Math.min(minX, (cx[i] ?? 0) - s.width / 2);
    maxX = Math.max(maxX, (cx[i] ?? 0) + s.width / 2);
  });
  if (!Number.isFinite(minX)) minX = maxX = 0;
  const items = new Map<string, Box>();
  ids.forEach((id, i) => {
    const s = size[i] ?? { width: 0, height: 0 };
    const r = rank[i] ?? 0;
    const y = (rows.top[r] ?? 0) + ((rows.rowHeight[r] ?? 0) - s.height) / 2;
    items.set(id, { x: (cx[i] ?? 0) - s.width / 2 - minX, y, width: s.width, height: s.height });
  });
  return { items, width: Math.max(0, maxX - minX) };
}

/** Phase 7: each piece as an S-curve from the bottom centre of its source to the top centre of
 *  its target; labelled pieces get their label at the midpoint. */
export function routePieces(items: ReadonlyMap<string, Box>, segs: readonly Piece[]): Map<string, PieceRoute> {
  const edges = new Map<string, PieceRoute>();
  for (const s of segs) {
    const a = items.get(s.from);
    const b = items.get(s.to);
    if (!a || !b) continue;
    const p0 = { x: a.x + a.width / 2, y: a.y + a.height };
    const p1 = { x: b.x + b.width / 2, y: b.y };
    const bend = Math.min(RANK_SEP / 2, Math.abs(p1.y - p0.y) / 2);
    const down = p1.y >= p0.y ? 1 : -1;
    const points = [p0, { x: p0.x, y: p0.y + down * bend }, { x: p1.x, y: p1.y - down * bend }, p1];
    edges.set(edgeKey(s.from, s.to), { points, labelAt: s.text ? { x: (p0.x + p1.x) / 2, y: (p0.y + p1.y) / 2 } : null });
  }
  return edges;
}
