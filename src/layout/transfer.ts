// What travels between the view and the layout worker (./client.ts, ./worker.ts), packed into
// flat arrays. A structured clone of a 30k-node graph and its layout as objects cost more than the
// layout itself; the graph goes as ids, sizes and indices (no tooltips, no text), the layout
// comes back as typed arrays (transferred, not copied) and is unpacked against the view's graph.
import { nodeSize } from './size.ts';
import { inFoldOf } from './route.ts';
import type { Box, EdgeRoute, GraphLayout, LayoutEdge, LayoutGroup, LayoutInput, LayoutNode, Point } from './types.ts';
import type { BranchKind, VisibleGraph } from '../graph/visible.ts';
import type { Direction } from '../model/view-state.ts';

/** A graph as the worker gets it. Indices point into `ids` (nodes) and `groupKeys`; -1: none. */
export interface PackedGraph {
  readonly ids: string[];
  readonly nodeGroup: Int32Array;
  readonly selfLoop: Uint8Array;
  /** Width and height per node. */
  readonly sizes: Float64Array;
  readonly edgeFrom: Int32Array;
  readonly edgeTo: Int32Array;
  readonly edgeDashed: Uint8Array;
  /** Edges with a label or branch, by edge index: [index, label, branch] (few). */
  readonly edgeText: [number, string, string][];
  readonly groupKeys: string[];
  readonly groupParent: Int32Array;
  readonly groupTitle: string[];
  readonly groupSubtitle: string[];
  readonly direction: Direction | undefined;
}

/** A layout as the view gets it. Boxes are x, y, width, height; NaN x: not laid out. */
export interface PackedLayout {
  /** Node indices in the order of the layout's node map, and their boxes (4 numbers each). */
  readonly nodeOrder: Int32Array;
  readonly nodeBoxes: Float64Array;
  readonly groupOrder: Int32Array;
  readonly groupBoxes: Float64Array;
  /** Per edge route: its edge's index (-1 - node index: a node's self loop). */
  readonly edgeOf: Int32Array;
  /** Per edge route, where its points start in `coords` (in points; one more entry at the end). */
  readonly pointStart: Int32Array;
  readonly coords: Float64Array;
  /** Label position per edge route (NaN: none) and the text drawn there. */
  readonly labelAt: Float64Array;
  readonly texts: string[];
  readonly width: number;
  readonly height: number;
}

const indexOf = <T>(items: readonly T[], key: (t: T) => string): Map<string, number> => {
  const m = new Map<string, number>();
  items.forEach((t, i) => m.set(key(t), i));
  return m;
};

/** The graph, packed for the worker (sizes measured here); the buffers to transfer. */
export function packGraph(graph: VisibleGraph): { packed: PackedGraph; transfer: ArrayBuffer[] } {
  const nodeAt = indexOf(graph.nodes, (n) => n.id);
  const groupAt = indexOf(graph.groups, (g) => g.key);
  const n = graph.nodes.length;
  const nodeGroup = new Int32Array(n);
  const selfLoop = new Uint8Array(n);
  const sizes = new Float64Array(2 * n);
  let lastGroup: string | null = null;
  let lastAt = -1;
  const inFold = inFoldOf(graph);
  graph.nodes.forEach((node, i) => {
    if (node.group !== lastGroup) {
      lastGroup = node.group;
      lastAt = node.group === null ? -1 : (groupAt.get(node.group) ?? -2);
    }
    nodeGroup[i] = lastAt;
    selfLoop[i] = node.selfLoop ? 1 : 0;
    const s = nodeSize(node, inFold(node.group));
    sizes[2 * i] = s.width;
    sizes[2 * i + 1] = s.height;
  });
  const m = graph.edges.length;
  const edgeFrom = new Int32Array(m);
  const edgeTo = new Int32Array(m);
  const edgeDashed = new Uint8Array(m);
  const edgeText: [number, string, string][] = [];
  graph.edges.forEach((e, i) => {
    edgeFrom[i] = nodeAt.get(e.from) ?? -1;
    edgeTo[i] = nodeAt.get(e.to) ?? -1;
    edgeDashed[i] = e.dashed ? 1 : 0;
    if (e.label || e.branch) edgeText.push([i, e.label, e.branch]);
  });
  const groupParent = Int32Array.from(graph.groups, (g) => (g.parent === null ? -1 : (groupAt.get(g.parent) ?? -2)));
  const packed: PackedGraph = {
    ids: graph.nodes.map((x) => x.id), nodeGroup, selfLoop, sizes, edgeFrom, edgeTo, edgeDashed, edgeText,
    groupKeys: graph.groups.map((g) => g.key), groupParent,
    groupTitle: graph.groups.map((g) => g.title), groupSubtitle: graph.groups.map((g) => g.subtitle),
    direction: graph.direction,
  }; // fmt: skip
  const buffers = [nodeGroup, selfLoop, sizes, edgeFrom, edgeTo, edgeDashed, groupParent].map((a) => a.buffer as ArrayBuffer);
  return { packed, transfer: buffers };
}

/** Ids that no node has: ends of edges whose node is not drawn, groups that are not drawn. */
const MISSING = '\u0000missing';

/** The worker's side: the layout input the packed graph describes. */
export function unpackGraph(p: PackedGraph): LayoutInput {
  const groupKey = (i: number): string | null => (i === -1 ? null : (p.groupKeys[i] ?? MISSING));
  const nodes = p.ids.map((id, i): LayoutNode => ({
    id, group: groupKey(p.nodeGroup[i] ?? -1), selfLoop: p.selfLoop[i] === 1,
    size: { width: p.sizes[2 * i] ?? 0, height: p.sizes[2 * i + 1] ?? 0 },
  })); // fmt: skip
  const nodeId = (i: number): string => p.ids[i] ?? MISSING;
  const edges: LayoutEdge[] = [];
  for (let i = 0; i < p.edgeFrom.length; i++) {
    edges.push({ from: nodeId(p.edgeFrom[i] ?? -1), to: nodeId(p.edgeTo[i] ?? -1), label: '', branch: '', dashed: p.edgeDashed[i] === 1 });
  }
  for (const [i, label, branch] of p.edgeText) {
    const e = edges[i];
    if (e) edges[i] = { ...e, label, branch: branch as BranchKind };
  }
  const groups = p.groupKeys.map((key, i): LayoutGroup => ({
    key, parent: groupKey(p.groupParent[i] ?? -1), title: p.groupTitle[i] ?? '', subtitle: p.groupSubtitle[i] ?? '',
  })); // fmt: skip
  return { nodes, edges, groups, direction: p.direction };
}

/** The worker's answer: `layout` of `input` (the unpacked graph), packed; the buffers to transfer. */
export function packLayout(layout: GraphLayout, input: LayoutInput): { packed: PackedLayout; transfer: ArrayBuffer[] } {
  const nodeAt = indexOf(input.nodes, (n) => n.id);
  const groupAt = indexOf(input.groups, (g) => g.key);
  const boxes = (map: ReadonlyMap<string, Box>, at: Map<string, number>): [Int32Array, Float64Array] => {
    const order = new Int32Array(map.size);
    const out = new Float64Array(4 * map.size);
    let k = 0;
    for (const [id, b] of map) {
      order[k] = at.get(id) ?? -1;
      out.set([b.x, b.y, b.width, b.height], 4 * k);
      k += 1;
    }
    return [order, out];
  };
  const [nodeOrder, nodeBoxes] = boxes(layout.nodes, nodeAt);
  const [groupOrder, groupBoxes] = boxes(layout.groups, groupAt);
  const edgeIndex = edgeIndexer(input.edges);
  const routes = layout.edges;
  const edgeOf = new Int32Array(routes.length);
  const pointStart = new Int32Array(routes.length + 1);
  const labelAt = new Float64Array(2 * routes.length).fill(Number.NaN);
  let total = 0;
  for (const r of routes) total += r.points.length;
  const coords = new Float64Array(2 * total);
  const texts: string[] = [];
  let at = 0;
  routes.forEach((r, k) => {
    edgeOf[k] = r.selfLoop ? -1 - (nodeAt.get(r.from) ?? 0) : edgeIndex(r.from, r.to);
    pointStart[k] = at;
    for (const p of r.points) {
      coords[2 * at] = p.x;
      coords[2 * at + 1] = p.y;
      at += 1;
    }
    if (r.labelAt) labelAt.set([r.labelAt.x, r.labelAt.y], 2 * k);
    texts.push(r.text);
  });
  pointStart[routes.length] = at;
  const packed: PackedLayout = { nodeOrder, nodeBoxes, groupOrder, groupBoxes, edgeOf, pointStart, coords, labelAt, texts, width: layout.width, height: layout.height };
  const transfer = [nodeOrder, nodeBoxes, groupOrder, groupBoxes, edgeOf, pointStart, coords, labelAt].map((a) => a.buffer as ArrayBuffer);
  return { packed, transfer };
}

/** Index of the edge from → to; edges are routed in order, so a cursor finds each at once. */
function edgeIndexer(edges: readonly LayoutEdge[]): (from: string, to: string) => number {
  let next = 0;
  return (from, to) => {
    for (let i = next; i < edges.length; i++) {
      const e = edges[i];
      if (e?.from === from && e.to === to) {
        next = i + 1;
        return i;
      }
    }
    return -1;
  };
}

/** The view's side: the packed layout as a GraphLayout of `graph` (the graph that was packed). */
export function unpackLayout(p: PackedLayout, graph: VisibleGraph): GraphLayout {
  const boxes = (order: Int32Array, data: Float64Array, key: (i: number) => string): Map<string, Box> => {
    const map = new Map<string, Box>();
    for (let k = 0; k < order.length; k++) {
      const j = 4 * k;
      map.set(key(order[k] ?? -1), { x: data[j] ?? 0, y: data[j + 1] ?? 0, width: data[j + 2] ?? 0, height: data[j + 3] ?? 0 });
    }
    return map;
  };
  const nodes = boxes(p.nodeOrder, p.nodeBoxes, (i) => graph.nodes[i]?.id ?? MISSING);
  const groups = boxes(p.groupOrder, p.groupBoxes, (i) => graph.groups[i]?.key ?? MISSING);
  const edges: EdgeRoute[] = [];
  for (let k = 0; k < p.edgeOf.length; k++) {
    const of = p.edgeOf[k] ?? 0;
    const points: Point[] = [];
    for (let i = p.pointStart[k] ?? 0; i < (p.pointStart[k + 1] ?? 0); i++) points.push({ x: p.coords[2 * i] ?? 0, y: p.coords[2 * i + 1] ?? 0 });
    const lx = p.labelAt[2 * k] ?? Number.NaN;
    const labelAt = Number.isNaN(lx) ? null : { x: lx, y: p.labelAt[2 * k + 1] ?? 0 };
    const text = p.texts[k] ?? '';
    if (of < 0) {
      const id = graph.nodes[-1 - of]?.id ?? MISSING;
      edges.push({ from: id, to: id, points, text, branch: '', labelAt, dashed: false, selfLoop: true });
      continue;
    }
    const e = graph.edges[of];
    edges.push({ from: e?.from ?? MISSING, to: e?.to ?? MISSING, points, text, branch: e?.branch ?? '', labelAt, dashed: e?.dashed ?? false, selfLoop: false });
  }
  return { nodes, groups, edges, width: p.width, height: p.height };
}
