// Everything around the graph that a pipeline run refreshes: search hits and overlay fills (the
// scene state the renderer reads), the inspector, outline, legend, buffers switch, toolbar and
// summary line. Panels go first: opening the inspector changes the stage the camera fits into.
import { countLine } from '../graph/counts.ts';
import type { Trace } from '../model/trace.ts';
import { passOf } from '../model/view-state.ts';
import type { ViewState } from '../model/view-state.ts';
import type { Hierarchy } from '../graph/hierarchy.ts';
import type { VisibleGraph } from '../graph/visible.ts';
import { fullDepth } from '../graph/depth.ts';
import { searchNodes } from '../graph/search.ts';
import { describeNode } from '../graph/describe.ts';
import type { NodeDescription } from '../graph/describe.ts';
import { outlineRows } from '../graph/outline.ts';
import { colorScale, metricValues, rampColor } from '../graph/overlay.ts';
import type { SceneState } from '../render/scene.ts';
import { updateToolbar } from '../render/toolbar.ts';
import { renderInspector } from '../render/inspector.ts';
import { legendKeys, renderLegend } from '../render/legend.ts';
import type { DataViews } from '../panels/data-views.ts';
import type { TensorTarget } from '../panels/tensor-panel.ts';
import type { SourceTarget } from '../panels/source-panel.ts';
import type { Chrome } from './chrome.ts';
import type { CompareData, NodeDiff } from '../model/compare.ts';
import { statusOf } from '../model/compare.ts';
import { diffColor, diffScale, ONLY_A_COLOR, ONLY_B_COLOR, opsPerNode } from '../graph/diff.ts';
import { renderCompareLegend } from '../render/compare-legend.ts';
import type { ComparePanels } from '../panels/compare-panels.ts';
import { html } from '../render/svg.ts';

export interface FrameInputs {
  readonly trace: Trace;
  readonly hierarchy: Hierarchy;
  readonly state: ViewState;
  readonly graph: VisibleGraph;
  readonly data: DataViews | null;
  /** The tensor the selected node shows, if any. */
  readonly target: TensorTarget | null;
  /** The code the selected node shows, if any. */
  readonly code?: SourceTarget | null;
  /** Compare widgets: the comparison, the difference per visible node, the side-by-side panels. */
  readonly compare?: { data: CompareData; diffs: ReadonlyMap<string, NodeDiff>; panels: ComparePanels | null } | undefined;
  /** A selected fold's panel (copies, statistics per copy), shown instead of a tensor view. */
  readonly foldPanel?: HTMLElement | null;
}

/** The selected op's rows plus what a custom overlay details for it (dataset statistics). */
function withDetails(d: NodeDescription | null, trace: Trace, state: ViewState): NodeDescription | null {
  const details = state.custom?.details;
  const at = d && details ? trace.opByLabel.get(d.id) : undefined;
  const extra = at === undefined ? undefined : details?.get(at);
  if (!d || !extra || extra.length === 0) return d;
  const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : v.toPrecision(4));
  return { ...d, rows: [...d.rows, ...extra.map(([name, v]) => [name, fmt(v)] as const)] };
}

/** Updates the panels for a new frame; returns the scene state to draw the graph with. */
export function refreshPanels(c: Chrome, f: FrameInputs): SceneState {
  const { trace, hierarchy: h, state, graph, data, target } = f;
  const hits = state.query ? searchNodes(trace, h, state.query, state.showBuffers) : [];
  const values = metricValues(trace, h, graph, state.overlay, (state.overlay === 'flow' ? data?.gradFlow : data?.gradNorms) ?? undefined, state.custom);
  const scale = state.overlay === 'none' ? null : colorScale(values.values());
  const fills = new Map<string, { color: string; dark: boolean }>();
  if (scale) {
    for (const [id, v] of values) {
      const at = scale.position(v);
      fills.set(id, { color: rampColor(at), dark: at > 0.62 });
    }
  }
  const selected = withDetails(state.selected ? describeNode(trace, h, state.selected, passOf(state, state.selected)) : null, trace, state);
  const cmp = f.compare;
  const panels = cmp?.panels && data && !f.foldPanel ? cmp.panels : null;
  const selectedOp = target ? trace.opByLabel.get(target.label) : undefined;
  // An op only b ran has no value in a: a's own tensor view stays empty.
  const onlyB = selectedOp !== undefined && cmp !== undefined && statusOf(cmp.data, selectedOp) === 'b';
  if (panels && data) {
    // a's own tensor view goes in the first column; b and b - a beside it.
    const side = panels.el.querySelector('[data-side="a"]');
    if (side && data.panel.el.parentElement !== side) side.appendChild(data.panel.el);
    if (panels.el.parentElement !== data.extra) data.extra.appendChild(panels.el);
    panels.el.hidden = target === null;
    panels.show(target, selectedOp === undefined ? '' : (cmp?.data.labelsB[selectedOp] ?? ''), onlyB);
  }
  renderInspector(c.inspector, selected, f.foldPanel ?? (data ? data.extra : undefined));
  c.setInspectorOpen(selected !== null);
  data?.selected(f.foldPanel || onlyB ? null : target, f.foldPanel ? null : (f.code ?? null));
  c.outline.render(outlineRows(trace, h, state));
  const onlyBNodes = new Set<string>();
  if (cmp) {
    const scale = diffScale(cmp.data, [...cmp.diffs.values()].map((d) => d.value));
    fills.clear();
    for (const [id, d] of cmp.diffs) {
      if (d.onlyA) fills.set(id, { color: ONLY_A_COLOR, dark: false });
      else if (d.onlyB) fills.set(id, { color: ONLY_B_COLOR, dark: false });
      else if (d.branch || (!Number.isNaN(d.value) && (cmp.data.kind === 'scores' || d.value > cmp.data.threshold))) {
        const at = d.branch ? 1 : scale.position(d.value);
        fills.set(id, { color: diffColor(at), dark: at > 0.62 });
      }
    }
    renderCompareLegend(c.legend, cmp.data, scale);
    for (const [id, d] of cmp.diffs) if (d.onlyB) onlyBNodes.add(id);
  } else renderLegend(c.legend, state.overlay, scale, legendKeys(graph), state.custom);
  c.setBuffers(state.showBuffers, h.bufferItems.size > 0);
  updateToolbar(c.toolbar, {
    rolled: state.rolled,
    depth: state.depth,
    maxDepth: fullDepth(h),
    hasLoops: hasLoops(trace),
    matches: !state.query ? '' : state.matchIndex >= 0 ? `${state.matchIndex + 1}/${hits.length}` : String(hits.length),
    overlay: state.overlay,
  });
  if (state.custom) menuOption(c.toolbar, 'custom', state.custom.name, true);
  if (trace.graph.saved_bytes) menuOption(c.toolbar, 'saved', 'kept for backward', false);
  c.summary.textContent = `${trace.graph.model_type} \u00b7 ${countLine(trace.ops)} \u00b7 ${graph.nodes.length} shown`;
  const intervened = intervenedNodes(trace, h, graph);
  if (intervened.size) {
    const row = html('span', 'lenslab-legend-row', c.legend);
    html('span', 'lenslab-swatch lenslab-swatch--intervened', row);
    html('span', '', row, 'intervened');
  }
  const onlyBEdges = new Set(graph.edges.filter((e) => onlyBNodes.has(e.from) || onlyBNodes.has(e.to)).map((e) => `${e.from}\u2192${e.to}`));
  return { intervened, onlyB: onlyBNodes, onlyBEdges, selected: state.selected, matches: new Set(hits), current: hits[state.matchIndex] ?? null, fills };
}

const loops = new WeakMap<Trace, boolean>();

/** Whether some op ran more than once (the rolled view differs): once per trace, not per frame. */
function hasLoops(trace: Trace): boolean {
  let known = loops.get(trace);
  if (known === undefined) loops.set(trace, (known = trace.ops.some((o) => o.num_passes > 1)));
  return known;
}

/** An overlay menu entry that only some captures have: scores given from Python ('custom'),
 *  bytes kept for backward ('saved', with lens(..., memory=True)). Added once. */
function menuOption(toolbar: HTMLElement, value: string, name: string, select: boolean): void {
  const overlay = toolbar.querySelector<HTMLSelectElement>('.lenslab-overlay');
  if (!overlay || overlay.querySelector(`option[value="${value}"]`)) return;
  const option = html('option', '', overlay, `colour: ${name}`);
  option.value = value;
  if (select) overlay.value = value;
}

/** Visible nodes holding an op whose output lens(intervene=) replaced. */
function intervenedNodes(trace: Trace, h: Hierarchy, graph: VisibleGraph): Set<string> {
  const ops = new Set(trace.graph.intervened ?? []);
  const out = new Set<string>();
  if (!ops.size) return out;
  for (const [id, members] of opsPerNode(h, graph)) if (members.some((o) => ops.has(o))) out.add(id);
  return out;
}
