// The controls of a tensor view: a button per view that fits the tensor, the rows/cols axis
// pickers of a heatmap, and a slider for every other axis longer than 1. They only report the
// user's choice; the tensor panel changes its slice and fetches again.
import { html } from '../dom.ts';
import type { SliceSpec, ViewKind } from './views.ts';
import { sliderAxes, VIEW_NAMES, withAxes, withIndex } from './views.ts';

export interface ControlsState {
  readonly views: readonly ViewKind[];
  readonly view: ViewKind;
  readonly shape: readonly number[];
  readonly spec: SliceSpec;
  readonly names: readonly string[];
}

export interface ControlsHooks {
  /** A view button was pressed. */
  view(view: ViewKind): void;
  /** A slider or axis picker changed the slice: `change` maps the current slice to the new one. */
  slice(change: (spec: SliceSpec) => SliceSpec): void;
}

/** Redraws the view buttons into `tabs` and the slice controls into `controls`. */
export function renderControls(tabs: HTMLElement, controls: HTMLElement, s: ControlsState, hooks: ControlsHooks): void {
  tabs.replaceChildren();
  for (const v of s.views) {
    const b = html('button', 'lenslab-button lenslab-button--small', tabs, VIEW_NAMES[v]);
    b.type = 'button';
    b.dataset['view'] = v;
    b.setAttribute('aria-pressed', String(v === s.view));
    b.addEventListener('click', () => hooks.view(v));
  }
  controls.replaceChildren();
  if (s.view === 'histogram') return;
  if (s.view === 'heatmap' && s.shape.length > 2) axisPickers(controls, s, hooks);
  for (const d of sliderAxes(s.shape, s.spec)) slider(controls, s, d, hooks);
}

/** A slider over positions of axis `d` (the position the slice is taken at). */
function slider(controls: HTMLElement, s: ControlsState, d: number, hooks: ControlsHooks): void {
  const n = s.shape[d] ?? 1;
  const row = html('label', 'lenslab-slider', controls);
  html('span', 'lenslab-slider-name', row, s.names[d] ?? `d${d}`);
  const input = html('input', '', row);
  input.type = 'range';
  input.min = '0';
  input.max = String(Math.max(0, n - 1));
  input.value = String(s.spec.index[d] ?? 0);
  input.disabled = n <= 1;
  input.dataset['axis'] = String(d);
  const value = html('span', 'lenslab-slider-value', row, `${input.value}/${n - 1}`);
  input.addEventListener('input', () => {
    value.textContent = `${input.value}/${n - 1}`;
    hooks.slice((spec) => withIndex(spec, d, Number(input.value)));
  });
}

/** Which axes a heatmap shows as rows and columns; picking the other one swaps them. */
function axisPickers(controls: HTMLElement, s: ControlsState, hooks: ControlsHooks): void {
  const row = html('div', 'lenslab-axes', controls);
  ['rows', 'cols'].forEach((name, which) => {
    const label = html('label', '', row, `${name} `);
    const select = html('select', '', label);
    select.dataset['axisRole'] = name;
    s.shape.forEach((n, d) => {
      const o = html('option', '', select, `${s.names[d] ?? `d${d}`} (${n})`);
      o.value = String(d);
    });
    select.value = String(s.spec.axes[which] ?? 0);
    select.addEventListener('change', () => hooks.slice((spec) => pickAxis(spec, which, Number(select.value))));
  });
}

/** The slice with axis `chosen` shown as rows (which 0) or columns (1); the other role gets the
 *  axis it had when `chosen` was already shown there. */
export function pickAxis(spec: SliceSpec, which: number, chosen: number): SliceSpec {
  const axes = spec.axes.slice();
  if (axes[1 - which] === chosen) axes[1 - which] = axes[which] ?? 0;
  axes[which] = chosen;
  return withAxes(spec, axes);
}
