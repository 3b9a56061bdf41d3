// Draws a laid-out graph into an SVG group: module boxes, then edges, then nodes. Stateless:
// everything it shows comes from its arguments; it redraws from scratch.
import type { VisibleGraph, VisibleGroup, VisibleNode } from '../graph/visible.ts';
import type { Box, EdgeRoute, GraphLayout } from '../layout/layout.ts';
import { GROUP_HEADER, LINE_H, STACK_OFFSET } from '../layout/size.ts';
import { arrowHead, basisPath, svg, tooltip } from './svg.ts';

export interface SceneState {
  readonly selected: string | null;
  /** Ids to highlight as search matches. */
  readonly matches: ReadonlySet<string>;
  /** The search hit stepped to last, or null. */
  readonly current: string | null;
  /** Overlay fills by node id (empty: role colours); `dark` asks for light text. */
  readonly fills: ReadonlyMap<string, { readonly color: string; readonly dark: boolean }>;
  /** The forward-pass player's current node (or the closed box holding it), and the edges feeding it. */
  readonly lit?: ReadonlySet<string>;
  readonly litEdges?: ReadonlySet<string>;
  /** Nodes whose op output lens(intervene=) replaced. */
  readonly intervened?: ReadonlySet<string>;
  /** Compare widgets: nodes of ops only run b ran, and the edges ("from\u2192to") into or out of them. */
  readonly onlyB?: ReadonlySet<string>;
  readonly onlyBEdges?: ReadonlySet<string>;
}

/** A stable hue per layer, so the passes of one layer share a colour mark. */
export function passHue(layer: string): number {
  let h = 0;
  for (let i = 0; i < layer.length; i++) h = (h * 31 + layer.charCodeAt(i)) >>> 0;
  return h % 360;
}

export function drawScene(target: SVGGElement, graph: VisibleGraph, layout: GraphLayout, state: SceneState): void {
  target.replaceChildren();
  const groupLayer = svg('g', { class: 'lenslab-groups' }, target);
  const edgeLayer = svg('g', { class: 'lenslab-edges' }, target);
  // Box headers above the edges: an edge entering a box passes under its title, not over it.
  const headerLayer = svg('g', { class: 'lenslab-headers' }, target);
  const nodeLayer = svg('g', { class: 'lenslab-nodes' }, target);
  for (const g of graph.groups) {
    const box = layout.groups.get(g.key);
    if (box) drawGroup(groupLayer, headerLayer, g, box);
  }
  for (const e of layout.edges) {
    const key = `${e.from}\u2192${e.to}`;
    drawEdge(edgeLayer, e, state.litEdges?.has(key) === true, state.onlyBEdges?.has(key) === true);
  }
  for (const n of graph.nodes) {
    const box = layout.nodes.get(n.id);
    if (box) drawNode(nodeLayer, n, box, state);
  }
}

function drawGroup(parent: SVGGElement, headers: SVGGElement, g: VisibleGroup, box: Box): void {
  const el = svg('g', { class: `lenslab-group lenslab-depth-${Math.min(g.depth, 4)}`, 'data-group-key': g.key }, parent);
  svg('rect', { class: 'lenslab-group-box', x: box.x, y: box.y, width: box.width, height: box.height, rx: 8 }, el);
  // The header is the click target that collapses the module.
  const header = svg('g', { class: 'lenslab-group-header', 'data-group-id': g.nodeId }, headers);
  svg('rect', { class: 'lenslab-group-hit', x: box.x, y: box.y, width: box.width, height: GROUP_HEADER, rx: 8 }, header);
  const text = svg('text', { x: box.x + 10, y: box.y + GROUP_HEADER / 2 + 4 }, header);
  svg('tspan', { class: 'lenslab-group-title' }, text).textContent = g.title;
  svg('tspan', { class: 'lenslab-group-type' }, text).textContent = ` ${g.subtitle}`;
  tooltip(header, `${g.title} ${g.subtitle}\nclick to collapse`);
}

function drawEdge(parent: SVGGElement, e: EdgeRoute, lit: boolean, onlyB: boolean): void {
  const cls = ['lenslab-edge'];
  if (lit) cls.push('lenslab-edge--lit');
  if (onlyB) cls.push('lenslab-edge--only-b');
  if (e.dashed) cls.push('lenslab-edge--dashed');
  if (e.branch) cls.push('lenslab-edge--branch');
  const el = svg('g', { class: cls.join(' '), 'data-edge': `${e.from}\u2192${e.to}` }, parent);
  if (e.selfLoop) {
    const [a, b, c, d] = e.points;
    if (a && b && c && d) {
      svg('path', { d: `M${a.x},${a.y}C${b.x},${b.y} ${c.x},${c.y} ${d.x},${d.y}` }, el);
      svg('polygon', { points: arrowHead([c, d], 6) }, el);
    }
    return;
  }
  svg('path', { d: basisPath(e.points) }, el);
  svg('polygon', { points: arrowHead(e.points) }, el);
  if (e.text && e.labelAt) {
    const label = svg('text', { class: 'lenslab-edge-label', x: e.labelAt.x, y: e.labelAt.y + 4 }, el);
    if (e.branch) svg('tspan', { class: 'lenslab-edge-branch' }, label).textContent = e.branch;
    const rest = e.branch ? e.text.slice(e.branch.length) : e.text;
    if (rest) svg('tspan', {}, label).textContent = rest;
  }
}

function drawNode(parent: SVGGElement, n: VisibleNode, box: Box, state: SceneState): void {
  const cls = ['lenslab-node', `lenslab-node--${n.role}`];
  if (n.dashed) cls.push('lenslab-node--dashed');
  if (n.hasParams) cls.push('lenslab-node--has-params');
  if (n.kind === 'function') cls.push('lenslab-node--function');
  if (state.selected === n.id) cls.push('lenslab-node--selected');
  if (state.matches.has(n.id)) cls.push('lenslab-node--match');
  if (state.current === n.id) cls.push('lenslab-node--current');
  if (state.lit?.has(n.id)) cls.push('lenslab-node--lit');
  if (state.intervened?.has(n.id)) cls.push('lenslab-node--intervened');
  if (state.onlyB?.has(n.id)) cls.push('lenslab-node--only-b');
  const fill = state.fills.get(n.id);
  if (fill?.dark) cls.push('lenslab-node--dark');
  const el = svg('g', { class: cls.join(' '), 'data-node-id': n.id, transform: `translate(${box.x},${box.y})` }, parent);
  if (n.passGroup) el.setAttribute('data-pass-group', n.passGroup);
  let w = box.width;
  let h = box.height;
  if (n.shape === 'stack') {
    w -= STACK_OFFSET;
    h -= STACK_OFFSET;
    svg('rect', { class: 'lenslab-shape lenslab-shape--back', x: STACK_OFFSET, y: STACK_OFFSET, width: w, height: h, rx: 3 }, el);
  }
  const rx = n.shape === 'oval' ? h / 2 : 3;
  const shape = svg('rect', { class: 'lenslab-shape', width: w, height: h, rx }, el);
  if (fill) shape.style.fill = fill.color;
  if (n.passGroup) {
    // Passes of one layer share a coloured mark on their left edge.
    svg('rect', { class: 'lenslab-pass-mark', x: rx / 3, y: h / 2 - 6, width: 4, height: 12, rx: 2, fill: `hsl(${passHue(n.passGroup)},70%,45%)` }, el);
  }
  const text = svg('text', { x: w / 2, y: h / 2 - ((n.lines.length - 1) * LINE_H) / 2 + 4 }, el);
  n.lines.forEach((line, i) => {
    const t = svg('tspan', { x: w / 2, dy: i === 0 ? 0 : LINE_H }, text);
    if (i === 0 || (n.role === 'bool' && i === 1)) t.setAttribute('class', 'lenslab-node-title');
    t.textContent = line;
  });
}
