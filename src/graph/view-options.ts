// The initial view asked for from Python (`h.show(...)`, `h.to_svg(...)`): checked and
// converted there (lenslab/export/view_options.py); here turned into a ViewState. The widget
// and the headless renderer both start from this function, so they draw the same view.
import type { Trace } from '../model/trace.ts';
import { initialViewState, withExpanded, withOverlay, withRolled, withShowBuffers } from '../model/view-state.ts';
import type { CustomOverlay, Metric, ViewState } from '../model/view-state.ts';
import { defaultDepth, expandedForDepth, fullDepth } from './depth.ts';
import type { Hierarchy } from './hierarchy.ts';

/** As sent by Python; every field optional. Other helpers' options (stats, fold) ride along. */
export interface ViewOptions {
  depth?: unknown;
  rolled?: unknown;
  buffers?: unknown;
  collapsed?: unknown;
  expanded?: unknown;
  focus?: unknown;
  overlay?: unknown;
  direction?: unknown;
  [other: string]: unknown;
}

const METRICS: readonly Metric[] = ['none', 'time', 'size', 'saved', 'params', 'flops', 'grad', 'flow'];

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** Every enclosing address of `address` ("a.b.c" → "a", "a.b"), outermost first. */
function ancestors(address: string): string[] {
  const parts = address.split('.');
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('.'));
}

/** The rolled flag is read first: `hierarchyOf(rolled)` gives the hierarchy for the depth. */
export function initialState(trace: Trace, hierarchyOf: (rolled: boolean) => Hierarchy, options: ViewOptions): ViewState {
  const rolled = options.rolled === true;
  const h = hierarchyOf(rolled);
  const asked = typeof options.depth === 'number' && options.depth >= 1 ? Math.round(options.depth) : null;
  const depth = Math.min(asked ?? defaultDepth(h), fullDepth(h));
  let s = withRolled(initialViewState(expandedForDepth(h, depth), depth), rolled);
  s = withShowBuffers(s, options.buffers === true);
  const focus = typeof options.focus === 'string' && options.focus !== '' ? options.focus : null;
  // Expanded modules open with the modules around them; collapsed ones close (after expanded).
  const open = [...strings(options.expanded), ...(focus ? [focus] : [])];
  s = withExpanded(s, open.flatMap((a) => [...ancestors(a), a]), true);
  s = withExpanded(s, strings(options.collapsed), false);
  // `stats=` (dataset statistics) arrives as scores like `overlay={label: score}`.
  const custom = customOverlay(trace, options.overlay) ?? customOverlay(trace, options['stats']);
  if (custom) s = withOverlay({ ...s, custom }, 'custom');
  else if (typeof options.overlay === 'string' && (METRICS as readonly string[]).includes(options.overlay)) s = withOverlay(s, options.overlay as Metric);
  return { ...s, focus, direction: options.direction === 'LR' ? 'LR' : 'TB' };
}

/** `{name, scores: {label: number}, aggregate, format}` → per-op values; null otherwise. */
function customOverlay(trace: Trace, raw: unknown): CustomOverlay | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const o = raw as Record<string, unknown>;
  const scores = o['scores'];
  if (typeof scores !== 'object' || scores === null) return null;
  const values = new Float64Array(trace.ops.length).fill(Number.NaN);
  for (const [label, v] of Object.entries(scores as Record<string, unknown>)) {
    const at = trace.opByLabel.get(label);
    if (at !== undefined && typeof v === 'number') values[at] = v;
  }
  return {
    name: typeof o['name'] === 'string' ? o['name'] : 'scores',
    values,
    aggregate: o['aggregate'] === 'sum' ? 'sum' : 'max',
    format: o['format'] === 'size' ? 'size' : 'number',
    details: overlayDetails(trace, o['details']),
  };
}

/** `{label: {name: number}}` → rows per op position (what `stats=` sends for the inspector). */
function overlayDetails(trace: Trace, raw: unknown): Map<number, [string, number][]> {
  const out = new Map<number, [string, number][]>();
  if (typeof raw !== 'object' || raw === null) return out;
  for (const [label, row] of Object.entries(raw as Record<string, unknown>)) {
    const at = trace.opByLabel.get(label);
    if (at === undefined || typeof row !== 'object' || row === null) continue;
    const rows = Object.entries(row as Record<string, unknown>).filter((e): e is [string, number] => typeof e[1] === 'number');
    out.set(at, rows);
  }
  return out;
}
