// The legend of a compare widget: the difference scale with its threshold, and the marks for
// ops that ran in one run only and branches taken differently.
import type { CompareData } from '../model/compare.ts';
import type { DiffScale } from '../graph/diff.ts';
import { diffColor, ONLY_A_COLOR, ONLY_B_COLOR } from '../graph/diff.ts';
import { html } from './svg.ts';

function fmt(v: number): string {
  if (v === 0) return '0';
  return Math.abs(v) >= 1e3 || Math.abs(v) < 1e-3 ? v.toExponential(1) : String(Number(v.toPrecision(3)));
}

export function renderCompareLegend(el: HTMLElement, c: CompareData, scale: DiffScale): void {
  el.replaceChildren();
  el.dataset['threshold'] = String(c.threshold);
  html('span', 'lenslab-legend-title', el, c.title);
  html('span', 'lenslab-legend-end', el, c.kind === 'compare' ? `\u2264 ${fmt(scale.min)} same` : fmt(scale.min));
  const bar = html('span', 'lenslab-legend-ramp', el);
  bar.style.background = `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map(diffColor).join(', ')})`;
  html('span', 'lenslab-legend-end', el, scale.max > scale.min ? fmt(scale.max) : '\u2014');
  if (c.kind !== 'compare') return;
  const only = html('span', 'lenslab-legend-row', el);
  const sw = html('span', 'lenslab-swatch', only);
  sw.style.background = ONLY_A_COLOR;
  html('span', '', only, `only in a (${c.counts['only_a'] ?? 0})`);
  const gap = html('span', 'lenslab-legend-row', el);
  html('span', 'lenslab-swatch lenslab-swatch--only-b', gap).style.background = ONLY_B_COLOR;
  const names = c.onlyB.slice(0, 3).map((o) => o.label).join(', ');
  const more = c.onlyB.length > 3 ? ', \u2026' : '';
  html('span', '', gap, `only in b: ${c.counts['only_b'] ?? 0}${names ? ` (${names}${more})` : ''}`);
  if (c.branches.size) html('span', 'lenslab-legend-row lenslab-legend-branch', el, `\u2260 branch taken differently (${c.branches.size})`);
  if (c.firstDivergence) html('span', 'lenslab-legend-row', el, `first divergence: ${c.firstDivergence}`);
}
