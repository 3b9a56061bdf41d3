// Colour scales for tensor views, DOM-free. Signed data gets the diverging map (blue < 0 < red,
// white at zero, symmetric so equal colours mean equal magnitudes); non-negative data (ReLU,
// softmax, probabilities) a sequential map from 0 to its maximum, so a probability is never
// drawn as if it were a signed deviation. NaN and ±Inf keep their marker colours.
import { NAN_RGB, NEG_INF_RGB, POS_INF_RGB, paintDiverging } from './colormap.ts';
import type { Rgb } from './colormap.ts';

export type ScaleKind = 'diverging' | 'sequential';

export interface ColorScale {
  readonly kind: ScaleKind;
  /** The values the two ends of the colour bar stand for. */
  readonly lo: number;
  readonly hi: number;
}

/** Chooses the map from the value range: sequential when nothing is below zero. */
export function chooseScale(min: number | null, max: number | null): ColorScale {
  const lo = min !== null && Number.isFinite(min) ? min : 0;
  const hi = max !== null && Number.isFinite(max) ? max : 0;
  if (lo >= 0) return { kind: 'sequential', lo: 0, hi: hi > 0 ? hi : 1 };
  const m = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
  return { kind: 'diverging', lo: -m, hi: m };
}

/** The range of finite values of an array (null when there is none). */
export function rangeOf(values: ArrayLike<number>): { min: number | null; max: number | null } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? Number.NaN;
    if (Number.isFinite(v)) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return min <= max ? { min, max } : { min: null, max: null };
}

// Viridis, sampled at 9 points (dark purple → yellow): perceptually even, readable in greyscale.
const VIRIDIS: readonly Rgb[] = [
  [68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141], [39, 173, 129],
  [92, 200, 99], [170, 220, 50], [253, 231, 37],
];

const SEQ_TABLE: Uint8Array = (() => {
  const out = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const x = (i / 255) * (VIRIDIS.length - 1);
    const k = Math.min(VIRIDIS.length - 2, Math.floor(x));
    const a = VIRIDIS[k] ?? [0, 0, 0];
    const b = VIRIDIS[k + 1] ?? a;
    for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.round((a[c] ?? 0) + ((b[c] ?? 0) - (a[c] ?? 0)) * (x - k));
  }
  return out;
})();

/** The sequential colour of `v` on [lo, hi]. */
export function sequentialColor(v: number, lo: number, hi: number): Rgb {
  if (Number.isNaN(v)) return NAN_RGB;
  if (v === Infinity) return POS_INF_RGB;
  if (v === -Infinity) return NEG_INF_RGB;
  const t = hi > lo ? Math.max(0, Math.min(1, (v - lo) / (hi - lo))) : 0;
  const k = Math.round(t * 255) * 3;
  return [SEQ_TABLE[k] ?? 0, SEQ_TABLE[k + 1] ?? 0, SEQ_TABLE[k + 2] ?? 0];
}

/** RGBA pixels of `values` on `scale` into `out` (length ≥ 4 × values). */
export function paintScale(values: ArrayLike<number>, scale: ColorScale, out: Uint8ClampedArray): void {
  if (scale.kind === 'diverging') {
    paintDiverging(values, scale.hi, out);
    return;
  }
  for (let i = 0; i < values.length; i++) {
    const [r, g, b] = sequentialColor(values[i] ?? 0, scale.lo, scale.hi);
    const o = i * 4;
    out[o] = r;
    out[o + 1] = g;
    out[o + 2] = b;
    out[o + 3] = 255;
  }
}

/** Evenly spaced tick values for a colour bar, ends included, zero included when in range. */
export function ticks(scale: ColorScale, count = 5): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(scale.lo + ((scale.hi - scale.lo) * i) / (count - 1));
  return out;
}
