// Layout: one run per drawn module box (./box.ts: dagre, or a faster engine for chains and
// very large boxes), innermost first (a box's size is what its contents need), each cached by
// its structure. Edges that cross boxes are laid out in the lowest box holding both ends,
// between the items of that box that contain them (the pieces of ./route.ts).
// Pure data in, pure data out, so a Web Worker can wrap it.
import { structureKey, unifySizes } from './same-shape.ts';
import { FOLD_PREFIX } from '../graph/fold.ts';
import { GROUP_HEADER, groupSize, nodeSize } from './size.ts';
import { layOutBox, sizesKey } from './box.ts';
import { SHAPE_SEP, groupItemId, isGroupItem, isPort } from './types.ts';
import type { Box, EdgeRoute, GraphLayout, LayoutGroup, LayoutInput, LayoutNode, PieceRoute, Point, ShapeLayout } from './types.ts';
import type { Size } from './size.ts';
import { ROOT, boxChains, inFoldOf, routeEdges } from './route.ts';
import type { RoutedEdge, Routes, Segment } from './route.ts';

export type { Box, EdgeRoute, GraphLayout, LayoutInput, Point } from './types.ts';
export { edgeText, routeEdges } from './route.ts';
export type { RoutedEdge, Routes, Segment } from './route.ts';

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
  const inFold = inFoldOf(graph);
  for (const n of graph.nodes) sizes.set(n.id, 'size' in n ? n.size : nodeSize(n, inFold(n.group)));
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
    for (const g of boxes) sizes.set(groupItemId(g.key), groupSize(g, shapeOf(g.key).size, inFold(g.key)));
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

