// The toolbar: fit, expand/collapse all, rolled toggle, depth -/+ and search. It reports
// actions; the view decides what they do and calls updateToolbar with the result.
import { html } from './svg.ts';
import type { Metric } from '../model/view-state.ts';
import { KEY_HELP } from '../model/keys.ts';

export type ToolbarAction =
  | { kind: 'fit' }
  | { kind: 'outline' }
  | { kind: 'expand-all' }
  | { kind: 'collapse-all' }
  | { kind: 'rolled'; rolled: boolean }
  | { kind: 'depth'; delta: number }
  | { kind: 'search'; query: string }
  | { kind: 'step'; delta: number }
  | { kind: 'overlay'; metric: Metric }
  | { kind: 'export'; format: 'svg' | 'png' };

export interface ToolbarInfo {
  readonly rolled: boolean;
  readonly depth: number;
  readonly maxDepth: number;
  readonly hasLoops: boolean;
  /** "3/17" while stepping, "17" before, "0" for none; "" with no query. */
  readonly matches: string;
  readonly overlay: Metric;
}

export function createToolbar(onAction: (a: ToolbarAction) => void): HTMLElement {
  const bar = html('div', 'lenslab-toolbar');
  bar.setAttribute('role', 'toolbar');
  const button = (label: string, title: string, action: () => ToolbarAction, name: string): HTMLButtonElement => {
    const b = html('button', 'lenslab-button', bar, label);
    b.type = 'button';
    b.title = title;
    b.dataset['action'] = name;
    b.addEventListener('click', () => onAction(action()));
    return b;
  };
  const outline = button('Modules', 'Show or hide the module tree', () => ({ kind: 'outline' }), 'outline');
  outline.setAttribute('aria-pressed', 'true');
  button('Fit', 'Fit the graph to the view (f)', () => ({ kind: 'fit' }), 'fit');
  button('Expand all', 'Open every module', () => ({ kind: 'expand-all' }), 'expand-all');
  button('Collapse all', 'Close every module', () => ({ kind: 'collapse-all' }), 'collapse-all');
  const rolled = button('Rolled', 'One node per layer (merge recurrent passes)', () => ({
    kind: 'rolled',
    rolled: rolled.getAttribute('aria-pressed') !== 'true',
  }), 'rolled');
  const depth = html('span', 'lenslab-depth', bar);
  html('span', 'lenslab-depth-label', depth, 'depth');
  const minus = html('button', 'lenslab-button', depth, '\u2212');
  minus.type = 'button';
  minus.title = 'Close the deepest open level';
  minus.dataset['action'] = 'depth-minus';
  minus.addEventListener('click', () => onAction({ kind: 'depth', delta: -1 }));
  html('span', 'lenslab-depth-value', depth);
  const plus = html('button', 'lenslab-button', depth, '+');
  plus.type = 'button';
  plus.title = 'Open one more level';
  plus.dataset['action'] = 'depth-plus';
  plus.addEventListener('click', () => onAction({ kind: 'depth', delta: 1 }));
  const search = html('input', 'lenslab-search', bar);
  search.type = 'search';
  search.placeholder = 'search';
  search.setAttribute('aria-label', 'Search nodes');
  search.title = 'Label, op type, @module or shape (1x64x56x56). Enter: next, Shift+Enter: previous';
  search.addEventListener('input', () => onAction({ kind: 'search', query: search.value }));
  const count = html('span', 'lenslab-search-count', bar);
  count.setAttribute('aria-live', 'polite');
  button('‹', 'Previous match (Shift+Enter)', () => ({ kind: 'step', delta: -1 }), 'prev-match');
  button('›', 'Next match (Enter)', () => ({ kind: 'step', delta: 1 }), 'next-match');
  const overlay = html('select', 'lenslab-overlay', bar);
  overlay.title = 'Colour nodes by kind, op time, output size, parameter count or FLOPs';
  overlay.setAttribute('aria-label', 'Colour nodes by');
  for (const [value, text] of [['none', 'colour: kind'], ['time', 'colour: time'], ['size', 'colour: size'], ['params', 'colour: params'], ['flops', 'colour: FLOPs']] as const) {
    const o = html('option', '', overlay, text);
    o.value = value;
  }
  overlay.addEventListener('change', () => onAction({ kind: 'overlay', metric: overlay.value as Metric }));
  button('SVG', 'Download the current view as SVG', () => ({ kind: 'export', format: 'svg' }), 'export-svg');
  button('PNG', 'Download the current view as PNG', () => ({ kind: 'export', format: 'png' }), 'export-png');
  const help = html('span', 'lenslab-help', bar, '?');
  help.title = `Keys: ${KEY_HELP}`;
  help.setAttribute('aria-label', `Keyboard shortcuts: ${KEY_HELP}`);
  return bar;
}

export function updateToolbar(bar: HTMLElement, info: ToolbarInfo): void {
  const rolled = bar.querySelector<HTMLButtonElement>('[data-action="rolled"]');
  if (rolled) {
    rolled.setAttribute('aria-pressed', String(info.rolled));
    rolled.classList.toggle('lenslab-button--quiet', !info.hasLoops);
  }
  const value = bar.querySelector('.lenslab-depth-value');
  if (value) value.textContent = `${Math.min(info.depth, info.maxDepth)}/${info.maxDepth}`;
  const minus = bar.querySelector<HTMLButtonElement>('[data-action="depth-minus"]');
  if (minus) minus.disabled = info.depth <= 1;
  const plus = bar.querySelector<HTMLButtonElement>('[data-action="depth-plus"]');
  if (plus) plus.disabled = info.depth >= info.maxDepth;
  const count = bar.querySelector('.lenslab-search-count');
  if (count) count.textContent = info.matches;
  for (const name of ['prev-match', 'next-match']) {
    const b = bar.querySelector<HTMLButtonElement>(`[data-action="${name}"]`);
    if (!b) continue;
    b.disabled = info.matches === '' || info.matches === '0';
    b.hidden = info.matches === ''; // only while searching
  }
  const overlay = bar.querySelector<HTMLSelectElement>('.lenslab-overlay');
  if (overlay && overlay.value !== info.overlay) overlay.value = info.overlay;
}
