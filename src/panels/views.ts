// Which views fit a tensor and what to ask the kernel for them, DOM-free.
import type { SliceParams, Stats, TensorKind, TilesParams } from '../protocol/messages.ts';
import { realAxes } from './axes.ts';

export type ViewKind = 'saliency' | 'attention' | 'bars' | 'heatmap' | 'channels' | 'rgb' | 'line' | 'histogram';

export const VIEW_NAMES: Record<ViewKind, string> = {
  saliency: 'saliency',
  attention: 'attention',
  bars: 'bars',
  heatmap: 'heatmap',
  channels: 'channels',
  rgb: 'RGB',
  line: 'line',
  histogram: 'histogram',
};

/** An image batch: N×C×H×W (or C×H×W) with 1 or 3 channels and real height and width. */
export function isImage(shape: readonly number[]): boolean {
  const n = shape.length;
  if (n !== 3 && n !== 4) return false;
  const c = shape[n - 3] ?? 0;
  return (c === 1 || c === 3) && (shape[n - 2] ?? 0) > 1 && (shape[n - 1] ?? 0) > 1;
}

/** Vectors up to this long are drawn as bars (logits, class scores), longer ones as a line. */
export const MAX_BARS = 64;

/**
 * The views that make sense for a shape, the most useful first. Axes of size 1 do not count
 * (a 1×10 logit row is a vector; 17×1×64 is a 17×64 matrix). `attention`: the tensor is
 * softmax-over-keys weights, shown as one query×key map per head.
 */
export function viewsFor(shape: readonly number[], attention = false, image = false): ViewKind[] {
  const views: ViewKind[] = [];
  const numel = shape.reduce((a, b) => a * b, 1);
  if (numel === 0) return ['histogram'];
  const real = realAxes(shape);
  const r = real.length;
  if (image && isImage(shape)) views.push('saliency');
  if (attention && r >= 3) views.push('attention');
  if (r === 1 && numel <= MAX_BARS) views.push('bars');
  // Feature maps open as a grid of numbered channels: what a class compares first.
  if (r >= 3) views.push('channels');
  if (r >= 2) views.push('heatmap');
  if (r >= 3 && shape[real[r - 3] ?? -1] === 3) views.push('rgb');
  if (r >= 1) views.push('line');
  views.push('histogram');
  return views;
}

/** Where a view looks: the two (or one) shown axes and a position on every other axis. */
export interface SliceSpec {
  readonly axes: readonly number[];
  readonly index: readonly number[];
}

/**
 * The last two axes longer than 1 (the last one for a line or bars, the last three for tiles),
 * position 0 elsewhere; never a size-1 axis while a longer one is left.
 */
export function defaultSlice(shape: readonly number[], view: ViewKind): SliceSpec {
  const n = shape.length;
  const index = shape.map(() => 0);
  const real = realAxes(shape);
  // Pad with the last axes when fewer than needed are longer than 1.
  const pick = (k: number): number[] => {
    const axes = real.slice(-k);
    for (let d = n - 1; axes.length < k && d >= 0; d--) if (!axes.includes(d)) axes.unshift(d);
    return axes.sort((a, b) => a - b);
  };
  if (view === 'line' || view === 'bars' || n < 2) return { axes: n === 0 ? [0] : pick(1), index };
  if (view === 'saliency') return { axes: [n - 3, n - 2, n - 1], index };
  if (view === 'channels' || view === 'rgb' || view === 'attention') return { axes: n >= 3 ? pick(3) : pick(2), index };
  return { axes: pick(2), index };
}

/** The axes that get a slider: every axis not shown that is longer than 1. */
export function sliderAxes(shape: readonly number[], spec: SliceSpec): number[] {
  return shape.map((_, d) => d).filter((d) => !spec.axes.includes(d) && (shape[d] ?? 0) > 1);
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
