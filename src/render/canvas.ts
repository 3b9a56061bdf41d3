// Canvas 2D drawing for large visible graphs (thousands of nodes): only what intersects the
// viewport is drawn, shapes are batched by colour, and text is dropped when too small to read.
// Stateless like the SVG scene: everything comes from the arguments.
import type { VisibleGraph, VisibleNode } from '../graph/visible.ts';
import type { Box, EdgeRoute, GraphLayout } from '../layout/layout.ts';
import type { Camera } from '../model/view-state.ts';
import { GROUP_HEADER, LINE_H, STACK_OFFSET } from '../layout/size.ts';
import type { SceneState } from './scene.ts';
import { passHue } from './scene.ts';

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

/** Draws one frame; returns how many nodes were drawn (for tests and the benchmark). */
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
  const m = MARGIN_PX / camera.k;
  const x0 = -camera.x / camera.k - m;
  const y0 = -camera.y / camera.k - m;
  const x1 = (width - camera.x) / camera.k + m;
  const y1 = (height - camera.y) / camera.k + m;
  const readable = camera.k * 11 >= 6;
  const lw = 1 / camera.k;

  // Module boxes.
  ctx.lineWidth = 1.4 * Math.max(lw, 0.8);
  ctx.strokeStyle = colors.muted;
  ctx.beginPath();
  const headers: [string, Box][] = [];
  for (const g of graph.groups) {
    const b = layout.groups.get(g.key);
    if (!b || !intersects(b, x0, y0, x1, y1)) continue;
    ctx.roundRect(b.x, b.y, b.width, b.height, 8);
    if (readable) headers.push([`${g.title} ${g.subtitle}`, b]);
  }
  ctx.stroke();

  // Edges, batched (solid, then dashed); arrowheads and labels only when they would be visible.
  ctx.lineWidth = 1.2 * Math.max(lw, 0.6);
  ctx.strokeStyle = colors.edge;
  ctx.fillStyle = colors.edge;
  const arrows: (readonly { x: number; y: number }[])[] = [];
  const labels: EdgeRoute[] = [];
  const dashed: EdgeRoute[] = [];
  const labelled = camera.k >= 0.7;
  ctx.beginPath();
  for (const e of layout.edges) {
    const p = e.points;
    const first = p[0];
    if (!first) continue;
    let ex0 = first.x, ey0 = first.y, ex1 = first.x, ey1 = first.y;
    for (const q of p) {
      if (q.x < ex0) ex0 = q.x; else if (q.x > ex1) ex1 = q.x;
      if (q.y < ey0) ey0 = q.y; else if (q.y > ey1) ey1 = q.y;
    }
    if (ex1 < x0 || ex0 > x1 || ey1 < y0 || ey0 > y1) continue;
    if (e.dashed) dashed.push(e);
    else edgePath(ctx, e);
    if (readable) arrows.push(e.selfLoop ? p.slice(2, 4) : p);
    if (labelled && e.text && e.labelAt) labels.push(e);
  }
  ctx.stroke();
  if (dashed.length > 0) {
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    for (const e of dashed) edgePath(ctx, e);
    ctx.stroke();
    ctx.setLineDash([]);
  }
  ctx.beginPath();
  for (const p of arrows) {
    const end = p[p.length - 1];
    const prev = p[p.length - 2];
    if (!end || !prev) continue;
    const len = Math.hypot(end.x - prev.x, end.y - prev.y) || 1;
    const dx = (end.x - prev.x) / len;
    const dy = (end.y - prev.y) / len;
    ctx.moveTo(end.x, end.y);
    ctx.lineTo(end.x - dx * 7 - dy * 3, end.y - dy * 7 + dx * 3);
    ctx.lineTo(end.x - dx * 7 + dy * 3, end.y - dy * 7 - dx * 3);
    ctx.closePath();
  }
  ctx.fill();

  // Nodes, batched by fill colour.
  const byFill = new Map<string, [VisibleNode, Box][]>();
  const marked: [VisibleNode, Box][] = [];
  for (const n of graph.nodes) {
    const b = layout.nodes.get(n.id);
    if (!b || !intersects(b, x0, y0, x1, y1)) continue;
    const f = fillOf(n, state);
    const list = byFill.get(f);
    if (list) list.push([n, b]);
    else byFill.set(f, [[n, b]]);
    if (n.id === state.selected || state.matches.has(n.id) || (state.hoverGroup && n.passGroup === state.hoverGroup)) marked.push([n, b]);
  }
  let drawn = 0;
  ctx.lineWidth = Math.max(lw, 0.5);
  ctx.strokeStyle = NODE_STROKE;
  // Closed modules: the back sheet of the stack first, so the front face covers it.
  for (const [fill, list] of byFill) {
    const stacks = list.filter(([n]) => n.shape === 'stack');
    if (stacks.length === 0) continue;
    ctx.fillStyle = fill;
    ctx.beginPath();
    for (const [, b] of stacks) backPath(ctx, b);
    ctx.fill();
    ctx.stroke();
  }
  const dashedNodes: [VisibleNode, Box][] = [];
  for (const [fill, list] of byFill) {
    ctx.fillStyle = fill;
    ctx.beginPath();
    for (const [n, b] of list) shapePath(ctx, n, b);
    ctx.fill();
    ctx.beginPath();
    for (const [n, b] of list) {
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
  for (const [n, b] of marked) {
    ctx.lineWidth = (n.id === state.selected ? 3 : 2.5) * Math.max(lw, 0.6);
    ctx.strokeStyle = n.id === state.selected ? colors.accent : state.matches.has(n.id) ? colors.warn : `hsl(${passHue(n.passGroup)},70%,45%)`;
    ctx.beginPath();
    shapePath(ctx, n, b);
    ctx.stroke();
  }

  if (labels.length > 0) {
    // Edge labels (argument slots, pass ranges, IF/THEN/ELSE) with a halo of the background.
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

  if (readable) {
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
        const w = n.shape === 'stack' ? b.width - STACK_OFFSET : b.width;
        const h = n.shape === 'stack' ? b.height - STACK_OFFSET : b.height;
        const top = b.y + h / 2 - ((n.lines.length - 1) * LINE_H) / 2;
        n.lines.forEach((line, i) => {
          ctx.font = `${i === 0 ? 'bold ' : ''}11px ${colors.mono}`;
          ctx.fillText(line, b.x + w / 2, top + i * LINE_H);
        });
      }
    }
  }
  return drawn;
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
