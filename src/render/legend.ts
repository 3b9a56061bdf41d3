// The legend: what the node colours and shapes mean, or, with an overlay on, the colour scale.
import type { CustomOverlay, Metric } from '../model/view-state.ts';
import type { ColorScale } from '../graph/overlay.ts';
import { METRIC_NAMES, formatMetric, rampColor } from '../graph/overlay.ts';
import type { VisibleGraph } from '../graph/visible.ts';
import { html } from './svg.ts';

/** Legend keys, in order; only those present in the drawn graph are listed. */
export const LEGEND_KEYS: readonly (readonly [LegendKey, string])[] = [
  ['input', 'input'],
  ['output', 'output'],
  ['params', 'has parameters'],
  ['plain', 'op'],
  ['bool', 'terminal bool'],
  ['buffer', 'buffer'],
  ['dashed', 'internally generated'],
  ['module', 'closed module'],
  ['function', 'function group'],
  ['failed', 'the call that raised'],
];

export type LegendKey = 'input' | 'output' | 'params' | 'plain' | 'bool' | 'buffer' | 'dashed' | 'module' | 'function' | 'failed';

/** Which legend keys a drawn graph needs. */
const keysOf = new WeakMap<VisibleGraph, Set<LegendKey>>();

/** The legend rows a drawn graph needs (computed once per graph: every redraw asks). */
export function legendKeys(graph: VisibleGraph): Set<LegendKey> {
  const known = keysOf.get(graph);
  if (known) return known;
  const keys = new Set<LegendKey>();
  keysOf.set(graph, keys);
  for (const n of graph.nodes) {
    keys.add(n.role !== 'module' ? n.role : n.kind === 'function' ? 'function' : 'module');
    if (n.dashed) keys.add('dashed');
  }
  return keys;
}

/** A compact, one-line legend (it wraps when the widget is narrow). */
export function renderLegend(
  el: HTMLElement, overlay: Metric, scale: ColorScale | null, present?: ReadonlySet<LegendKey>, custom?: CustomOverlay | null,
): void {
  el.replaceChildren();
  if (overlay !== 'none' && scale) {
    const title = overlay === 'custom' && custom ? custom.name : METRIC_NAMES[overlay];
    html('span', 'lenslab-legend-title', el, title + (scale.log ? ' (log scale)' : ''));
    const shown = overlay === 'custom' && custom?.format === 'size' ? 'size' : overlay;
    html('span', 'lenslab-legend-end', el, scale.max > 0 ? formatMetric(shown, scale.min) : '\u2014');
    const bar = html('span', 'lenslab-legend-ramp', el);
    bar.style.background = `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map(rampColor).join(', ')})`;
    html('span', 'lenslab-legend-end', el, scale.max !== scale.min || scale.max > 0 ? formatMetric(shown, scale.max) : 'no data');
    return;
  }
  for (const [key, text] of LEGEND_KEYS) {
    if (present && !present.has(key)) continue;
    const row = html('span', 'lenslab-legend-row', el);
    html('span', `lenslab-swatch lenslab-swatch--${key}`, row);
    html('span', '', row, text);
  }
}
