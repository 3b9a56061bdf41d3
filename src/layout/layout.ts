// Layout: one run per drawn module box (./box.ts: dagre, or a faster engine for chains and
// very large boxes), innermost first (a box's size is what its contents need), each cached by
// its structure. Edges that cross boxes are laid out in the
// lowest box holding both ends, between the items of that box that contain them.
// Pure data in, pure data out, so a Web Worker can wrap it.
import type { VisibleEdge, VisibleGraph, VisibleGroup, VisibleNode } from '../graph/visible.ts';
import { unifySizes } from './same-shape.ts';
import { FOLD_PREFIX } from '../graph/fold.ts';
import { GROUP_HEADER, groupSize, nodeSize } from './size.ts';
import { layOutBox, shapeKey } from './box.ts';
import { KEY_SEP, edgeKey, groupItemId, inPort, isGroupItem, isPort, outPort } from './types.ts';
import type { Box, EdgeRoute, GraphLayout, Point, ShapeLayout } from './types.ts';
import type { Size } from './size.ts';

export type { Box, EdgeRoute, GraphLayout, Point } from './types.ts';

/** Remembers box layouts by their structure (./box.ts shapeKey), so unchanged boxes are not
 *  laid out again and identical ones (repeated blocks) are laid out once. */
export class LayoutCache {
  /** Layout runs so far (one per distinct box laid out). */
  runs = 0;
  private readonly entries = new Map<string, ShapeLayout>();
  constructor(private readonly capacity = 4000) {}

  get(key: string): ShapeLayout | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key); // refresh recency
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, value: ShapeLayout): void {
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}

const ROOT = '';
export const edgeText = (e: VisibleEdge): string => [e.branch, e.label].filter(Boolean).join(' ');

/** One piece of a visible edge's route, laid out inside one box (or the top level). */
export interface Segment {
  readonly group: string;
  readonly from: string;
  readonly to: string;
  /** Label, on the piece that reaches the target. */
  readonly text: string;
}
const segmentKey = (s: { group: string; from: string; to: string }): string => [s.group, s.from, s.to].join(KEY_SEP);

/**
 * Splits an edge into pieces: up through the boxes around its source (to their out ports),
 * across the lowest box holding both ends, and down through the boxes around its target (from
 * their in ports). Each piece is laid out by its own box's dagre run.
 */
function segmentsOf(
  _edge: VisibleEdge,
  a: VisibleNode,
  b: VisibleNode,
  chainOf: (g: string) => string[],
  inPortOf: (group: string, source: string) => string,
): Segment[] {
  const ca = chainOf(a.group ?? ROOT);
  const cb = chainOf(b.group ?? ROOT);
  let i = 0;
  while (i + 1 < ca.length && i + 1 < cb.length && ca[i + 1] === cb[i + 1]) i += 1;
  const inner = (chain: string[], j: number, end: string): string =>
    j + 1 < chain.length ? groupItemId(chain[j + 1] ?? '') : end;
  const segs: Segment[] = [];
  for (let j = ca.length - 1; j > i; j--) {
    segs.push({ group: ca[j] ?? ROOT, from: inner(ca, j, a.id), to: outPort(a.id), text: '' });
  }
  segs.push({ group: ca[i] ?? ROOT, from: inner(ca, i, a.id), to: inner(cb, i, b.id), text: '' });
  for (let j = i + 1; j < cb.length; j++) {
    const group = cb[j] ?? ROOT;
    segs.push({ group, from: inPortOf(group, a.id), to: inner(cb, j, b.id), text: '' });
  }
  return segs;
}

/**
 * Puts each edge's label on one of its pieces: the last one (reaching the target), unless edges
 * fanning out from one source share an earlier piece and all carry the same label (an input
 * feeding the same argument slot of two ops in a box): then that label goes once on the shared
 * piece, before the fork. Returns, per edge, its labelled piece (-1: none) and the text drawn
 * there by this edge ("" when an earlier edge draws it). Different labels that land on one
 * piece (two edges leaving a box by the same piece) are drawn together: "arg 0 / arg 1".
 */
function placeLabels(routed: readonly { edge: VisibleEdge; segments: Segment[] }[]): { at: number; text: string }[] {
  const texts = new Map<string, Set<string>>();
  const users = new Map<string, number>();
  for (const { edge, segments } of routed) {
    const text = edgeText(edge);
    for (const s of segments) {
      const key = segmentKey(s);
      let set = texts.get(key);
      if (!set) texts.set(key, (set = new Set()));
      set.add(text);
      users.set(key, (users.get(key) ?? 0) + 1);
    }
  }
  const chosen = routed.map(({ edge, segments }) => {
    if (!edgeText(edge)) return -1;
    for (let k = segments.length - 1; k >= 0; k--) {
      const key = segmentKey(segments[k] as Segment);
      if ((users.get(key) ?? 0) > 1 && texts.get(key)?.size === 1) return k;
    }
    return segments.length - 1;
  });
  const onPiece = new Map<string, string[]>();
  routed.forEach(({ edge, segments }, i) => {
    const at = chosen[i] ?? -1;
    if (at < 0) return;
    const key = segmentKey(segments[at] as Segment);
    const list = onPiece.get(key) ?? [];
    const text = edgeText(edge);
    if (!list.includes(text)) list.push(text);
    onPiece.set(key, list);
  });
  const drawn = new Set<string>();
  return routed.map(({ segments }, i) => {
    const at = chosen[i] ?? -1;
    if (at < 0) return { at, text: '' };
    const key = segmentKey(segments[at] as Segment);
    const text = drawn.has(key) ? '' : (onPiece.get(key) ?? []).join(' / ');
    drawn.add(key);
    return { at, text };
  });
}

/** Lays out the drawn graph: routes (phase 1), box layouts innermost first (2), absolute
 *  positions (3), and each edge's polyline joined from its pieces (4). */
export function layoutGraph(graph: VisibleGraph, cache: LayoutCache = new LayoutCache()): GraphLayout {
  const routes = routeEdges(graph);
  const laid = layOutBoxes(graph, routes, cache);
  const placed = placeBoxes(laid);
  const edges = joinRoutes(routes.routed, placed.pieces);
  for (const n of graph.nodes) if (n.selfLoop) edges.push(selfLoop(n, placed.nodes.get(n.id)));
  const root = laid.get(ROOT)?.shape.size ?? { width: 0, height: 0 };
  return { nodes: placed.nodes, groups: placed.groups, edges, width: root.width, height: root.height };
}

/** One visible edge, cut into pieces: which piece carries its label and the text drawn there. */
export interface RoutedEdge {
  readonly edge: VisibleEdge;
  readonly segments: readonly Segment[];
  /** Index of the labelled piece, -1: none. */
  readonly labelled: number;
  readonly drawnText: string;
}

/** Phase 1's result: each box's items (nodes, child boxes, ports) and pieces, and the routes. */
export interface Routes {
  readonly members: ReadonlyMap<string, readonly string[]>;
  readonly segmentsIn: ReadonlyMap<string, readonly Segment[]>;
  readonly routed: readonly RoutedEdge[];
}

const push = <T>(m: Map<string, T[]>, g: string, v: T): void => {
  const list = m.get(g);
  if (list) list.push(v);
  else m.set(g, [v]);
};

/**
 * Phase 1: the contents of every box (its nodes and child boxes in a stable order, then the
 * ports its pieces use) and each edge cut into pieces, one per box it crosses, labelled.
 */
export function routeEdges(graph: VisibleGraph): Routes {
  const nodeById = new Map(graph.nodes.map((n) => [n.id, n]));
  const chainOf = boxChains(graph);
  const members = new Map<string, string[]>();
  for (const n of graph.nodes) push(members, n.group ?? ROOT, n.id);
  for (const g of graph.groups) push(members, g.parent ?? ROOT, groupItemId(g.key));
  const inPorts = new Map<string, Map<string, string>>();
  const inPortOf = (group: string, source: string): string => {
    let ports = inPorts.get(group);
    if (!ports) inPorts.set(group, (ports = new Map()));
    let port = ports.get(source);
    if (!port) ports.set(source, (port = inPort(ports.size)));
    return port;
  };
  const unlabelled = graph.edges.flatMap((edge) => {
    const a = nodeById.get(edge.from);
    const b = nodeById.get(edge.to);
    return a && b ? [{ edge, segments: segmentsOf(edge, a, b, chainOf, inPortOf) }] : [];
  });
  const routed = labelRoutes(unlabelled);
  const segmentsIn = new Map<string, Segment[]>();
  const seen = new Set<string>();
  for (const r of routed) {
    for (const s of r.segments) {
      const key = segmentKey(s);
      if (seen.has(key)) continue;
      seen.add(key);
      push(segmentsIn, s.group, s);
      for (const end of [s.from, s.to]) if (isPort(end) && !seen.has(edgeKey(s.group, end))) {
        seen.add(edgeKey(s.group, end));
        push(members, s.group, end);
      }
    }
  }
  return { members, segmentsIn, routed };
}

/** The chain of box keys from the top level (ROOT) down to each box. */
function boxChains(graph: VisibleGraph): (g: string) => string[] {
  const parentOf = new Map<string, string>(graph.groups.map((g) => [g.key, g.parent ?? ROOT]));
  const chains = new Map<string, string[]>();
  const chainOf = (g: string): string[] => {
    let c = chains.get(g);
    if (!c) {
      c = g === ROOT ? [ROOT] : [...chainOf(parentOf.get(g) ?? ROOT), g];
      chains.set(g, c);
    }
    return c;
  };
  return chainOf;
}

/** Labels each route (placeLabels); a piece that carries a label carries it on every route
 *  through it (pieces are shared). */
function labelRoutes(unlabelled: readonly { edge: VisibleEdge; segments: Segment[] }[]): RoutedEdge[] {
  const labels = placeLabels(unlabelled);
  const pieceText = new Map<string, string>();
  unlabelled.forEach(({ segments }, i) => {
    const l = labels[i];
    const s = l?.text ? segments[l.at] : undefined;
    if (s) pieceText.set(segmentKey(s), l?.text ?? '');
  });
  return unlabelled.map(({ edge, segments }, i) => {
    const { at, text } = labels[i] ?? { at: -1, text: '' };
    return { edge, labelled: at, drawnText: text, segments: segments.map((s) => ({ ...s, text: pieceText.get(segmentKey(s)) ?? '' })) };
  });
}

/** Each laid-out box: its items and pieces in the order its (shared) layout lists them. */
export interface Laid {
  readonly ids: readonly string[];
  readonly segs: readonly Segment[];
  readonly shape: ShapeLayout;
}

/** Phase 2: every box laid out, innermost first (a box's size is what its contents need),
 *  each looked up in the cache by its structure first. Keyed by box (ROOT: the top level). */
export function layOutBoxes(graph: VisibleGraph, routes: Routes, cache: LayoutCache): Map<string, Laid> {
  const direction = graph.direction ?? 'TB';
  const sizes = new Map<string, Size>();
  for (const n of graph.nodes) sizes.set(n.id, nodeSize(n));
  const laid = new Map<string, Laid>();
  const layOut = (key: string): ShapeLayout => {
    const ids = routes.members.get(key) ?? [];
    const segs = routes.segmentsIn.get(key) ?? [];
    const signature = direction + shapeKey(ids, (id) => sizes.get(id), segs);
    let shape = cache.get(signature);
    if (!shape) {
      shape = layOutBox(ids, sizes, segs, direction);
      cache.runs += 1;
      cache.set(signature, shape);
    }
    laid.set(key, { ids, segs, shape });
    return shape;
  };
  // Innermost boxes first, one nesting level at a time, so the boxes of one level inside a fold
  // that share a structure (copies of a repeated block) are sized alike and laid out once.
  const chainOf = boxChains(graph);
  const byLevel = new Map<number, VisibleGroup[]>();
  for (const g of graph.groups) {
    const level = chainOf(g.key).length;
    const list = byLevel.get(level);
    if (list) list.push(g);
    else byLevel.set(level, [g]);
  }
  for (const level of [...byLevel.keys()].sort((x, y) => y - x)) {
    const boxes = byLevel.get(level) ?? [];
    // Only inside folds (graph/fold.ts), whose copies are known to repeat: elsewhere a module's
    // layout does not depend on its siblings (toggling one never re-lays out the others).
    const copies = boxes.filter((g) => chainOf(g.key).some((k) => k.startsWith(FOLD_PREFIX)));
    unifySizes(copies.map((g) => ({ ids: routes.members.get(g.key) ?? [], segs: routes.segmentsIn.get(g.key) ?? [] })), sizes);
    for (const g of boxes) sizes.set(groupItemId(g.key), groupSize(g, layOut(g.key).size));
  }
  layOut(ROOT);
  return laid;
}

/** Phase 3's result: absolute boxes of nodes and groups, and of every piece by segmentKey. */
export interface Placement {
  readonly nodes: Map<string, Box>;
  readonly groups: Map<string, Box>;
  readonly pieces: Map<string, { points: Point[]; labelAt: Point | null }>;
}

/** Phase 3: box layouts (relative to their box) placed absolutely, from the top level down;
 *  a child box's contents are centred under its header. */
export function placeBoxes(laid: ReadonlyMap<string, Laid>): Placement {
  const out: Placement = { nodes: new Map(), groups: new Map(), pieces: new Map() };
  const place = (key: string, ox: number, oy: number): void => {
    const box = laid.get(key);
    if (!box) return;
    box.ids.forEach((id, i) => {
      const b = box.shape.items[i];
      if (!b) return;
      const at = { x: b.x + ox, y: b.y + oy, width: b.width, height: b.height };
      if (isGroupItem(id)) {
        const child = id.slice(1);
        out.groups.set(child, at);
        place(child, at.x + (at.width - (laid.get(child)?.shape.size.width ?? 0)) / 2, at.y + GROUP_HEADER);
      } else if (!isPort(id)) {
        out.nodes.set(id, at);
      }
    });
    box.segs.forEach((s, i) => {
      const e = box.shape.edges[i];
      if (!e) return;
      out.pieces.set(segmentKey(s), {
        points: e.points.map((p) => ({ x: p.x + ox, y: p.y + oy })),
        labelAt: e.labelAt ? { x: e.labelAt.x + ox, y: e.labelAt.y + oy } : null,
      });
    });
  };
  place(ROOT, 0, 0);
  return out;
}

/** Phase 4: each edge's polyline, its pieces joined in order, its label where placed. */
export function joinRoutes(routed: readonly RoutedEdge[], pieces: Placement['pieces']): EdgeRoute[] {
  return routed.map(({ edge, segments, labelled, drawnText }) => {
    const points: Point[] = [];
    let labelAt: Point | null = null;
    segments.forEach((s, k) => {
      const piece = pieces.get(segmentKey(s));
      if (!piece) return;
      points.push(...piece.points);
      if (k === labelled) labelAt = piece.labelAt ?? midpoint(piece.points);
    });
    return {
      from: edge.from,
      to: edge.to,
      points,
      // A label shared with a parallel edge is drawn once, by the first of them.
      text: drawnText,
      branch: edge.branch,
      labelAt: drawnText ? (labelAt ?? midpoint(points)) : null,
      dashed: edge.dashed,
      selfLoop: false,
    };
  });
}

function midpoint(points: readonly Point[]): Point | null {
  return points[Math.floor(points.length / 2)] ?? null;
}

function selfLoop(n: VisibleNode, box: Box | undefined): EdgeRoute {
  const b = box ?? { x: 0, y: 0, width: 0, height: 0 };
  const r = b.x + b.width;
  const cy = b.y + b.height / 2;
  return {
    from: n.id,
    to: n.id,
    points: [
      { x: r, y: cy - 6 },
      { x: r + 16, y: cy - 12 },
      { x: r + 16, y: cy + 12 },
      { x: r, y: cy + 6 },
    ],
    text: '',
    branch: '',
    labelAt: null,
    dashed: false,
    selfLoop: true,
  };
}

