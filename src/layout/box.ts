// Lays out the contents of one box (or the top level): a plain chain is stacked, a very large
// box gets the linear layered layout (./layered.ts), anything else one dagre run. Results are
// kept by structure, not by name (item i of the box, edge i→j), so identical boxes (the 24
// blocks of a transformer, the stages of a ResNet) are laid out once and shared.
import dagre from '@dagrejs/dagre';
import { layeredLayout } from './layered.ts';
import { edgeLabelSize } from './size.ts';
import type { Size } from './size.ts';
import { HUB, edgeKey, isInPort, isOutPort, isPort } from './types.ts';
import type { Box, Piece, Point, ShapeLayout } from './types.ts';
import type { Direction } from '../model/view-state.ts';

export type { Piece, ShapeLayout } from './types.ts';

/** From this many items plus edge pieces a box skips dagre, whose cost grows much faster than
 *  linearly (a detection head of 290 items and 410 pieces: 0.5-1 s; 7,300 items: 10-20 s). */
export const LAYERED_MIN_SIZE = 600;
const RANK_SEP = 30;
/** Above this many port fencing edges, they go through a hub node instead. */
const HUB_MIN_EDGES = 64;
export { isPort };

/** The item sizes part of a box's cache key (ports have none); the rest is its structure
 *  (./same-shape.ts structureKey): two boxes with the same key get the same layout. */
export function sizesKey(ids: readonly string[], sizeOf: (id: string) => Size | undefined): string {
  let out = '';
  for (const id of ids) {
    const s = isPort(id) ? null : sizeOf(id);
    out += isPort(id) ? ',' : s ? `${s.width}x${s.height},` : '?,';
  }
  return out;
}

export function layOutBox(ids: readonly string[], sizes: ReadonlyMap<string, Size>, segs: readonly Piece[], direction: Direction = 'TB'): ShapeLayout {
  const sizeOf = (id: string): Size => (isPort(id) ? { width: 2, height: 2 } : (sizes.get(id) ?? { width: 60, height: 30 }));
  const chain = chainOrder(ids, segs);
  // Left to right: dagre turns itself; the chain and layered engines lay out the transposed
  // box (widths and heights swapped) top to bottom, and their result is transposed back.
  const lr = direction === 'LR';
  const swapped = (id: string): Size => {
    const z = sizeOf(id);
    return lr ? { width: z.height, height: z.width } : z;
  };
  const turn = (p: Placed): Placed => (lr ? transpose(p) : p);
  const placed = chain
    ? turn(stackChain(chain, swapped, segs))
    : ids.length + segs.length >= LAYERED_MIN_SIZE
      ? turn(layeredLayout(ids, swapped, segs))
      : runDagre(ids, sizeOf, segs, direction);
  return {
    size: placed.size,
    items: ids.map((id) => placed.items.get(id) ?? { x: 0, y: 0, width: 0, height: 0 }),
    edges: segs.map((e) => placed.edges.get(edgeKey(e.from, e.to)) ?? { points: [], labelAt: null }),
  };
}

interface Placed {
  readonly size: Size;
  readonly items: ReadonlyMap<string, Box>;
  readonly edges: ReadonlyMap<string, { points: Point[]; labelAt: Point | null }>;
}

/** The ids in order when the box holds one simple unlabelled chain (ports included), else null. */
function chainOrder(ids: readonly string[], segs: readonly Piece[]): string[] | null {
  if (ids.length < 2 || segs.length !== ids.length - 1) return null;
  const next = new Map<string, string>();
  const hasIn = new Set<string>();
  for (const e of segs) {
    if (e.text || next.has(e.from) || hasIn.has(e.to)) return null;
    next.set(e.from, e.to);
    hasIn.add(e.to);
  }
  const heads = ids.filter((id) => !hasIn.has(id));
  if (heads.length !== 1) return null;
  const order: string[] = [];
  for (let id: string | undefined = heads[0]; id !== undefined && order.length <= ids.length; id = next.get(id)) order.push(id);
  return order.length === ids.length ? order : null;
}

/** A chain needs no dagre: stack it, centred, with dagre's spacing (an order of magnitude faster). */
function stackChain(order: readonly string[], sizeOf: (id: string) => Size, segs: readonly Piece[]): Placed {
  const width = Math.max(...order.map((id) => sizeOf(id).width));
  const items = new Map<string, Box>();
  let y = 0;
  for (const id of order) {
    const s = sizeOf(id);
    items.set(id, { x: (width - s.width) / 2, y, width: s.width, height: s.height });
    y += s.height + RANK_SEP;
  }
  const routes = new Map<string, { points: Point[]; labelAt: Point | null }>();
  for (const e of segs) {
    const a = items.get(e.from);
    const b = items.get(e.to);
    if (a && b) routes.set(edgeKey(e.from, e.to), { points: [{ x: width / 2, y: a.y + a.height }, { x: width / 2, y: (a.y + a.height + b.y) / 2 }, { x: width / 2, y: b.y }], labelAt: null });
  }
  return { size: { width, height: Math.max(0, y - RANK_SEP) }, items, edges: routes };
}

/** Swaps x and y everywhere: a top-to-bottom layout of a transposed box becomes left to right. */
function transpose(p: Placed): Placed {
  const pt = (q: Point): Point => ({ x: q.y, y: q.x });
  const items = new Map<string, Box>();
  for (const [id, b] of p.items) items.set(id, { x: b.y, y: b.x, width: b.height, height: b.width });
  const edges = new Map<string, { points: Point[]; labelAt: Point | null }>();
  for (const [k, e] of p.edges) edges.set(k, { points: e.points.map(pt), labelAt: e.labelAt ? pt(e.labelAt) : null });
  return { size: { width: p.size.height, height: p.size.width }, items, edges };
}

function runDagre(ids: readonly string[], sizeOf: (id: string) => Size, segs: readonly Piece[], direction: Direction): Placed {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: direction, nodesep: 22, ranksep: RANK_SEP, edgesep: 12, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const id of ids) {
    const s = sizeOf(id);
    g.setNode(id, { width: s.width, height: s.height });
  }
  const hasIn = new Set<string>();
  const hasOut = new Set<string>();
  for (const e of segs) {
    const label = edgeLabelSize(e.text);
    g.setEdge(e.from, e.to, { width: label.width, height: label.height, labelpos: 'c' });
    hasOut.add(e.from);
    hasIn.add(e.to);
  }
  // Keep in ports above and out ports below everything else: invisible, weightless edges
  // from each in port to the box's sources and from its sinks to each out port; through one
  // hidden hub node when that would take many edges (ports x sources makes dagre crawl).
  const inner = ids.filter((id) => !isPort(id));
  const sources = inner.filter((id) => !hasIn.has(id));
  const sinks = inner.filter((id) => !hasOut.has(id));
  const fence = (ports: readonly string[], ends: readonly string[], entering: boolean): void => {
    if (ports.length === 0 || ends.length === 0) return;
    const link = (a: string, b: string): void => {
      if (!g.hasEdge(a, b)) g.setEdge(a, b, { weight: 0, helper: true });
    };
    if (ports.length * ends.length <= HUB_MIN_EDGES) {
      for (const port of ports) for (const id of ends) (entering ? link(port, id) : link(id, port));
      return;
    }
    const hub = entering ? `${HUB}in` : `${HUB}out`;
    g.setNode(hub, { width: 0, height: 0 });
    for (const port of ports) (entering ? link(port, hub) : link(hub, port));
    for (const id of ends) (entering ? link(hub, id) : link(id, hub));
  };
  fence(ids.filter(isInPort), sources, true);
  fence(ids.filter(isOutPort), sinks, false);
  dagre.layout(g);
  const items = new Map<string, Box>();
  for (const id of ids) {
    const n = g.node(id) as { x: number; y: number; width: number; height: number };
    items.set(id, { x: n.x - n.width / 2, y: n.y - n.height / 2, width: n.width, height: n.height });
  }
  const routes = new Map<string, { points: Point[]; labelAt: Point | null }>();
  for (const e of segs) {
    const d = g.edge(e.from, e.to) as { points?: Point[]; x?: number; y?: number } | undefined;
    const labelAt = e.text && d?.x !== undefined && d.y !== undefined ? { x: d.x, y: d.y } : null;
    routes.set(edgeKey(e.from, e.to), { points: d?.points ?? [], labelAt });
  }
  const meta = g.graph() as { width?: number; height?: number };
  return { size: { width: meta.width ?? 0, height: meta.height ?? 0 }, items, edges: routes };
}
