// Layout: one dagre run per drawn module box, innermost first (a box's size is what its
// contents need), each cached by its contents. Edges that cross boxes are laid out in the
// lowest box holding both ends, between the items of that box that contain them.
// Pure data in, pure data out, so a Web Worker can wrap it.
import dagre from '@dagrejs/dagre';
import type { BranchKind, VisibleEdge, VisibleGraph, VisibleNode } from '../graph/visible.ts';
import { GROUP_HEADER, edgeLabelSize, groupSize, nodeSize } from './size.ts';
import type { Size } from './size.ts';

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** Absolute, top-left based. */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface EdgeRoute {
  readonly from: string;
  readonly to: string;
  readonly points: readonly Point[];
  readonly text: string;
  readonly branch: BranchKind;
  /** Where the label goes (null when there is no label). */
  readonly labelAt: Point | null;
  readonly dashed: boolean;
  readonly selfLoop: boolean;
}

export interface GraphLayout {
  readonly nodes: ReadonlyMap<string, Box>;
  readonly groups: ReadonlyMap<string, Box>;
  readonly edges: readonly EdgeRoute[];
  readonly width: number;
  readonly height: number;
}

/** The dagre result for one box, relative to its content origin. */
interface GroupLayout {
  readonly size: Size;
  readonly items: ReadonlyMap<string, Box>;
  readonly edges: ReadonlyMap<string, { points: Point[]; labelAt: Point | null }>;
}

/** Remembers group layouts by (group key, contents), so unchanged boxes are not laid out again. */
export class LayoutCache {
  /** dagre runs so far (one per group laid out). */
  runs = 0;
  private readonly entries = new Map<string, GroupLayout>();
  constructor(private readonly capacity = 4000) {}

  get(key: string): GroupLayout | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key); // refresh recency
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, value: GroupLayout): void {
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}

const ROOT = '';
const groupItemId = (key: string): string => `\u0001${key}`;
/** Port nodes: where an edge leaves (out) or enters (in) a box, laid out inside that box. */
const outPort = (source: string): string => `\u0003o:${source}`;
/** In ports are numbered per box (not named by their source) so a box's layout does not
 *  change when only the node outside feeding it does. */
const inPort = (n: number): string => `\u0003i:${n}`;
const isPort = (id: string): boolean => id.startsWith('\u0003');
export const edgeText = (e: VisibleEdge): string => [e.branch, e.label].filter(Boolean).join(' ');

/** One piece of a visible edge's route, laid out inside one box (or the top level). */
interface Segment {
  readonly group: string;
  readonly from: string;
  readonly to: string;
  /** Label, on the piece that reaches the target. */
  readonly text: string;
}
const segmentKey = (s: { group: string; from: string; to: string }): string => `${s.group}\u0000${s.from}\u0000${s.to}`;

/**
 * Splits an edge into pieces: up through the boxes around its source (to their out ports),
 * across the lowest box holding both ends, and down through the boxes around its target (from
 * their in ports). Each piece is laid out by its own box's dagre run.
 */
function segmentsOf(
  edge: VisibleEdge,
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
  const last = segs.length - 1;
  return segs.map((s, k) => (k === last ? { ...s, text: edgeText(edge) } : s));
}

export function layoutGraph(graph: VisibleGraph, cache: LayoutCache = new LayoutCache()): GraphLayout {
  const nodeById = new Map(graph.nodes.map((n) => [n.id, n]));
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

  // Contents of every box: its nodes and child boxes, in a stable order; then its route pieces.
  const members = new Map<string, string[]>();
  const push = <T>(m: Map<string, T[]>, g: string, v: T): void => {
    const list = m.get(g);
    if (list) list.push(v);
    else m.set(g, [v]);
  };
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
  const routed = graph.edges.flatMap((edge) => {
    const a = nodeById.get(edge.from);
    const b = nodeById.get(edge.to);
    return a && b ? [{ edge, segments: segmentsOf(edge, a, b, chainOf, inPortOf) }] : [];
  });
  const segmentsIn = new Map<string, Segment[]>();
  const seen = new Set<string>();
  for (const r of routed) {
    for (const s of r.segments) {
      const key = segmentKey(s);
      if (seen.has(key)) continue;
      seen.add(key);
      push(segmentsIn, s.group, s);
      for (const end of [s.from, s.to]) if (isPort(end) && !seen.has(`${s.group}\u0000${end}`)) {
        seen.add(`${s.group}\u0000${end}`);
        push(members, s.group, end);
      }
    }
  }

  const sizes = new Map<string, Size>();
  for (const n of graph.nodes) sizes.set(n.id, nodeSize(n));
  const groupLayouts = new Map<string, GroupLayout>();
  const layOut = (key: string): GroupLayout => {
    const ids = members.get(key) ?? [];
    const segs = segmentsIn.get(key) ?? [];
    const size = (id: string): string => {
      const s = sizes.get(id);
      return s ? `${s.width}x${s.height}` : '';
    };
    const signature = [
      key,
      ids.map((id) => `${id}=${size(id)}`).join('|'),
      segs.map((e) => `${e.from}>${e.to}:${e.text}`).join('|'),
    ].join('\u0002');
    let gl = cache.get(signature);
    if (!gl) {
      gl = runDagre(ids, sizes, segs);
      cache.runs += 1;
      cache.set(signature, gl);
    }
    groupLayouts.set(key, gl);
    return gl;
  };
  // Innermost boxes first: `groups` lists parents before children.
  for (const g of [...graph.groups].reverse()) {
    const gl = layOut(g.key);
    sizes.set(groupItemId(g.key), groupSize(g, gl.size));
  }
  const root = layOut(ROOT);

  const nodes = new Map<string, Box>();
  const groups = new Map<string, Box>();
  const pieces = new Map<string, { points: Point[]; labelAt: Point | null }>();
  const place = (key: string, ox: number, oy: number): void => {
    const gl = groupLayouts.get(key);
    if (!gl) return;
    for (const [id, b] of gl.items) {
      const box = { x: b.x + ox, y: b.y + oy, width: b.width, height: b.height };
      if (id.startsWith('\u0001')) {
        const child = id.slice(1);
        groups.set(child, box);
        place(child, box.x + (box.width - (groupLayouts.get(child)?.size.width ?? 0)) / 2, box.y + GROUP_HEADER);
      } else if (!isPort(id)) {
        nodes.set(id, box);
      }
    }
    for (const [name, e] of gl.edges) {
      pieces.set(`${key}\u0000${name}`, {
        points: e.points.map((p) => ({ x: p.x + ox, y: p.y + oy })),
        labelAt: e.labelAt ? { x: e.labelAt.x + ox, y: e.labelAt.y + oy } : null,
      });
    }
  };
  place(ROOT, 0, 0);

  const edges: EdgeRoute[] = [];
  for (const { edge, segments } of routed) {
    const points: Point[] = [];
    let labelAt: Point | null = null;
    for (const s of segments) {
      const piece = pieces.get(segmentKey(s));
      if (!piece) continue;
      points.push(...piece.points);
      labelAt = piece.labelAt ?? labelAt;
    }
    const text = edgeText(edge);
    edges.push({
      from: edge.from,
      to: edge.to,
      points,
      text,
      branch: edge.branch,
      labelAt: text ? (labelAt ?? midpoint(points)) : null,
      dashed: edge.dashed,
      selfLoop: false,
    });
  }
  for (const n of graph.nodes) if (n.selfLoop) edges.push(selfLoop(n, nodes.get(n.id)));
  return { nodes, groups, edges, width: root.size.width, height: root.size.height };
}

const RANK_SEP = 30;

/** The ids in order when the box holds one simple unlabelled chain (ports included), else null. */
function chainOrder(ids: readonly string[], segs: readonly Segment[]): string[] | null {
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
function stackChain(order: readonly string[], sizes: ReadonlyMap<string, Size>, segs: readonly Segment[]): GroupLayout {
  const sizeOf = (id: string): Size => (isPort(id) ? { width: 2, height: 2 } : (sizes.get(id) ?? { width: 60, height: 30 }));
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
    if (a && b) routes.set(`${e.from}\u0000${e.to}`, { points: [{ x: width / 2, y: a.y + a.height }, { x: width / 2, y: (a.y + a.height + b.y) / 2 }, { x: width / 2, y: b.y }], labelAt: null });
  }
  return { size: { width, height: Math.max(0, y - RANK_SEP) }, items, edges: routes };
}

function runDagre(ids: readonly string[], sizes: ReadonlyMap<string, Size>, segs: readonly Segment[]): GroupLayout {
  const chain = chainOrder(ids, segs);
  if (chain) return stackChain(chain, sizes, segs);
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 22, ranksep: RANK_SEP, edgesep: 12, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const id of ids) {
    const s = isPort(id) ? { width: 2, height: 2 } : (sizes.get(id) ?? { width: 60, height: 30 });
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
  // from each in port to the box's sources and from its sinks to each out port.
  const inner = ids.filter((id) => !isPort(id));
  for (const port of ids.filter(isPort)) {
    const entering = port.startsWith('\u0003i:');
    for (const id of inner) {
      if (entering && !hasIn.has(id) && !g.hasEdge(port, id)) g.setEdge(port, id, { weight: 0, helper: true });
      if (!entering && !hasOut.has(id) && !g.hasEdge(id, port)) g.setEdge(id, port, { weight: 0, helper: true });
    }
  }
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
    routes.set(`${e.from}\u0000${e.to}`, { points: d?.points ?? [], labelAt });
  }
  const meta = g.graph() as { width?: number; height?: number };
  return { size: { width: meta.width ?? 0, height: meta.height ?? 0 }, items, edges: routes };
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

