// Canvas 2D drawing for large visible graphs (thousands of nodes): only what intersects the
// viewport is drawn, shapes are batched by colour, and text is dropped when too small to read.
// Stateless like the SVG scene: everything comes from the arguments.
import type { VisibleGraph, VisibleNode } from '../graph/visible.ts';
import type { Box, EdgeRoute, GraphLayout } from '../layout/layout.ts';
import type { Camera } from '../model/view-state.ts';
import { GROUP_HEADER, LINE_H, STACK_OFFSET } from '../layout/size.ts';
import type { SceneState } from './scene.ts';
import { passHue } from './scene.ts';
import { INDEX_MIN_ITEMS, RowIndex } from './spatial.ts';

export interface CanvasColors {
  readonly fg: string;
  readonly muted: string;
  readonly edge: string;
  readonly accent: string;
  readonly warn: string;
  readonly mono: string;
  /** The stage background (halo behind edge labels); optional for older callers. */
  readonly bg?: string;
}

/** TorchLens fills, as in style/widget.css. */
const ROLE_FILL: Record<string, string> = {
  input: '#98fb98', output: '#ff9999', params: '#e6e6e6', bool: '#f7d460', buffer: '#b0b0b0', plain: '#ffffff', module: '#ffffff', failed: '#f08080',
};
/** Function nodes (kind 'function'): widget.css's tint without a theme. */
const FUNCTION_FILL = '#dfecf9';
const NODE_STROKE = '#5a5a5a';
/** Compare widgets: the outline and edges of ops only run b ran (widget.css's .lenslab-node--only-b). */
const ONLY_B_STROKE = '#0072b2';
const ONLY_B_DASH = [5, 3];
/** Extra world-space margin drawn around the viewport, in screen pixels. */
const MARGIN_PX = 64;

const intersects = (b: Box, x0: number, y0: number, x1: number, y1: number): boolean =>
  b.x <= x1 && b.x + b.width >= x0 && b.y <= y1 && b.y + b.height >= y0;

function fillOf(n: VisibleNode, state: SceneState): string {
  const over = state.fills.get(n.id);
  if (over) return over.color;
  if (n.kind === 'function') return FUNCTION_FILL;
  if (n.role === 'module' && n.hasParams) return ROLE_FILL['params'] ?? '#fff';
  return ROLE_FILL[n.role] ?? '#fff';
}

/** The front face of a node (a closed module's back sheet is drawn separately, beneath). */
function shapePath(ctx: CanvasRenderingContext2D, n: VisibleNode, b: Box): void {
  const w = n.shape === 'stack' ? b.width - STACK_OFFSET : b.width;
  const h = n.shape === 'stack' ? b.height - STACK_OFFSET : b.height;
  if (n.shape === 'oval') ctx.roundRect(b.x, b.y, w, h, h / 2);
  else ctx.rect(b.x, b.y, w, h);
}

/** The back sheet of a closed module's stacked box. */
function backPath(ctx: CanvasRenderingContext2D, b: Box): void {
  ctx.rect(b.x + STACK_OFFSET, b.y + STACK_OFFSET, b.width - STACK_OFFSET, b.height - STACK_OFFSET);
}

/** Traces an edge: a polyline through its points, or a cubic curve for a self-loop. */
function edgePath(ctx: CanvasRenderingContext2D, e: EdgeRoute): void {
  const p = e.points;
  const first = p[0];
  if (!first) return;
  ctx.moveTo(first.x, first.y);
  const [, b, c, d] = p;
  if (e.selfLoop && b && c && d) {
    ctx.bezierCurveTo(b.x, b.y, c.x, c.y, d.x, d.y);
    return;
  }
  for (let i = 1; i < p.length; i++) {
    const q = p[i];
    if (q) ctx.lineTo(q.x, q.y);
  }
}

/** Draws one frame; returns how many nodes were drawn (for tests and the benchmark).
 *  Plans what is in view (viewport, planEdges, planNodes: pure), then draws it in layers:
 *  module boxes, edges and arrowheads, nodes, edge labels, text. */
export function drawCanvas(
  ctx: CanvasRenderingContext2D,
  size: { width: number; height: number; dpr: number },
  graph: VisibleGraph,
  layout: GraphLayout,
  camera: Camera,
  state: SceneState & { readonly hoverGroup: string },
  colors: CanvasColors,
): number {
  const { width, height, dpr } = size;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, width * dpr, height * dpr);
  ctx.setTransform(dpr * camera.k, 0, 0, dpr * camera.k, dpr * camera.x, dpr * camera.y);
  const view = viewport(size, camera);
  const headers = drawBoxes(ctx, graph, layout, view, colors);
  const edges = planEdges(layout.edges, view, state.onlyBEdges);
  drawEdges(ctx, edges, view, colors);
  const nodes = planNodes(graph, layout, view, state);
  const drawn = drawNodes(ctx, nodes, view, state, colors);
  if (edges.labels.length > 0) drawEdgeLabels(ctx, edges.labels, colors);
  if (view.readable) drawTexts(ctx, headers, nodes.byFill, state, colors);
  return drawn;
}

/** The world-space rectangle drawn (the viewport plus a margin) and what is legible at this zoom. */
export interface Viewport {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
  /** Text and arrowheads are drawn (11 px text would be at least 6 px on screen). */
  readonly readable: boolean;
  /** Edge labels are drawn. */
  readonly labelled: boolean;
  /** One screen pixel in world units. */
  readonly lw: number;
}

export function viewport(size: { width: number; height: number }, camera: Camera): Viewport {
  const m = MARGIN_PX / camera.k;
  return {
    x0: -camera.x / camera.k - m,
    y0: -camera.y / camera.k - m,
    x1: (size.width - camera.x) / camera.k + m,
    y1: (size.height - camera.y) / camera.k + m,
    readable: camera.k * 11 >= 6,
    labelled: camera.k >= 0.7,
    lw: 1 / camera.k,
  };
}

/** Module boxes in view, stroked in one path; returns their header texts (when readable). */
function drawBoxes(ctx: CanvasRenderingContext2D, graph: VisibleGraph, layout: GraphLayout, v: Viewport, colors: CanvasColors): [string, Box][] {
  ctx.lineWidth = 1.4 * Math.max(v.lw, 0.8);
  ctx.strokeStyle = colors.muted;
  ctx.beginPath();
  const headers: [string, Box][] = [];
  for (const g of graph.groups) {
    const b = layout.groups.get(g.key);
    if (!b || !intersects(b, v.x0, v.y0, v.x1, v.y1)) continue;
    ctx.roundRect(b.x, b.y, b.width, b.height, 8);
    if (v.readable) headers.push([`${g.title} ${g.subtitle}`, b]);
  }
  ctx.stroke();
  return headers;
}

/** The edges in view, batched: solid and dashed strokes, arrowheads and labels when legible. */
export interface EdgePlan {
  readonly solid: EdgeRoute[];
  readonly dashed: EdgeRoute[];
  /** Compare widgets: edges into or out of an op only run b ran (blue, dashed). */
  readonly onlyB: EdgeRoute[];
  /** Polylines whose last segment gets an arrowhead (a self-loop's last two points). */
  readonly arrows: (readonly { x: number; y: number }[])[];
  /** Arrowheads of the `onlyB` edges (blue). */
  readonly onlyBArrows: (readonly { x: number; y: number }[])[];
  readonly labels: EdgeRoute[];
}

/** Each edge's bounding box (NaN: no points), and on big graphs a row index over them: built
 *  once per layout, so a frame looks only at the edges near the viewport. */
interface EdgeBoxes {
  readonly x0: Float64Array;
  readonly y0: Float64Array;
  readonly x1: Float64Array;
  readonly y1: Float64Array;
  readonly rows: RowIndex | null;
}
const edgeBoxes = new WeakMap<readonly EdgeRoute[], EdgeBoxes>();

function boxesOfEdges(edges: readonly EdgeRoute[]): EdgeBoxes {
  let out = edgeBoxes.get(edges);
  if (out) return out;
  const n = edges.length;
  const x0 = new Float64Array(n);
  const y0 = new Float64Array(n);
  const x1 = new Float64Array(n);
  const y1 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = (edges[i] as EdgeRoute).points;
    const first = p[0];
    if (!first) {
      x0[i] = y0[i] = x1[i] = y1[i] = Number.NaN;
      continue;
    }
    let ex0 = first.x, ey0 = first.y, ex1 = first.x, ey1 = first.y;
    for (let k = 1; k < p.length; k++) {
      const q = p[k] as { x: number; y: number };
      if (q.x < ex0) ex0 = q.x; else if (q.x > ex1) ex1 = q.x;
      if (q.y < ey0) ey0 = q.y; else if (q.y > ey1) ey1 = q.y;
    }
    x0[i] = ex0;
    y0[i] = ey0;
    x1[i] = ex1;
    y1[i] = ey1;
  }
  out = { x0, y0, x1, y1, rows: n >= INDEX_MIN_ITEMS ? new RowIndex(y0, y1) : null };
  edgeBoxes.set(edges, out);
  return out;
}

/** Positions 0..n-1, or those the index finds in the band [y0, y1]. */
const candidates = (n: number, rows: RowIndex | null, y0: number, y1: number): number[] =>
  rows ? rows.within(y0, y1) : Array.from({ length: n }, (_, i) => i);

/** `onlyB`: keys "from\u2192to" of the edges drawn blue and dashed (compare widgets). */
export function planEdges(edges: readonly EdgeRoute[], v: Viewport, onlyB?: ReadonlySet<string>): EdgePlan {
  const plan: EdgePlan = { solid: [], dashed: [], onlyB: [], arrows: [], onlyBArrows: [], labels: [] };
  const blue = onlyB !== undefined && onlyB.size > 0 ? onlyB : null;
  const b = boxesOfEdges(edges);
  for (const i of candidates(edges.length, b.rows, v.y0, v.y1)) {
    const e = edges[i];
    const ex0 = b.x0[i] ?? Number.NaN;
    if (!e || Number.isNaN(ex0)) continue;
    if ((b.x1[i] ?? 0) < v.x0 || ex0 > v.x1 || (b.y1[i] ?? 0) < v.y0 || (b.y0[i] ?? 0) > v.y1) continue;
    const p = e.points;
    const isB = blue !== null && blue.has(`${e.from}\u2192${e.to}`);
    (isB ? plan.onlyB : e.dashed ? plan.dashed : plan.solid).push(e);
    if (v.readable) (isB ? plan.onlyBArrows : plan.arrows).push(e.selfLoop ? p.slice(2, 4) : p);
    if (v.labelled && e.text && e.labelAt) plan.labels.push(e);
  }
  return plan;
}

/** The three corners of the arrowhead at the end of a polyline (null when it has one point). */
export function arrowHead(p: readonly { x: number; y: number }[]): [{ x: number; y: number }, { x: number; y: number }, { x: number; y: number }] | null {
  const end = p[p.length - 1];
  const prev = p[p.length - 2];
  if (!end || !prev) return null;
  const len = Math.hypot(end.x - prev.x, end.y - prev.y) || 1;
  const dx = (end.x - prev.x) / len;
  const dy = (end.y - prev.y) / len;
  return [end, { x: end.x - dx * 7 - dy * 3, y: end.y - dy * 7 + dx * 3 }, { x: end.x - dx * 7 + dy * 3, y: end.y - dy * 7 - dx * 3 }];
}

function drawEdges(ctx: CanvasRenderingContext2D, plan: EdgePlan, v: Viewport, colors: CanvasColors): void {
  ctx.lineWidth = 1.2 * Math.max(v.lw, 0.6);
  ctx.strokeStyle = colors.edge;
  ctx.fillStyle = colors.edge;
  ctx.beginPath();
  for (const e of plan.solid) edgePath(ctx, e);
  ctx.stroke();
  if (plan.dashed.length > 0) {
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    for (const e of plan.dashed) edgePath(ctx, e);
    ctx.stroke();
    ctx.setLineDash([]);
  }
  fillArrows(ctx, plan.arrows);
  if (plan.onlyB.length > 0) {
    ctx.strokeStyle = ONLY_B_STROKE;
    ctx.fillStyle = ONLY_B_STROKE;
    ctx.setLineDash(ONLY_B_DASH);
    ctx.beginPath();
    for (const e of plan.onlyB) edgePath(ctx, e);
    ctx.stroke();
    ctx.setLineDash([]);
    fillArrows(ctx, plan.onlyBArrows);
  }
}

function fillArrows(ctx: CanvasRenderingContext2D, arrows: readonly (readonly { x: number; y: number }[])[]): void {
  if (arrows.length === 0) return;
  ctx.beginPath();
  for (const p of arrows) {
    const head = arrowHead(p);
    if (!head) continue;
    ctx.moveTo(head[0].x, head[0].y);
    ctx.lineTo(head[1].x, head[1].y);
    ctx.lineTo(head[2].x, head[2].y);
    ctx.closePath();
  }
  ctx.fill();
}

/** The nodes in view, batched by fill colour; `marked` get an outline (selected, search hit,
 *  a pass of the hovered layer). */
export interface NodePlan {
  readonly byFill: Map<string, [VisibleNode, Box][]>;
  readonly marked: [VisibleNode, Box][];
  /** Compare widgets: ops only run b ran, outlined blue and dashed (unless selected). */
  readonly onlyB: [VisibleNode, Box][];
}

/** Each drawn node's box by position in the graph, and on big graphs a row index over them. */
interface NodeBoxes {
  readonly graph: VisibleGraph;
  readonly boxes: (Box | undefined)[];
  readonly rows: RowIndex | null;
}
const nodeBoxes = new WeakMap<GraphLayout, NodeBoxes>();

function boxesOfNodes(graph: VisibleGraph, layout: GraphLayout): NodeBoxes {
  const known = nodeBoxes.get(layout);
  if (known?.graph === graph) return known;
  const n = graph.nodes.length;
  const boxes: (Box | undefined)[] = new Array(n);
  const y0 = new Float64Array(n);
  const y1 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const b = layout.nodes.get((graph.nodes[i] as VisibleNode).id);
    boxes[i] = b;
    y0[i] = b ? b.y : Number.NaN;
    y1[i] = b ? b.y + b.height : Number.NaN;
  }
  const rows = n >= INDEX_MIN_ITEMS ? new RowIndex(y0, y1) : null;
  const out = { graph, boxes, rows };
  nodeBoxes.set(layout, out);
  return out;
}

export function planNodes(graph: VisibleGraph, layout: GraphLayout, v: Viewport, state: SceneState & { readonly hoverGroup: string }): NodePlan {
  const plan: NodePlan = { byFill: new Map(), marked: [], onlyB: [] };
  const { boxes, rows } = boxesOfNodes(graph, layout);
  for (const i of candidates(graph.nodes.length, rows, v.y0, v.y1)) {
    const n = graph.nodes[i];
    const b = boxes[i];
    if (!n || !b || !intersects(b, v.x0, v.y0, v.x1, v.y1)) continue;
    const f = fillOf(n, state);
    const list = plan.byFill.get(f);
    if (list) list.push([n, b]);
    else plan.byFill.set(f, [[n, b]]);
    if (n.id !== state.selected && state.onlyB?.has(n.id) === true) plan.onlyB.push([n, b]);
    if (n.id === state.selected || state.matches.has(n.id) || (state.hoverGroup && n.passGroup === state.hoverGroup)) plan.marked.push([n, b]);
  }
  return plan;
}

function drawNodes(ctx: CanvasRenderingContext2D, plan: NodePlan, v: Viewport, state: SceneState, colors: CanvasColors): number {
  let drawn = 0;
  ctx.lineWidth = Math.max(v.lw, 0.5);
  ctx.strokeStyle = NODE_STROKE;
  // Closed modules: the back sheet of the stack first, so the front face covers it.
  for (const [fill, list] of plan.byFill) {
    const stacks = list.filter(([n]) => n.shape === 'stack');
    if (stacks.length === 0) continue;
    ctx.fillStyle = fill;
    ctx.beginPath();
    for (const [, b] of stacks) backPath(ctx, b);
    ctx.fill();
    ctx.stroke();
  }
  const dashedNodes: [VisibleNode, Box][] = [];
  const blue = new Set(plan.onlyB.map(([n]) => n.id));
  for (const [fill, list] of plan.byFill) {
    ctx.fillStyle = fill;
    ctx.beginPath();
    for (const [n, b] of list) shapePath(ctx, n, b);
    ctx.fill();
    ctx.beginPath();
    for (const [n, b] of list) {
      if (blue.has(n.id)) continue;
      if (n.dashed) dashedNodes.push([n, b]);
      else shapePath(ctx, n, b);
    }
    ctx.stroke();
    drawn += list.length;
  }
  if (dashedNodes.length > 0) {
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    for (const [n, b] of dashedNodes) shapePath(ctx, n, b);
    ctx.stroke();
    ctx.setLineDash([]);
  }
  if (plan.onlyB.length > 0) {
    ctx.lineWidth = 2 * Math.max(v.lw, 0.5);
    ctx.strokeStyle = ONLY_B_STROKE;
    ctx.setLineDash(ONLY_B_DASH);
    ctx.beginPath();
    for (const [n, b] of plan.onlyB) shapePath(ctx, n, b);
    ctx.stroke();
    ctx.setLineDash([]);
  }
  for (const [n, b] of plan.marked) {
    ctx.lineWidth = (n.id === state.selected ? 3 : 2.5) * Math.max(v.lw, 0.6);
    ctx.strokeStyle = n.id === state.selected ? colors.accent : state.matches.has(n.id) ? colors.warn : `hsl(${passHue(n.passGroup)},70%,45%)`;
    ctx.beginPath();
    shapePath(ctx, n, b);
    ctx.stroke();
  }
  return drawn;
}

/** Edge labels (argument slots, pass ranges, IF/THEN/ELSE) with a halo of the background. */
function drawEdgeLabels(ctx: CanvasRenderingContext2D, labels: readonly EdgeRoute[], colors: CanvasColors): void {
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'center';
  ctx.lineJoin = 'round';
  ctx.lineWidth = 3;
  ctx.strokeStyle = colors.bg ?? '#ffffff';
  ctx.fillStyle = colors.fg;
  for (const e of labels) {
    const at = e.labelAt;
    if (!at) continue;
    ctx.font = `${e.branch ? 'bold ' : ''}10px ${colors.mono}`;
    ctx.strokeText(e.text, at.x, at.y);
    ctx.fillText(e.text, at.x, at.y);
  }
}

/** Where each text line of a node goes: centred in its front face, the title bold. */
export function nodeTextLines(n: VisibleNode, b: Box): { text: string; x: number; y: number; bold: boolean }[] {
  const w = n.shape === 'stack' ? b.width - STACK_OFFSET : b.width;
  const h = n.shape === 'stack' ? b.height - STACK_OFFSET : b.height;
  const top = b.y + h / 2 - ((n.lines.length - 1) * LINE_H) / 2;
  return n.lines.map((text, i) => ({ text, x: b.x + w / 2, y: top + i * LINE_H, bold: i === 0 }));
}

/** Module headers and node text (only when readable). */
function drawTexts(ctx: CanvasRenderingContext2D, headers: readonly [string, Box][], byFill: NodePlan['byFill'], state: SceneState, colors: CanvasColors): void {
  ctx.textBaseline = 'middle';
  ctx.font = `bold 11px ${colors.mono}`;
  ctx.fillStyle = colors.fg;
  ctx.textAlign = 'left';
  for (const [text, b] of headers) ctx.fillText(text, b.x + 10, b.y + GROUP_HEADER / 2);
  ctx.textAlign = 'center';
  for (const list of byFill.values()) {
    for (const [n, b] of list) {
      const dark = state.fills.get(n.id)?.dark === true;
      ctx.fillStyle = dark ? '#ffffff' : '#1a1a1a';
      for (const line of nodeTextLines(n, b)) {
        ctx.font = `${line.bold ? 'bold ' : ''}11px ${colors.mono}`;
        ctx.fillText(line.text, line.x, line.y);
      }
    }
  }
}

/** The node under a world-space point (topmost wins), or null. */
export function nodeAt(graph: VisibleGraph, layout: GraphLayout, x: number, y: number): string | null {
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const n = graph.nodes[i];
    const b = n ? layout.nodes.get(n.id) : undefined;
    if (n && b && x >= b.x && x <= b.x + b.width && y >= b.y && y <= b.y + b.height) return n.id;
  }
  return null;
}

/** The module box whose header strip is under a world-space point (innermost wins): its node id. */
export function groupHeaderAt(graph: VisibleGraph, layout: GraphLayout, x: number, y: number): string | null {
  for (let i = graph.groups.length - 1; i >= 0; i--) {
    const g = graph.groups[i];
    const b = g ? layout.groups.get(g.key) : undefined;
    if (g && b && x >= b.x && x <= b.x + b.width && y >= b.y && y <= b.y + GROUP_HEADER) return g.nodeId;
  }
  return null;
}
