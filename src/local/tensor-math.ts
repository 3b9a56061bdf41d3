// What the kernel computes for the data views (python_pkg/lenslab/widget/data/tensors.py), done
// in the page over an array the page already holds: a downsampled preview embedded in a
// standalone HTML file, or a tensor read from a .lens bundle. DOM-free.
import type { TensorStats } from '../protocol/messages.ts';

export interface LocalTensor {
  /** Shape of the captured tensor. */
  readonly shape: readonly number[];
  readonly dtype: string;
  /** Row-major values, of shape ceil(shape / step) per dim (NaN for non-finite). */
  readonly data: Float32Array;
  /** Block size per dim of the preview (all 1: the full tensor). */
  readonly step: readonly number[];
}

export const previewShape = (t: LocalTensor): number[] => t.shape.map((n, d) => Math.ceil(n / (t.step[d] ?? 1)));

/** Statistics over finite values (two passes); exact when the array is the whole tensor. */
export function statsOf(values: Float32Array): TensorStats {
  let sum = 0;
  let finite = 0;
  let zeros = 0;
  let nan = 0;
  let inf = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (Number.isNaN(v)) nan++;
    else if (!Number.isFinite(v)) inf++;
    else {
      finite++;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
      if (v === 0) zeros++;
    }
  }
  if (finite === 0) return { numel: values.length, mean: null, std: null, min: null, max: null, zeros, nan, inf };
  const mean = sum / finite;
  let squares = 0;
  for (const v of values) if (Number.isFinite(v)) squares += (v - mean) * (v - mean);
  const std = finite > 1 ? Math.sqrt(squares / (finite - 1)) : null;
  return { numel: values.length, mean, std, min, max, zeros, nan, inf };
}

export interface LocalHistogram {
  counts: Float32Array;
  lo: number;
  hi: number;
  nan: number;
  inf: number;
}

export function histogramOf(values: Float32Array, bins: number): LocalHistogram {
  const s = statsOf(values);
  const counts = new Float32Array(bins);
  if (s.min === null || s.max === null) return { counts, lo: 0, hi: 0, nan: s.nan, inf: s.inf };
  const lo = s.min;
  const top = s.max > lo ? s.max : lo + 1;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    counts[Math.min(bins - 1, Math.floor(((v - lo) / (top - lo)) * bins))]! += 1;
  }
  return { counts, lo, hi: s.max, nan: s.nan, inf: s.inf };
}

export interface LocalSlice {
  values: Float32Array;
  shape: number[];
  /** Size along the requested axes in the captured tensor. */
  sourceShape: number[];
  /** Block size per axis relative to the captured tensor. */
  step: number[];
}

/**
 * Sub-array along `axes` (in that order) with the other dims fixed at `index` (positions in the
 * captured tensor, mapped into the preview), then block-mean downsampled to at most `limit`.
 */
export function sliceOf(t: LocalTensor, axes: readonly number[], index: readonly number[], limit: readonly number[], first = 0, count = Infinity): LocalSlice {
  const pshape = previewShape(t);
  const strides = pshape.map((_, d) => pshape.slice(d + 1).reduce((a, b) => a * b, 1));
  let base = 0;
  pshape.forEach((_, d) => {
    if (!axes.includes(d)) base += Math.min(pshape[d]! - 1, Math.floor((index[d] ?? 0) / (t.step[d] ?? 1))) * strides[d]!;
  });
  const sizes = axes.map((a) => pshape[a]!);
  // Tiles (3 axes): a range of positions along the first axis, in captured-tensor units.
  if (axes.length === 3) {
    const s0 = t.step[axes[0]!] ?? 1;
    const from = Math.floor(first / s0);
    const to = Math.min(sizes[0]!, Math.ceil(Math.min(t.shape[axes[0]!]!, first + count) / s0));
    base += from * strides[axes[0]!]!;
    sizes[0] = Math.max(1, to - from);
  }
  const out = axes.map((_, k) => (axes.length === 3 && k === 0 ? sizes[0]! : Math.min(sizes[k]!, limit[axes.length === 3 ? k - 1 : k] ?? sizes[k]!)));
  const factor = sizes.map((n, k) => Math.max(1, Math.ceil(n / out[k]!)));
  const shape = sizes.map((n, k) => Math.ceil(n / factor[k]!));
  const total = shape.reduce((a, b) => a * b, 1);
  const sum = new Float64Array(total);
  const cnt = new Float64Array(total);
  const pos = new Array<number>(axes.length).fill(0);
  const n = sizes.reduce((a, b) => a * b, 1);
  for (let i = 0; i < n; i++) {
    let offset = base;
    let cell = 0;
    for (let k = 0; k < axes.length; k++) {
      offset += pos[k]! * strides[axes[k]!]!;
      cell = cell * shape[k]! + Math.floor(pos[k]! / factor[k]!);
    }
    sum[cell]! += t.data[offset] ?? Number.NaN;
    cnt[cell]! += 1;
    for (let k = axes.length - 1; k >= 0; k--) {
      pos[k]! += 1;
      if (pos[k]! < sizes[k]!) break;
      pos[k] = 0;
    }
  }
  const values = new Float32Array(total);
  for (let i = 0; i < total; i++) values[i] = sum[i]! / Math.max(1, cnt[i]!);
  const sourceShape = axes.map((a, k) => (axes.length === 3 && k === 0 ? Math.min(count, t.shape[a]! - first) : t.shape[a]!));
  const step = axes.map((a, k) => (axes.length === 3 && k === 0 ? 1 : factor[k]! * (t.step[a] ?? 1)));
  return { values, shape, sourceShape, step };
}
