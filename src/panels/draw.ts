// Canvas drawing of tensor views: heatmaps (one, or a grid of channels), RGB images, and the
// fallback line and histogram plots used when plotly.js is not on the page.
import { paintRgb } from './colormap.ts';
import { paintScale } from './scales.ts';
import type { ColorScale } from './scales.ts';

/** A grid of `count` tiles of rows×cols values (count 1: a plain heatmap). */
export interface Tiles {
  readonly values: Float32Array;
  readonly count: number;
  readonly rows: number;
  readonly cols: number;
}

/** Where tile t sits in the grid image (1-pixel gaps). */
export function gridLayout(count: number, rows: number, cols: number): { across: number; width: number; height: number } {
  const across = count <= 1 ? 1 : Math.ceil(Math.sqrt(count * (rows / Math.max(1, cols))));
  const down = Math.ceil(count / across);
  const gap = count > 1 ? 1 : 0;
  return { across, width: across * (cols + gap) - gap, height: down * (rows + gap) - gap };
}

/** Gaps between tiles: mid grey, so neither zero (white) nor a dark value merges with them. */
const GAP_COLOR = '#8c8c8c';

/** Integer upscaling so a small grid is drawn big enough to label (pixels stay crisp). */
export function tileZoom(width: number, height: number, target = 480): number {
  return Math.max(1, Math.min(16, Math.floor(target / Math.max(1, width, height))));
}

/** Where tiles sit on the drawn canvas: `zoom` pixels per value, thin gaps that do not grow with it. */
export function tileGeometry(t: Tiles, zoom: number): { across: number; gap: number; width: number; height: number } {
  const { across } = gridLayout(t.count, t.rows, t.cols);
  const down = Math.ceil(t.count / across);
  const gap = t.count > 1 ? Math.max(1, Math.round(zoom / 4)) : 0;
  return { across, gap, width: across * (t.cols * zoom + gap) - gap, height: down * (t.rows * zoom + gap) - gap };
}

/**
 * Draws tiles on one colour scale, `zoom` canvas pixels per value; with `labels` each tile gets
 * its number (channel or head) in its corner when the tiles are big enough to carry it.
 */
export function drawTiles(canvas: HTMLCanvasElement, t: Tiles, scale: ColorScale, zoom = 1, labels?: readonly string[]): void {
  const { across, gap, width, height } = tileGeometry(t, zoom);
  canvas.width = Math.max(1, width);
  canvas.height = Math.max(1, height);
  const ctx = canvas.getContext('2d');
  const tile = document.createElement('canvas');
  tile.width = Math.max(1, t.cols);
  tile.height = Math.max(1, t.rows);
  const tctx = tile.getContext('2d');
  if (!ctx || !tctx) return;
  ctx.fillStyle = GAP_COLOR;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.imageSmoothingEnabled = false;
  const image = tctx.createImageData(t.cols, t.rows);
  const n = t.rows * t.cols;
  const at = (k: number): [number, number] => [(k % across) * (t.cols * zoom + gap), Math.floor(k / across) * (t.rows * zoom + gap)];
  for (let k = 0; k < t.count; k++) {
    paintScale(t.values.subarray(k * n, (k + 1) * n), scale, image.data);
    tctx.putImageData(image, 0, 0);
    const [x, y] = at(k);
    ctx.drawImage(tile, x, y, t.cols * zoom, t.rows * zoom);
  }
  if (!labels || t.count <= 1 || t.cols * zoom < 18 || t.rows * zoom < 14) return;
  // Small against the tile: the label marks the tile without hiding its values.
  const size = Math.max(8, Math.min(12, Math.floor((t.rows * zoom) / 7)));
  ctx.font = `${size}px sans-serif`;
  ctx.textBaseline = 'top';
  for (let k = 0; k < t.count; k++) {
    const [x, y] = at(k);
    const text = labels[k] ?? String(k);
    const w = ctx.measureText(text).width + 4;
    ctx.fillStyle = 'rgba(0,0,0,0.6)';
    ctx.fillRect(x, y, w, size + 3);
    ctx.fillStyle = '#fff';
    ctx.fillText(text, x + 2, y + 2);
  }
}

export function drawRgb(canvas: HTMLCanvasElement, t: Tiles): void {
  canvas.width = t.cols;
  canvas.height = t.rows;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const n = t.rows * t.cols;
  const image = ctx.createImageData(t.cols, t.rows);
  paintRgb([0, 1, 2].map((c) => t.values.subarray(c * n, (c + 1) * n)), image.data);
  ctx.putImageData(image, 0, 0);
}

/** Which tile and cell a point (in CSS pixels of the drawn canvas) falls on. */
export function cellAt(canvas: HTMLCanvasElement, t: Tiles, x: number, y: number, zoom = 1): { tile: number; row: number; col: number } | null {
  const r = canvas.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) return null;
  const px = (x / r.width) * canvas.width;
  const py = (y / r.height) * canvas.height;
  const { across, gap } = tileGeometry(t, zoom);
  const tx = Math.floor(px / (t.cols * zoom + gap));
  const ty = Math.floor(py / (t.rows * zoom + gap));
  const col = Math.floor((px - tx * (t.cols * zoom + gap)) / zoom);
  const row = Math.floor((py - ty * (t.rows * zoom + gap)) / zoom);
  const tile = ty * across + tx;
  if (col >= t.cols || row >= t.rows || tile >= t.count || col < 0 || row < 0) return null;
  return { tile, row, col };
}

function plotFrame(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D | null {
  const dpr = globalThis.devicePixelRatio || 1;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d');
  ctx?.scale(dpr, dpr);
  return ctx;
}

function axisLabels(ctx: CanvasRenderingContext2D, width: number, height: number, left: string, right: string, top: string): void {
  const style = getComputedStyle(ctx.canvas);
  ctx.fillStyle = style.color || '#555';
  ctx.font = '10px sans-serif';
  ctx.textBaseline = 'alphabetic';
  ctx.textAlign = 'left';
  ctx.fillText(left, 2, height - 2);
  ctx.textAlign = 'right';
  ctx.fillText(right, width - 2, height - 2);
  ctx.fillText(top, width - 2, 10);
}

/** Bars of `counts` over [lo, hi]. */
export function drawHistogram(canvas: HTMLCanvasElement, counts: Float32Array, lo: string, hi: string, width: number, height: number): void {
  const ctx = plotFrame(canvas, width, height);
  if (!ctx) return;
  const top = Math.max(1, ...counts);
  const plotH = height - 14;
  const bw = width / Math.max(1, counts.length);
  ctx.fillStyle = '#4393c3';
  counts.forEach((c, i) => {
    const h = (c / top) * (plotH - 12);
    ctx.fillRect(i * bw, plotH - h, Math.max(1, bw - 1), h);
  });
  axisLabels(ctx, width, height, lo, hi, `max ${top}`);
}

/** A polyline of `values` (NaN breaks the line and is marked below it). */
export function drawLine(canvas: HTMLCanvasElement, values: Float32Array, width: number, height: number, label: string): void {
  const ctx = plotFrame(canvas, width, height);
  if (!ctx) return;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  if (!(hi >= lo)) [lo, hi] = [0, 1];
  if (hi === lo) [lo, hi] = [lo - 1, hi + 1];
  const plotH = height - 14;
  const y = (v: number): number => 6 + (1 - (v - lo) / (hi - lo)) * (plotH - 12);
  const x = (i: number): number => (values.length <= 1 ? width / 2 : (i / (values.length - 1)) * (width - 4) + 2);
  if (lo < 0 && hi > 0) {
    ctx.strokeStyle = '#bbb';
    ctx.beginPath();
    ctx.moveTo(0, y(0));
    ctx.lineTo(width, y(0));
    ctx.stroke();
  }
  ctx.strokeStyle = '#2166ac';
  ctx.lineWidth = 1.2;
  ctx.beginPath();
  let pen = false;
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) {
      pen = false;
      ctx.fillStyle = '#f0f';
      ctx.fillRect(x(i) - 1, plotH - 4, 2, 4);
      return;
    }
    if (pen) ctx.lineTo(x(i), y(v));
    else ctx.moveTo(x(i), y(v));
    pen = true;
  });
  ctx.stroke();
  axisLabels(ctx, width, height, label, `${values.length} points`, `[${lo.toPrecision(3)}, ${hi.toPrecision(3)}]`);
}

/** Bars of a short vector with its index under each bar; the largest value (argmax) marked. */
export function drawBars(canvas: HTMLCanvasElement, values: Float32Array, names: readonly string[], width: number, height: number): number {
  const ctx = plotFrame(canvas, width, height);
  let arg = -1;
  values.forEach((v, i) => {
    if (Number.isFinite(v) && (arg < 0 || v > (values[arg] ?? -Infinity))) arg = i;
  });
  if (!ctx) return arg;
  let lo = 0;
  let hi = 0;
  for (const v of values) if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  if (hi === lo) hi = lo + 1;
  const top = 16;
  const bottom = height - 16;
  const y = (v: number): number => top + ((hi - v) / (hi - lo)) * (bottom - top);
  const bw = width / Math.max(1, values.length);
  const color = getComputedStyle(canvas).color || '#444';
  ctx.font = '10px sans-serif';
  ctx.textAlign = 'center';
  values.forEach((v, i) => {
    const x = i * bw;
    if (Number.isFinite(v)) {
      ctx.fillStyle = i === arg ? '#d6604d' : '#4393c3';
      const a = y(Math.max(0, v));
      const b = y(Math.min(0, v));
      ctx.fillRect(x + 1, a, Math.max(1, bw - 2), Math.max(1, b - a));
    }
    if (bw >= 12 || i % Math.ceil(12 / bw) === 0) {
      ctx.fillStyle = color;
      ctx.fillText(names[i] ?? String(i), x + bw / 2, height - 4);
    }
  });
  ctx.strokeStyle = '#999';
  ctx.beginPath();
  ctx.moveTo(0, y(0));
  ctx.lineTo(width, y(0));
  ctx.stroke();
  if (arg >= 0) {
    ctx.fillStyle = color;
    ctx.textAlign = arg * bw > width / 2 ? 'right' : 'left';
    const v = values[arg] ?? 0;
    ctx.fillText(`argmax ${arg}: ${Number(v.toPrecision(3))}`, arg * bw > width / 2 ? arg * bw + bw : arg * bw, 11);
  }
  return arg;
}

/**
 * The input image in grey (channels averaged, stretched over min..max) with the gradient's
 * magnitude (largest over channels) laid over it in red: saliency. `grad` null: the image alone.
 */
export function drawSaliency(canvas: HTMLCanvasElement, image: Tiles, grad: Tiles | null): void {
  canvas.width = image.cols;
  canvas.height = image.rows;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const n = image.rows * image.cols;
  const grey = new Float32Array(n);
  for (let c = 0; c < image.count; c++) for (let i = 0; i < n; i++) grey[i]! += (image.values[c * n + i] ?? 0) / image.count;
  const mag = new Float32Array(n);
  if (grad) for (let c = 0; c < grad.count; c++) for (let i = 0; i < n; i++) mag[i] = Math.max(mag[i]!, Math.abs(grad.values[c * n + i] ?? 0));
  const range = (a: Float32Array): [number, number] => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of a) if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    return lo <= hi ? [lo, hi] : [0, 1];
  };
  const [glo, ghi] = range(grey);
  const [, mhi] = range(mag);
  const out = ctx.createImageData(image.cols, image.rows);
  for (let i = 0; i < n; i++) {
    const g = ghi > glo ? (((grey[i] ?? 0) - glo) / (ghi - glo)) * 255 : 128;
    const a = mhi > 0 ? ((mag[i] ?? 0) / mhi) ** 0.7 * 0.85 : 0;
    out.data[i * 4] = g * (1 - a) + 255 * a;
    out.data[i * 4 + 1] = g * (1 - a) + 40 * a;
    out.data[i * 4 + 2] = g * (1 - a) + 20 * a;
    out.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(out, 0, 0);
}
