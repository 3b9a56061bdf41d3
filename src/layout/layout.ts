// Layout: one run per drawn module box (./box.ts: dagre, or a faster engine for chains and
// very large boxes), innermost first (a box's size is what its contents need), each cached by
// its structure. Edges that cross boxes are laid out in the
// lowest box holding both ends, between the items of that box that contain them.
// Pure data in, pure data out, so a Web Worker can wrap it.
import { structureKey, unifySizes } from './same-shape.ts';
import { FOLD_PREFIX } from '../graph/fold.ts';
import { GROUP_HEADER, groupSize, nodeSize } from './size.ts';
import { layOutBox, sizesKey } from './box.ts';
import { KEY_SEP, SHAPE_SEP, edgeKey, groupItemId, inPort, isGroupItem, isPort, outPort } from './types.ts';
import type { Box, EdgeRoute, GraphLayout, LayoutEdge, LayoutGroup, LayoutInput, LayoutNode, PieceRoute, Point, ShapeLayout } from './types.ts';
import type { Size } from './size.ts';

export type { Box, EdgeRoute, GraphLayout, LayoutInput, Point } from './types.ts';

/** Remembers box layouts by their structure and item sizes, so unchanged boxes are not
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
export const edgeText = (e: Pick<LayoutEdge, 'branch' | 'label'>): string => [e.branch, e.label].filter(Boolean).join(' ');

/** One piece of a visible edge's route, laid out inside one box (or the top level). Pieces are
 *  shared: every edge through one piece holds the same object. */
export interface Segment {
  readonly group: string;
  readonly from: string;
  readonly to: string;
  /** Label, on the piece that reaches the target. */
  readonly text: string;
}

/** Lays out the drawn graph: routes (phase 1), box layouts innermost first (2), absolute
 *  positions (3), and each edge's polyline joined from its pieces (4). */
export function layoutGraph(graph: LayoutInput, cache: LayoutCache = new LayoutCache()): GraphLayout {
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
  readonly edge: LayoutEdge;
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

/** A piece while routing: its text is set once labels are placed. */
interface OpenPiece {
  readonly group: string;
  readonly from: string;
  readonly to: string;
  text: string;
}

/** Pieces by number: the same (box, from, to) is one piece, whichever edges pass through it. */
class PieceTable {
  readonly list: OpenPiece[] = [];
  private readonly index = new Map<string, number>();

  /** The piece of an edge between two nodes of one box: its own (edges of a visible graph are
   *  unique), so it is not looked up. */
  own(group: string, from: string, to: string): number {
    this.list.push({ group, from, to, text: '' });
    return this.list.length - 1;
  }

  of(group: string, from: string, to: string): number {
    const key = `${group}${KEY_SEP}${from}${KEY_SEP}${to}`;
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.list.length;
      this.index.set(key, i);
      this.list.push({ group, from, to, text: '' });
    }
    return i;
  }
}

/**
 * Splits an edge into pieces: up through the boxes around its source (to their out ports),
 * across the lowest box holding both ends, and down through the boxes around its target (from
 * their in ports). Each piece is laid out by its own box's layout run.
 */
function segmentsOf(
  a: LayoutNode,
  b: LayoutNode,
  chainOf: (g: string) => string[],
  inPortOf: (group: string, source: string) => string,
  pieces: PieceTable,
): number[] {
  const ga = a.group ?? ROOT;
  const gb = b.group ?? ROOT;
  if (ga === gb) return [pieces.own(ga, a.id, b.id)]; // most edges: both ends in one box
  const ca = chainOf(ga);
  const cb = chainOf(gb);
  let i = 0;
  while (i + 1 < ca.length && i + 1 < cb.length && ca[i + 1] === cb[i + 1]) i += 1;
  const inner = (chain: string[], j: number, end: string): string =>
    j + 1 < chain.length ? groupItemId(chain[j + 1] ?? '') : end;
  const segs: number[] = [];
  for (let j = ca.length - 1; j > i; j--) segs.push(pieces.of(ca[j] ?? ROOT, inner(ca, j, a.id), outPort(a.id)));
  segs.push(pieces.of(ca[i] ?? ROOT, inner(ca, i, a.id), inner(cb, i, b.id)));
  for (let j = i + 1; j < cb.length; j++) {
    const group = cb[j] ?? ROOT;
    segs.push(pieces.of(group, inPortOf(group, a.id), inner(cb, j, b.id)));
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
function placeLabels(texts: readonly string[], routes: readonly (readonly number[])[], pieceCount: number): { at: number; text: string }[] {
  // Per piece: how many edges pass, and whether they all carry one text (the first one's).
  const users = new Int32Array(pieceCount);
  const first: string[] = new Array<string>(pieceCount);
  const mixed = new Uint8Array(pieceCount);
  routes.forEach((route, e) => {
    const text = texts[e] ?? '';
    for (const p of route) {
      if (users[p] === 0) first[p] = text;
      else if (first[p] !== text) mixed[p] = 1;
      users[p] = (users[p] ?? 0) + 1;
    }
  });
  const chosen = routes.map((route, e) => {
    if (!texts[e]) return -1;
    for (let k = route.length - 1; k >= 0; k--) {
      const p = route[k] ?? 0;
      if ((users[p] ?? 0) > 1 && !mixed[p]) return k;
    }
    return route.length - 1;
  });
  const onPiece = new Map<number, string[]>();
  routes.forEach((route, e) => {
    const at = chosen[e] ?? -1;
    if (at < 0) return;
    const p = route[at] ?? 0;
    const list = onPiece.get(p) ?? [];
    const text = texts[e] ?? '';
    if (!list.includes(text)) list.push(text);
    onPiece.set(p, list);
  });
  const drawn = new Uint8Array(pieceCount);
  return routes.map((route, e) => {
    const at = chosen[e] ?? -1;
    if (at < 0) return { at, text: '' };
    const p = route[at] ?? 0;
    const text = drawn[p] ? '' : (onPiece.get(p) ?? []).join(' / ');
    drawn[p] = 1;
    return { at, text };
  });
}

/**
 * Phase 1: the contents of every box (its nodes and child boxes in a stable order, then the
 * ports its pieces use) and each edge cut into pieces, one per box it crosses, labelled.
 */
export function routeEdges(graph: LayoutInput): Routes {
  const nodeById = new Map<string, LayoutNode>();
  for (const n of graph.nodes) nodeById.set(n.id, n);
  const chainOf = boxChains(graph);
  const members = new Map<string, string[]>();
  let lastGroup: string | null = null;
  let lastList: string[] = [];
  for (const n of graph.nodes) {
    const g = n.group ?? ROOT;
    if (g !== lastGroup) {
      lastGroup = g;
      lastList = members.get(g) ?? [];
      members.set(g, lastList);
    }
    lastList.push(n.id);
  }
  for (const g of graph.groups) push(members, g.parent ?? ROOT, groupItemId(g.key));
  const inPorts = new Map<string, Map<string, string>>();
  const inPortOf = (group: string, source: string): string => {
    let ports = inPorts.get(group);
    if (!ports) inPorts.set(group, (ports = new Map()));
    let port = ports.get(source);
    if (!port) ports.set(source, (port = inPort(ports.size)));
    return port;
  };
  const pieces = new PieceTable();
  const edges: LayoutEdge[] = [];
  const paths: number[][] = [];
  for (const edge of graph.edges) {
    const a = nodeById.get(edge.from);
    const b = nodeById.get(edge.to);
    if (!a || !b) continue;
    edges.push(edge);
    paths.push(segmentsOf(a, b, chainOf, inPortOf, pieces));
  }
  const texts = edges.map(edgeText);
  const labels = placeLabels(texts, paths, pieces.list.length);
  // A piece that carries a label carries it on every route through it.
  labels.forEach((l, e) => {
    const p = l.text ? paths[e]?.[l.at] : undefined;
    if (p !== undefined) (pieces.list[p] as OpenPiece).text = l.text;
  });
  const list: readonly Segment[] = pieces.list;
  const routed = edges.map((edge, e): RoutedEdge => {
    const { at, text } = labels[e] ?? { at: -1, text: '' };
    return { edge, labelled: at, drawnText: text, segments: (paths[e] ?? []).map((p) => list[p] as Segment) };
  });
  const segmentsIn = new Map<string, Segment[]>();
  const seenPiece = new Uint8Array(list.length);
  const seenPort = new Set<string>();
  for (const path of paths) {
    for (const p of path) {
      if (seenPiece[p]) continue;
      seenPiece[p] = 1;
      const s = list[p] as Segment;
      push(segmentsIn, s.group, s);
      for (const end of [s.from, s.to]) {
        if (!isPort(end)) continue;
        const key = edgeKey(s.group, end);
        if (seenPort.has(key)) continue;
        seenPort.add(key);
        push(members, s.group, end);
      }
    }
  }
  return { members, segmentsIn, routed };
}

/** The chain of box keys from the top level (ROOT) down to each box. */
function boxChains(graph: LayoutInput): (g: string) => string[] {
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

/** Each laid-out box: its items and pieces in the order its (shared) layout lists them. */
export interface Laid {
  readonly ids: readonly string[];
  readonly segs: readonly Segment[];
  readonly shape: ShapeLayout;
}

/** Phase 2: every box laid out, innermost first (a box's size is what its contents need),
 *  each looked up in the cache by its structure first. Keyed by box (ROOT: the top level). */
export function layOutBoxes(graph: LayoutInput, routes: Routes, cache: LayoutCache): Map<string, Laid> {
  const direction = graph.direction ?? 'TB';
  const sizes = new Map<string, Size>();
  for (const n of graph.nodes) sizes.set(n.id, 'size' in n ? n.size : nodeSize(n));
  const laid = new Map<string, Laid>();
  const structures = new Map<string, string>();
  const contents = (key: string): { ids: readonly string[]; segs: readonly Segment[]; key: string } => {
    const ids = routes.members.get(key) ?? [];
    const segs = routes.segmentsIn.get(key) ?? [];
    let structure = structures.get(key);
    if (structure === undefined) structures.set(key, (structure = structureKey({ ids, segs })));
    return { ids, segs, key: structure };
  };
  const layOut = (key: string): ShapeLayout => {
    const { ids, segs, key: structure } = contents(key);
    const signature = `${direction}${structure}${SHAPE_SEP}${sizesKey(ids, (id) => sizes.get(id))}`;
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
  const byLevel = new Map<number, LayoutGroup[]>();
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
    // Boxes that now share structure and sizes share one layout: laid out (or found) once.
    const alike = unifySizes(copies.map((g) => ({ ...contents(g.key), box: g.key })), sizes);
    const sameAs = new Map<string, string>();
    for (const list of alike) for (const b of list.slice(1)) sameAs.set(b.box, list[0]?.box ?? '');
    const shapeOf = (key: string): ShapeLayout => {
      const first = laid.get(sameAs.get(key) ?? '\u0000');
      if (!first) return layOut(key);
      laid.set(key, { ids: routes.members.get(key) ?? [], segs: routes.segmentsIn.get(key) ?? [], shape: first.shape });
      return first.shape;
    };
    for (const g of boxes) sizes.set(groupItemId(g.key), groupSize(g, shapeOf(g.key).size));
  }
  layOut(ROOT);
  return laid;
}

/** A piece's route relative to its box, and where its box is. */
export interface PlacedPiece {
  readonly route: PieceRoute;
  readonly ox: number;
  readonly oy: number;
}

/** Phase 3's result: absolute boxes of nodes and groups, and where every piece's box is. */
export interface Placement {
  readonly nodes: Map<string, Box>;
  readonly groups: Map<string, Box>;
  readonly pieces: Map<Segment, PlacedPiece>;
}

/** Phase 3: box layouts (relative to their box) placed absolutely, from the top level down;
 *  a child box's contents are centred under its header. */
export function placeBoxes(laid: ReadonlyMap<string, Laid>): Placement {
  const out: Placement = { nodes: new Map(), groups: new Map(), pieces: new Map() };
  const place = (key: string, ox: number, oy: number): void => {
    const box = laid.get(key);
    if (!box) return;
    const { ids, segs, shape } = box;
    for (let i = 0; i < ids.length; i++) {
      const b = shape.items[i];
      const id = ids[i] ?? '';
      if (!b) continue;
      const at = { x: b.x + ox, y: b.y + oy, width: b.width, height: b.height };
      if (isGroupItem(id)) {
        const child = id.slice(1);
        out.groups.set(child, at);
        place(child, at.x + (at.width - (laid.get(child)?.shape.size.width ?? 0)) / 2, at.y + GROUP_HEADER);
      } else if (!isPort(id)) {
        out.nodes.set(id, at);
      }
    }
    for (let i = 0; i < segs.length; i++) {
      const route = shape.edges[i];
      if (route) out.pieces.set(segs[i] as Segment, { route, ox, oy });
    }
  };
  place(ROOT, 0, 0);
  return out;
}

const moved = (p: Point, ox: number, oy: number): Point => ({ x: p.x + ox, y: p.y + oy });

/** Phase 4: each edge's polyline, its pieces joined in order, its label where placed. */
export function joinRoutes(routed: readonly RoutedEdge[], pieces: Placement['pieces']): EdgeRoute[] {
  return routed.map(({ edge, segments, labelled, drawnText }) => {
    const points: Point[] = [];
    let labelAt: Point | null = null;
    for (let k = 0; k < segments.length; k++) {
      const piece = pieces.get(segments[k] as Segment);
      if (!piece) continue;
      const { route, ox, oy } = piece;
      for (const p of route.points) points.push(moved(p, ox, oy));
      if (k === labelled) {
        const at = route.labelAt ?? midpoint(route.points);
        labelAt = at ? moved(at, ox, oy) : null;
      }
    }
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

function selfLoop(n: LayoutNode, box: Box | undefined): EdgeRoute {
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

