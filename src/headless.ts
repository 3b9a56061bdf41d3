// Entry of the headless renderer (h.to_svg / h.to_png, and kernel-free notebook fallbacks): the
// widget's own pipeline (trace → view options → visible graph → layout → scene) drawn without a
// browser. Built by scripts/build-headless.mjs into static/headless.js (an IIFE that sets
// globalThis.lenslabHeadless), which Python runs in an embedded JavaScript engine.
import { createTrace } from './model/trace.ts';
import type { Trace } from './model/trace.ts';
import type { ViewState } from './model/view-state.ts';
import type { VisibleGraph } from './graph/visible.ts';
import type { GraphLayout } from './layout/layout.ts';
import { buildHierarchy } from './graph/hierarchy.ts';
import type { Hierarchy } from './graph/hierarchy.ts';
import { buildVisibleGraph } from './graph/visible.ts';
import { initialState } from './graph/view-options.ts';
import { foldOption } from './graph/fold.ts';
import { withFold } from './model/view-state.ts';
import type { ViewOptions } from './graph/view-options.ts';
import { colorScale, metricValues, rampColor } from './graph/overlay.ts';
import { layoutGraph } from './layout/layout.ts';
import { drawScene } from './render/scene.ts';
import type { SceneState } from './render/scene.ts';
import { SVG_NS } from './render/svg.ts';
import { HeadlessElement, installDocument } from './headless/dom.ts';
import { buildLegend, LEGEND_HEIGHT } from './headless/legend.ts';

/** Inlined by the build: the widget stylesheet's SVG rules, theme variables resolved. */
declare const __LENSLAB_SVG_CSS__: string;

/** The margin around the drawing: the same as the browser's SVG export (src/render/export.ts). */
const PAD = 16;

export interface Rendered {
  svg: string;
  width: number;
  height: number;
  nodes: number;
}

/** Renders the wire graph (JSON text, compact or full) with the view options (JSON text). */
export function renderSvg(graphJson: string, optionsJson: string): Rendered {
  const { trace, h, state, graph, layout } = viewOf(graphJson, optionsJson);
  const values = metricValues(trace, h, graph, state.overlay, undefined, state.custom);
  const scale = state.overlay === 'none' ? null : colorScale(values.values());
  const fills = new Map<string, { color: string; dark: boolean }>();
  if (scale) {
    for (const [id, v] of values) {
      const at = scale.position(v);
      fills.set(id, { color: rampColor(at), dark: at > 0.62 });
    }
  }
  const scene: SceneState = { selected: null, matches: new Set(), current: null, fills };
  const legend = scale && state.overlay !== 'none' ? buildLegend(state.overlay, state.custom, scale) : null;
  const width = Math.max(Math.ceil(layout.width + 2 * PAD), legend ? legend.width + 2 * PAD : 0);
  const graphHeight = Math.ceil(layout.height + 2 * PAD);
  const height = graphHeight + (legend ? LEGEND_HEIGHT : 0);
  const root = new HeadlessElement('svg');
  for (const [k, v] of Object.entries({ xmlns: SVG_NS, width, height, viewBox: `0 0 ${width} ${height}` })) root.setAttribute(k, String(v));
  root.appendChild(new HeadlessElement('style')).textContent = typeof __LENSLAB_SVG_CSS__ === 'string' ? __LENSLAB_SVG_CSS__ : '';
  const bg = root.appendChild(new HeadlessElement('rect'));
  for (const [k, v] of Object.entries({ width, height, fill: '#ffffff' })) bg.setAttribute(k, String(v));
  const g = root.appendChild(new HeadlessElement('g'));
  g.setAttribute('transform', `translate(${PAD},${PAD})`);
  drawScene(g as unknown as SVGGElement, graph, layout, scene);
  if (legend) {
    legend.el.setAttribute('transform', `translate(${PAD},${graphHeight + 4})`);
    root.appendChild(legend.el);
  }
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n'];
  root.serialize(out);
  return { svg: out.join(''), width, height, nodes: graph.nodes.length };
}

/** The node boxes of a view (id → [x, y, width, height], in SVG coordinates): what tests
 *  compare with the browser's export. */
export function nodeBoxes(graphJson: string, optionsJson: string): Record<string, [number, number, number, number]> {
  const { layout } = viewOf(graphJson, optionsJson);
  const boxes: Record<string, [number, number, number, number]> = {};
  for (const [id, b] of layout.nodes) boxes[id] = [b.x + PAD, b.y + PAD, b.width, b.height];
  return boxes;
}

/** The pipeline the widget runs on a new graph, up to the layout. */
function viewOf(graphJson: string, optionsJson: string): { trace: Trace; h: Hierarchy; state: ViewState; graph: VisibleGraph; layout: GraphLayout } {
  installDocument();
  const trace = createTrace(JSON.parse(graphJson));
  const hierarchies = new Map<boolean, Hierarchy>();
  const options = JSON.parse(optionsJson) as ViewOptions;
  const fold = foldOption(trace, options['fold']); // as the widget: repeated blocks folded
  const hierarchyOf = (rolled: boolean): Hierarchy => {
    let h = hierarchies.get(rolled);
    if (!h) hierarchies.set(rolled, (h = buildHierarchy(trace, rolled, fold)));
    return h;
  };
  const state = withFold(initialState(trace, hierarchyOf, options), fold);
  const h = hierarchyOf(state.rolled);
  const graph = buildVisibleGraph(trace, h, state);
  return { trace, h, state, graph, layout: layoutGraph(graph) };
}
