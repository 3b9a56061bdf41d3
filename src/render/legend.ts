// The legend: what the node colours and shapes mean, or, with an overlay on, the colour scale.
import type { Metric } from '../model/view-state.ts';
import type { ColorScale } from '../graph/overlay.ts';
import { METRIC_NAMES, formatMetric, rampColor } from '../graph/overlay.ts';
import { html } from './svg.ts';

const ROLES: readonly (readonly [string, string])[] = [
  ['input', 'input'],
  ['output', 'output'],
  ['params', 'has parameters'],
  ['bool', 'terminal bool'],
  ['dashed', 'internally generated'],
  ['module', 'closed module'],
];

export function renderLegend(el: HTMLElement, overlay: Metric, scale: ColorScale | null): void {
  el.replaceChildren();
  if (overlay !== 'none' && scale) {
    html('div', 'lenslab-legend-title', el, METRIC_NAMES[overlay] + (scale.log ? ' (log scale)' : ''));
    const bar = html('div', 'lenslab-legend-ramp', el);
    bar.style.background = `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map(rampColor).join(', ')})`;
    const ends = html('div', 'lenslab-legend-ends', el);
    html('span', '', ends, scale.max > 0 ? formatMetric(overlay, scale.min) : '\u2014');
    html('span', '', ends, scale.max > 0 ? formatMetric(overlay, scale.max) : 'no data');
    return;
  }
  for (const [role, text] of ROLES) {
    const row = html('div', 'lenslab-legend-row', el);
    html('span', `lenslab-swatch lenslab-swatch--${role}`, row);
    html('span', '', row, text);
  }
}
