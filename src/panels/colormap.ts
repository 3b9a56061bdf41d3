// Colours for tensor values, DOM-free. Diverging around zero (blue < 0 < red, white at 0),
// scaled by the largest magnitude so that equal colours mean equal values on either side;
// NaN magenta and ±Inf black/green, so bad values stand out from any finite value.

export type Rgb = readonly [number, number, number];

export const NAN_RGB: Rgb = [255, 0, 255];
export const POS_INF_RGB: Rgb = [0, 0, 0];
export const NEG_INF_RGB: Rgb = [0, 160, 0];

// RdBu (ColorBrewer), from -1 to +1.
const STOPS: readonly Rgb[] = [
  [5, 48, 97], [33, 102, 172], [67, 147, 195], [146, 197, 222], [209, 229, 240], [247, 247, 247],
  [253, 219, 199], [244, 165, 130], [214, 96, 77], [178, 24, 43], [103, 0, 31],
];

/** 255 entries × RGB for t in [-1, 1]: entry i is t = i / 127 - 1 (entry 127: exactly zero). */
const TABLE: Uint8Array = (() => {
  const out = new Uint8Array(255 * 3);
  for (let i = 0; i < 255; i++) {
    const x = (i / 254) * (STOPS.length - 1);
    const k = Math.min(STOPS.length - 2, Math.floor(x));
    const a = STOPS[k] ?? [0, 0, 0];
    const b = STOPS[k + 1] ?? a;
    for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.round((a[c] ?? 0) + ((b[c] ?? 0) - (a[c] ?? 0)) * (x - k));
  }
  return out;
})();

/** The colour of value `v` on a scale symmetric around zero up to `absMax`. */
export function divergingColor(v: number, absMax: number): Rgb {
  if (Number.isNaN(v)) return NAN_RGB;
  if (v === Infinity) return POS_INF_RGB;
  if (v === -Infinity) return NEG_INF_RGB;
  const t = absMax > 0 ? Math.max(-1, Math.min(1, v / absMax)) : 0;
  const i = Math.round((t + 1) * 127);
  return [TABLE[i * 3] ?? 0, TABLE[i * 3 + 1] ?? 0, TABLE[i * 3 + 2] ?? 0];
}

/** Largest finite magnitude (0 when there is none). */
export function absMaxOf(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const v = Math.abs(values[i] ?? 0);
    if (v > m && v !== Infinity) m = v;
  }
  return m;
}

/** RGBA pixels of a row-major [h, w] array into `out` (length ≥ h·w·4). */
export function paintDiverging(values: ArrayLike<number>, absMax: number, out: Uint8ClampedArray): void {
  const scale = absMax > 0 ? 127 / absMax : 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? 0;
    let r: number, g: number, b: number;
    if (v !== v) [r, g, b] = NAN_RGB;
    else if (v === Infinity) [r, g, b] = POS_INF_RGB;
    else if (v === -Infinity) [r, g, b] = NEG_INF_RGB;
    else {
      const k = Math.max(0, Math.min(254, Math.round(v * scale + 127))) * 3;
      r = TABLE[k] ?? 0;
      g = TABLE[k + 1] ?? 0;
      b = TABLE[k + 2] ?? 0;
    }
    const o = i * 4;
    out[o] = r;
    out[o + 1] = g;
    out[o + 2] = b;
    out[o + 3] = 255;
  }
}

/** RGB image from three [h, w] planes, each stretched over the common min..max. */
export function paintRgb(planes: readonly ArrayLike<number>[], out: Uint8ClampedArray): void {
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of planes) {
    for (let i = 0; i < p.length; i++) {
      const v = p[i] ?? 0;
      if (Number.isFinite(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
  }
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  const n = planes[0]?.length ?? 0;
  for (let i = 0; i < n; i++) {
    const o = i * 4;
    let bad = false;
    for (let c = 0; c < 3; c++) {
      const v = planes[c]?.[i] ?? 0;
      if (!Number.isFinite(v)) bad = true;
      out[o + c] = (v - lo) * scale;
    }
    if (bad) [out[o], out[o + 1], out[o + 2]] = NAN_RGB;
    out[o + 3] = 255;
  }
}
