// Each tensor view's data request, and the drawing of its reply: the tensor panel asks for the
// view shown (fetchView) and, once the reply is in and still wanted, calls the draw function it
// got back. Heatmaps and tile grids draw through the surface (colour bar, hover readout); bars,
// saliency and charts draw on their own.
import type { DataClient, DataReply } from '../comm/client.ts';
import { DataError } from '../comm/client.ts';
import type { TensorKind } from '../protocol/messages.ts';
import { drawBars, drawHistogram, drawLine, drawSaliency } from './draw.ts';
import type { Tiles } from './draw.ts';
import type { TensorSurface } from './tensor-surface.ts';
import type { SliceSpec, ViewKind } from './views.ts';
import { formatNumber, MAX_BARS, sliceParams, tilesParams } from './views.ts';

const MAX_TILES = 64;
const HIST_BINS = 64;

/** What a view's request and drawing need from the panel. */
export interface ViewRequest {
  readonly client: DataClient;
  readonly layer: string;
  readonly kind: TensorKind;
  readonly view: ViewKind;
  readonly spec: SliceSpec;
  readonly shape: readonly number[];
  /** Axis names, one per dim ("C", "H", "W"). */
  readonly names: readonly string[];
  readonly surface: TensorSurface;
  /** The panel's element: views set data-saliency / data-argmax on it. */
  readonly el: HTMLElement;
  /** The line under the view (what it shows, or why not). */
  say(text: string): void;
}

export type Draw = () => Promise<void>;

/** Requests the data of `r.view`; resolves to the function that draws it. */
export function fetchView(r: ViewRequest): Promise<Draw> {
  switch (r.view) {
    case 'histogram':
      return fetchHistogram(r);
    case 'line':
      return fetchLine(r);
    case 'saliency':
      return fetchSaliency(r);
    case 'bars':
      return fetchBars(r);
    case 'channels':
    case 'rgb':
    case 'attention':
      return fetchTiles(r);
    default:
      return fetchHeatmap(r);
  }
}

function tilesOf(reply: DataReply<'tiles'>): Tiles {
  const [count = 1, rows = 1, cols = 1] = reply.header?.shape ?? [];
  return { values: reply.array ?? new Float32Array(), count, rows, cols };
}

const axisName = (r: ViewRequest, k: number, fallback: string): string => r.names[r.spec.axes[k] ?? 0] ?? fallback;

async function fetchHistogram(r: ViewRequest): Promise<Draw> {
  const reply = await r.client.request('histogram', { layer: r.layer, tensor: r.kind, bins: HIST_BINS }, 'view');
  return async () => {
    const counts = reply.array ?? new Float32Array();
    const { lo, hi, nan, inf } = reply.result;
    const extra = nan || inf ? ` (not counted: ${nan} NaN, ${inf} Inf)` : '';
    r.surface.colorbar.show(null);
    r.say(`${counts.length} bins over [${formatNumber(lo)}, ${formatNumber(hi)}]${extra}`);
    const width = (hi - lo) / Math.max(1, counts.length);
    const x = Array.from(counts, (_, i) => lo + (i + 0.5) * width);
    const done = await r.surface.plot([{ type: 'bar', x, y: Array.from(counts), marker: { color: '#4393c3' } }], 'value', 'count');
    if (!done) drawHistogram(r.surface.plainCanvas(), counts, formatNumber(lo), formatNumber(hi), r.surface.width(), 150);
  };
}

async function fetchLine(r: ViewRequest): Promise<Draw> {
  const reply = await r.client.request('slice', sliceParams(r.layer, r.kind, r.spec, [1024]), 'view');
  return async () => {
    const values = reply.array ?? new Float32Array();
    const step = reply.result.step[0] ?? 1;
    const axis = axisName(r, 0, 'index');
    r.surface.colorbar.show(null);
    r.say(step > 1 ? `${axis}: block mean of ${step} values per point` : '');
    const x = Array.from(values, (_, i) => i * step);
    const y = Array.from(values, (v) => (Number.isFinite(v) ? v : null));
    const done = await r.surface.plot([{ type: 'scatter', mode: 'lines', x, y, line: { color: '#2166ac', width: 1.2 } }], axis, 'value');
    if (!done) drawLine(r.surface.plainCanvas(), values, r.surface.width(), 150, axis);
  };
}

/** The input image in grey with |gradient| in red; says why when there is no gradient. */
async function fetchSaliency(r: ViewRequest): Promise<Draw> {
  const params = tilesParams(r.layer, 'activation', r.spec, r.shape, 3, r.surface.width());
  const image = await r.client.request('tiles', params, 'view');
  const grad = await r.client.request('tiles', { ...params, tensor: 'gradient' }, 'view-grad').catch((err: unknown) => {
    if (err instanceof DataError && err.code !== 'no_kernel') return err;
    throw err;
  });
  return async () => {
    const g = grad instanceof DataError ? null : tilesOf(grad);
    drawSaliency(r.surface.plainCanvas(), tilesOf(image), g);
    r.surface.fit();
    r.el.dataset['saliency'] = String(g !== null);
    r.say(g ? 'the input in grey; red where the gradient is largest (what the output depends on)' : `saliency needs the input's gradient: ${grad instanceof DataError ? grad.message : ''}`);
  };
}

async function fetchBars(r: ViewRequest): Promise<Draw> {
  const reply = await r.client.request('slice', sliceParams(r.layer, r.kind, r.spec, [MAX_BARS]), 'view');
  return async () => {
    const values = reply.array ?? new Float32Array();
    const arg = drawBars(r.surface.plainCanvas(), values, Array.from(values, (_, i) => String(i)), r.surface.width(), 170);
    r.el.dataset['argmax'] = String(arg);
    r.say(arg >= 0 ? `${values.length} values along ${axisName(r, 0, 'index')}; largest at index ${arg} (${formatNumber(values[arg])})` : '');
  };
}

/** A grid of channel tiles, one RGB image, or one query × key map per head. */
async function fetchTiles(r: ViewRequest): Promise<Draw> {
  const rgb = r.view === 'rgb';
  const params = tilesParams(r.layer, r.kind, r.spec, r.shape, rgb ? 3 : MAX_TILES, rgb ? r.surface.width() : 64);
  const reply = await r.client.request('tiles', params, 'view');
  const tiles = tilesOf(reply);
  const [, sy = 1, sx = 1] = reply.result.step;
  const prefix = r.view === 'attention' ? 'head ' : '';
  return async () => {
    const labels = Array.from({ length: tiles.count }, (_, k) => `${prefix}${k}`);
    r.surface.showTiles(tiles, rgb ? 'rgb' : 'tiles', r.spec, [sy, sx], labels);
    const axis = axisName(r, 0, 'channel');
    const more = (r.shape[r.spec.axes[0] ?? 0] ?? 0) - tiles.count;
    const what = r.view === 'attention'
      ? `one ${axisName(r, 1, '')} \u00d7 ${axisName(r, 2, '')} map for each of the ${axis} (numbered): a row is one query, its colours show where it attends`
      : `one tile for each ${axis} (numbered)`;
    r.say(more > 0 ? `first ${tiles.count} of ${tiles.count + more} (${axis})` : rgb ? '' : what);
  };
}

/** One 2-D slice, block-averaged down to the canvas's pixels. */
async function fetchHeatmap(r: ViewRequest): Promise<Draw> {
  const limit = Math.min(512, Math.round(r.surface.width() * (globalThis.devicePixelRatio || 1)));
  const reply = await r.client.request('slice', sliceParams(r.layer, r.kind, r.spec, [limit, limit]), 'view');
  const [rows = 1, cols = 1] = reply.header?.shape ?? [];
  const tiles: Tiles = { values: reply.array ?? new Float32Array(), count: 1, rows, cols };
  return async () => {
    r.surface.showTiles(tiles, 'tiles', r.spec, reply.result.step);
    const [sy = 1, sx = 1] = reply.result.step;
    r.say(sy > 1 || sx > 1 ? `block mean of ${sy}\u00d7${sx} values per pixel` : '');
  };
}
