// Canvas drawing of tensor views: heatmaps (one, or a grid of channels), RGB images, and the
// fallback line and histogram plots used when plotly.js is not on the page.
import { absMaxOf, paintDiverging, paintRgb } from './colormap.ts';

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

/** Draws tiles with one diverging scale; returns the scale's |max|. */
export function drawTiles(canvas: HTMLCanvasElement, t: Tiles): number {
  const { across, width, height } = gridLayout(t.count, t.rows, t.cols);
  canvas.width = Math.max(1, width);
  canvas.height = Math.max(1, height);
  const ctx = canvas.getContext('2d');
  const absMax = absMaxOf(t.values);
  if (!ctx) return absMax;
  const gap = t.count > 1 ? 1 : 0;
  const image = ctx.createImageData(t.cols, t.rows);
  const n = t.rows * t.cols;
  for (let k = 0; k < t.count; k++) {
    paintDiverging(t.values.subarray(k * n, (k + 1) * n), absMax, image.data);
    ctx.putImageData(image, (k % across) * (t.cols + gap), Math.floor(k / across) * (t.rows + gap));
  }
  return absMax;
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
export function cellAt(canvas: HTMLCanvasElement, t: Tiles, x: number, y: number): { tile: number; row: number; col: number } | null {
  const r = canvas.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) return null;
  const px = Math.floor((x / r.width) * canvas.width);
  const py = Math.floor((y / r.height) * canvas.height);
  const { across } = gridLayout(t.count, t.rows, t.cols);
  const gap = t.count > 1 ? 1 : 0;
  const tx = Math.floor(px / (t.cols + gap));
  const ty = Math.floor(py / (t.rows + gap));
  const col = px - tx * (t.cols + gap);
  const row = py - ty * (t.rows + gap);
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
