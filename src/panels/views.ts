// Which views fit a tensor and what to ask the kernel for them, DOM-free.
import type { SliceParams, Stats, TensorKind, TilesParams } from '../protocol/messages.ts';

export type ViewKind = 'heatmap' | 'channels' | 'rgb' | 'line' | 'histogram';

export const VIEW_NAMES: Record<ViewKind, string> = {
  heatmap: 'heatmap',
  channels: 'channels',
  rgb: 'RGB',
  line: 'line',
  histogram: 'histogram',
};

/** The views that make sense for a shape, the most useful first. */
export function viewsFor(shape: readonly number[]): ViewKind[] {
  const views: ViewKind[] = [];
  const n = shape.length;
  const numel = shape.reduce((a, b) => a * b, 1);
  if (numel === 0) return ['histogram'];
  if (n >= 2) views.push('heatmap');
  if (n >= 3 && (shape[n - 3] ?? 0) > 1) views.push('channels');
  if (n >= 3 && shape[n - 3] === 3) views.push('rgb');
  if (n === 1 || (n >= 2 && (shape[n - 1] ?? 0) > 1)) views.push('line');
  views.push('histogram');
  return views;
}

/** Where a view looks: the two (or one) shown axes and a position on every other axis. */
export interface SliceSpec {
  readonly axes: readonly number[];
  readonly index: readonly number[];
}

/** The last two axes (the last one for a line), position 0 elsewhere (Treescope's default). */
export function defaultSlice(shape: readonly number[], view: ViewKind): SliceSpec {
  const n = shape.length;
  const index = shape.map(() => 0);
  if (view === 'line' || n < 2) return { axes: [Math.max(0, n - 1)], index };
  if (view === 'channels' || view === 'rgb') return { axes: [n - 3, n - 2, n - 1], index };
  return { axes: [n - 2, n - 1], index };
}

/** The axes that get a slider: every axis not shown. */
export function sliderAxes(shape: readonly number[], spec: SliceSpec): number[] {
  return shape.map((_, d) => d).filter((d) => !spec.axes.includes(d));
}

export function withIndex(spec: SliceSpec, axis: number, position: number): SliceSpec {
  const index = spec.index.slice();
  index[axis] = position;
  return { ...spec, index };
}

/** Swaps which axes are shown (a 2-D view of other dims), keeping the positions. */
export function withAxes(spec: SliceSpec, axes: readonly number[]): SliceSpec {
  return { ...spec, axes: axes.slice() };
}

export function sliceParams(layer: string, tensor: TensorKind, spec: SliceSpec, limit: readonly number[]): SliceParams {
  return { layer, tensor, axes: spec.axes.slice(), index: spec.index.slice(), limit: limit.slice() };
}

/** Up to `maxTiles` channels, each at most `tile` pixels a side, within 512×512 in all. */
export function tilesParams(layer: string, tensor: TensorKind, spec: SliceSpec, shape: readonly number[], maxTiles: number, tile: number): TilesParams {
  const [c = 0, y = 0, x = 0] = spec.axes;
  const count = Math.max(1, Math.min(maxTiles, shape[c] ?? 1));
  const side = Math.max(1, Math.min(tile, Math.floor(Math.sqrt((512 * 512) / count))));
  return {
    layer, tensor, axes: [c, y, x], index: spec.index.slice(), start: 0, count,
    limit: [Math.min(side, shape[y] ?? 1), Math.min(side, shape[x] ?? 1)],
  };
}

export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined) return '\u2014';
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}

/** "float32 2×8×20×30 · mean 0.012 ± 0.56 · [-1.93, 2.28] · 3 zeros · 1 NaN". */
export function statsSummary(s: Stats): string {
  const parts = [`${s.dtype} ${s.shape.length ? s.shape.join('\u00d7') : 'scalar'}`];
  parts.push(`mean ${formatNumber(s.mean)} \u00b1 ${formatNumber(s.std)}`);
  parts.push(`[${formatNumber(s.min)}, ${formatNumber(s.max)}]`);
  if (s.zeros) parts.push(`${s.zeros} zeros`);
  if (s.nan) parts.push(`${s.nan} NaN`);
  if (s.inf) parts.push(`${s.inf} Inf`);
  return parts.join(' \u00b7 ');
}
