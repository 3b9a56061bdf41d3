// The overlay legend drawn into a headless SVG (the widget shows it as HTML below the graph):
// the metric's name, a colour ramp and its two ends.
import type { ColorScale } from '../graph/overlay.ts';
import { METRIC_NAMES, formatMetric, rampColor } from '../graph/overlay.ts';
import type { CustomOverlay, Metric } from '../model/view-state.ts';
import { HeadlessElement } from './dom.ts';

export const LEGEND_HEIGHT = 30;
const RAMP_W = 140;

function el(parent: HeadlessElement, tag: string, attrs: Record<string, string | number>, text?: string): HeadlessElement {
  const e = parent.appendChild(new HeadlessElement(tag));
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** The legend as a detached group (placed by the caller) and its width. */
export function buildLegend(metric: Exclude<Metric, 'none'>, custom: CustomOverlay | null, scale: ColorScale): { el: HeadlessElement; width: number } {
  const shown = metric === 'custom' && custom?.format === 'size' ? 'size' : metric;
  const title = metric === 'custom' && custom ? custom.name : METRIC_NAMES[metric];
  const g = new HeadlessElement('g');
  const gradient = el(el(g, 'defs', {}), 'linearGradient', { id: 'lenslab-ramp' });
  [0, 0.25, 0.5, 0.75, 1].forEach((t) => el(gradient, 'stop', { offset: t, 'stop-color': rampColor(t) }));
  const text = (tx: number, s: string, bold = false): void => {
    el(g, 'text', { x: tx, y: 14, 'font-family': "'DejaVu Sans Mono', monospace", 'font-size': 11, fill: '#1f1f1f', 'font-weight': bold ? 700 : 400 }, s);
  };
  const head = title + (scale.log ? ' (log scale)' : '');
  text(0, head, true);
  let at = head.length * 6.7 + 10;
  const low = scale.max !== scale.min || scale.max > 0 ? formatMetric(shown, scale.min) : '\u2014';
  text(at, low);
  at += low.length * 6.7 + 6;
  el(g, 'rect', { x: at, y: 4, width: RAMP_W, height: 12, fill: 'url(#lenslab-ramp)', stroke: '#bdbdbd' });
  const high = scale.max !== scale.min || scale.max > 0 ? formatMetric(shown, scale.max) : 'no data';
  text(at + RAMP_W + 6, high);
  return { el: g, width: Math.ceil(at + RAMP_W + 6 + high.length * 6.7) };
}
