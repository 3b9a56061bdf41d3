// The tensor view of the selected op, in the inspector: activation/gradient toggle, a summary
// line of the kernel's statistics, and one view (heatmap with sliders, channel grid, RGB, line,
// histogram) whose data is fetched from the kernel when shown. CONTRACT.md attributes live on
// the element with data-lenslab-tensor.
import type { DataClient, DataReply } from '../comm/client.ts';
import { DataError, isCancelled } from '../comm/client.ts';
import type { Stats, TensorKind } from '../protocol/messages.ts';
import { html } from '../dom.ts';
import { axisNames, isAttention, parseAxisNames } from './axes.ts';
import { ColorBar } from './colorbar.ts';
import { cellAt, drawBars, drawHistogram, drawLine, drawRgb, drawSaliency, drawTiles, gridLayout, tileZoom } from './draw.ts';
import type { Tiles } from './draw.ts';
import { chooseScale, rangeOf } from './scales.ts';
import type { ColorScale } from './scales.ts';
import { plotly } from './shared.ts';
import type { SliceSpec, ViewKind } from './views.ts';
import { defaultSlice, formatNumber, MAX_BARS, sliceParams, sliderAxes, statsSummary, tilesParams, VIEW_NAMES, viewsFor, withAxes, withIndex } from './views.ts';

export interface TensorTarget {
  /** Node id (CONTRACT: data-lenslab-tensor). */
  readonly id: string;
  /** The layer pass whose output is shown. */
  readonly label: string;
  readonly shape: readonly number[];
  /** Rolled view, a layer with several passes: the label of each pass (`label` is one of them). */
  readonly passes?: readonly string[];
  /** With `passes`: which of them `label` is (1-based). */
  readonly pass?: number;
  /** The op's callable and its module's class: they name the axes (N, C, H, W; heads, …). */
  readonly func?: string;
  readonly moduleType?: string;
}

/** Without any reply for this long, the view says the kernel is not answering (no endless wait). */
const NO_REPLY_MS = 15000;

const MAX_TILES = 64;
const HIST_BINS = 64;

interface Drawn {
  tiles: Tiles;
  spec: SliceSpec;
  step: readonly number[];
  zoom: number;
}

export class TensorPanel {
  readonly el: HTMLElement;
  private readonly toggle: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly tabs: HTMLElement;
  private readonly controls: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly plotHost: HTMLElement;
  private readonly readout: HTMLElement;
  private readonly status: HTMLElement;
  private readonly colorbar: ColorBar;
  private readonly axesEdit: HTMLInputElement;
  /** Axis names per layer label, as edited (else guessed from the op). */
  private readonly edited = new Map<string, string[]>();
  private names: string[] = [];
  private views: ViewKind[] = [];
  private picked: ViewKind | null = null;
  private range: { min: number | null; max: number | null } | null = null;
  private target: TensorTarget | null = null;
  private shape: readonly number[] = [];
  private kind: TensorKind = 'activation';
  private view: ViewKind = 'heatmap';
  private spec: SliceSpec = { axes: [], index: [] };
  private generation = 0;
  private drawn: Drawn | null = null;
  private busy = false;
  private readonly offStatus: () => void;

  constructor(private readonly client: DataClient) {
    this.el = html('section', 'lenslab-tensor');
    this.el.setAttribute('aria-label', 'Tensor view');
    this.toggle = html('div', 'lenslab-tensor-toggle', this.el);
    for (const kind of ['activation', 'gradient'] as const) {
      const b = html('button', 'lenslab-button', this.toggle, kind);
      b.type = 'button';
      b.dataset['tensorKind'] = kind;
      b.addEventListener('click', () => this.setKind(kind));
    }
    this.summary = html('div', 'lenslab-tensor-summary', this.el);
    this.tabs = html('div', 'lenslab-tensor-tabs', this.el);
    this.controls = html('div', 'lenslab-tensor-controls', this.el);
    this.canvas = html('canvas', 'lenslab-tensor-canvas', this.el);
    this.plotHost = html('div', 'lenslab-tensor-plot', this.el);
    this.colorbar = new ColorBar(this.el);
    this.readout = html('div', 'lenslab-tensor-readout', this.el);
    const axesRow = html('label', 'lenslab-tensor-axes', this.el, 'axes ');
    this.axesEdit = html('input', 'lenslab-tensor-axes-input', axesRow);
    this.axesEdit.type = 'text';
    this.axesEdit.title = 'Axis names, comma-separated (edit to rename)';
    this.axesEdit.setAttribute('data-axes-edit', '');
    this.axesEdit.addEventListener('change', () => this.renameAxes(this.axesEdit.value));
    this.axesEdit.addEventListener('keydown', (ev) => ev.stopPropagation());
    this.status = html('div', 'lenslab-tensor-status', this.el);
    this.status.setAttribute('aria-live', 'polite');
    this.canvas.addEventListener('pointermove', (ev) => this.onHover(ev));
    this.canvas.addEventListener('pointerleave', () => (this.readout.textContent = ''));
    this.offStatus = client.onStatus((s) => {
      this.busy = s === 'busy';
      this.showBusy();
    });
  }

  dispose(): void {
    this.offStatus();
  }

  get currentKind(): TensorKind {
    return this.kind;
  }

  /** The view shown ('saliency' reads the gradient too). */
  get currentView(): ViewKind {
    return this.view;
  }

  /** Shows `target` (null: nothing selected); keeps the view kind when it still fits. */
  show(target: TensorTarget | null): void {
    const same = target?.label === this.target?.label && target?.id === this.target?.id;
    this.target = target;
    this.el.hidden = target === null;
    if (!target) {
      this.generation++;
      return;
    }
    if (!same) this.reshape(target.shape);
    if (!this.client.connected) {
      this.noKernel('no kernel connected: tensor values come from the running kernel (run the notebook to see them)');
      return;
    }
    void this.load(true);
  }

  setKind(kind: TensorKind): void {
    if (kind === this.kind) return;
    this.kind = kind;
    void this.load(true);
  }

  /** New data in the kernel (gradients arrived): redraw what is shown. */
  refresh(): void {
    if (this.target) void this.load(true);
  }

  private reshape(shape: readonly number[]): void {
    this.shape = shape;
    const t = this.target;
    const hint = { func: t?.func ?? '', moduleType: t?.moduleType ?? '' };
    this.names = (t && this.edited.get(t.label)) ?? axisNames(shape, hint);
    if (this.names.length !== shape.length) this.names = axisNames(shape, hint);
    this.axesEdit.value = this.names.join(', ');
    this.axesEdit.size = Math.max(8, this.axesEdit.value.length + 1);
    const views = viewsFor(shape, isAttention(shape, hint), t?.func === 'input');
    this.views = views;
    // The view the user picked while it fits, else the most telling one (a channel grid for
    // feature maps, bars for logits, the attention maps for attention weights).
    this.view = this.picked && views.includes(this.picked) ? this.picked : (views[0] ?? 'histogram');
    this.spec = defaultSlice(shape, this.view);
  }

  private renameAxes(text: string): void {
    this.names = parseAxisNames(text, this.shape.length);
    if (this.target) this.edited.set(this.target.label, this.names);
    this.axesEdit.value = this.names.join(', ');
    this.renderControls();
    this.markAxes();
  }

  private markAxes(): void {
    const shown = this.view === 'histogram' ? [] : this.spec.axes;
    this.el.dataset['axes'] = shown.map((d) => this.names[d] ?? `d${d}`).join(',');
  }

  /** The scale of the whole tensor (kernel statistics), else of the drawn values. */
  private scaleFor(values: ArrayLike<number>): ColorScale {
    const r = this.range ?? rangeOf(values);
    return chooseScale(r.min, r.max);
  }

  private setView(view: ViewKind): void {
    this.view = view;
    this.picked = view;
    this.spec = defaultSlice(this.shape, view);
    void this.load(false);
  }

  private async load(withStats: boolean): Promise<void> {
    const target = this.target;
    if (!target) return;
    const gen = ++this.generation;
    const started = performance.now();
    const el = this.el;
    el.dataset['lenslabTensor'] = target.id;
    el.dataset['kind'] = this.kind;
    el.dataset['state'] = 'loading';
    this.markAxes();
    const silent = globalThis.setTimeout(() => {
      if (gen === this.generation && el.dataset['state'] === 'loading') {
        this.noKernel('no reply from the kernel: is it running? Re-run the cell that shows this widget');
      }
    }, NO_REPLY_MS);
    for (const b of this.toggle.querySelectorAll<HTMLButtonElement>('button')) {
      b.setAttribute('aria-pressed', String(b.dataset['tensorKind'] === this.kind));
    }
    this.renderControls();
    this.setMessage('');
    try {
      const statsReply = withStats || !this.hasStats() ? this.client.request('stats', { layer: target.label, tensor: this.kind }, 'stats') : null;
      const viewReply = this.fetchView(target.label);
      viewReply.catch(() => undefined); // its error is reported below, once
      if (statsReply) {
        const stats = (await statsReply).result;
        if (gen !== this.generation) return;
        this.applyStats(stats);
        if (stats.shape.join() !== this.shape.join()) {
          // A postfunc changed the saved shape: plan the views again from the real one.
          this.reshape(stats.shape);
          this.renderControls();
          return this.load(false);
        }
      }
      const draw = await viewReply;
      if (gen !== this.generation) return;
      await draw();
      if (gen !== this.generation) return;
      el.dataset['state'] = 'ready';
      el.dataset['drawMs'] = (performance.now() - started).toFixed(1);
      try {
        performance.measure('lenslab:tensor-view', { start: started, end: performance.now() });
      } catch {
        // timing is optional
      }
    } catch (err) {
      if (isCancelled(err) || gen !== this.generation) return;
      this.fail(err);
    } finally {
      globalThis.clearTimeout(silent);
    }
  }

  /** No kernel answers (nbconvert, a kept view, a closed kernel): say so, never wait forever. */
  private noKernel(text: string): void {
    this.el.dataset['state'] = 'no-kernel';
    this.el.dataset['lenslabTensor'] = this.target?.id ?? '';
    this.el.dataset['kind'] = this.kind;
    this.canvas.hidden = true;
    this.plotHost.hidden = true;
    this.colorbar.show(null);
    this.drawn = null;
    this.busy = false;
    this.setMessage(text, true);
  }

  private hasStats(): boolean {
    return this.el.dataset['statMean'] !== undefined && this.el.dataset['statsFor'] === `${this.target?.label}|${this.kind}`;
  }

  private applyStats(s: Stats): void {
    const d = this.el.dataset;
    d['statMean'] = s.mean === null ? 'NaN' : String(s.mean);
    d['statStd'] = s.std === null ? 'NaN' : String(s.std);
    d['statMin'] = s.min === null ? 'NaN' : String(s.min);
    d['statMax'] = s.max === null ? 'NaN' : String(s.max);
    d['statNan'] = String(s.nan);
    d['statsFor'] = `${this.target?.label}|${this.kind}`;
    this.range = { min: s.min, max: s.max };
    this.summary.textContent = statsSummary(s);
  }

  private clearStats(): void {
    for (const k of ['statMean', 'statStd', 'statMin', 'statMax', 'statNan', 'statsFor']) delete this.el.dataset[k];
    this.range = null;
    this.summary.textContent = '';
  }

  /** Requests the data of the current view; resolves to the function that draws it. */
  private async fetchView(layer: string): Promise<() => Promise<void>> {
    const tensor = this.kind;
    const width = this.drawWidth();
    if (this.view === 'histogram') {
      const r = await this.client.request('histogram', { layer, tensor, bins: HIST_BINS }, 'view');
      return () => this.drawHistogram(r);
    }
    if (this.view === 'line') {
      const r = await this.client.request('slice', sliceParams(layer, tensor, this.spec, [1024]), 'view');
      return () => this.drawLine(r);
    }
    if (this.view === 'saliency') {
      const params = tilesParams(layer, 'activation', this.spec, this.shape, 3, width);
      const image = await this.client.request('tiles', params, 'view');
      const grad = await this.client.request('tiles', { ...params, tensor: 'gradient' }, 'view-grad').catch((err: unknown) => {
        if (err instanceof DataError && err.code !== 'no_kernel') return err;
        throw err;
      });
      const tilesOf = (r: typeof image): Tiles => {
        const [count = 1, rows = 1, cols = 1] = r.header?.shape ?? [];
        return { values: r.array ?? new Float32Array(), count, rows, cols };
      };
      return async () => {
        this.plotHost.hidden = true;
        this.canvas.hidden = false;
        this.colorbar.show(null);
        this.drawn = null;
        const g = grad instanceof DataError ? null : tilesOf(grad);
        drawSaliency(this.canvas, tilesOf(image), g);
        const k = Math.min(this.drawWidth() / this.canvas.width, 360 / this.canvas.height);
        this.canvas.style.width = `${Math.round(this.canvas.width * k)}px`;
        this.canvas.style.height = `${Math.round(this.canvas.height * k)}px`;
        this.el.dataset['saliency'] = String(g !== null);
        this.setMessage(g ? 'the input in grey; red where the gradient is largest (what the output depends on)' : `saliency needs the input's gradient: ${grad instanceof DataError ? grad.message : ''}`);
      };
    }
    if (this.view === 'bars') {
      const r = await this.client.request('slice', sliceParams(layer, tensor, this.spec, [MAX_BARS]), 'view');
      return async () => {
        const values = r.array ?? new Float32Array();
        const canvas = this.showPlotCanvas();
        this.colorbar.show(null);
        const arg = drawBars(canvas, values, Array.from(values, (_, i) => String(i)), this.drawWidth(), 170);
        this.el.dataset['argmax'] = String(arg);
        const axis = this.names[this.spec.axes[0] ?? 0] ?? 'index';
        this.setMessage(arg >= 0 ? `${values.length} values along ${axis}; largest at index ${arg} (${formatNumber(values[arg])})` : '');
      };
    }
    if (this.view === 'channels' || this.view === 'rgb' || this.view === 'attention') {
      const rgb = this.view === 'rgb';
      const params = tilesParams(layer, tensor, this.spec, this.shape, rgb ? 3 : MAX_TILES, rgb ? width : 64);
      const r = await this.client.request('tiles', params, 'view');
      const [count = 1, rows = 1, cols = 1] = r.header?.shape ?? [];
      const tiles: Tiles = { values: r.array ?? new Float32Array(), count, rows, cols };
      const [, sy = 1, sx = 1] = r.result.step;
      const prefix = this.view === 'attention' ? 'head ' : '';
      return async () => {
        const zoom = this.showCanvas(tiles, rgb ? 'rgb' : 'tiles', Array.from({ length: count }, (_, k) => `${prefix}${k}`));
        this.drawn = { tiles, spec: this.spec, step: [sy, sx], zoom };
        const axis = this.names[this.spec.axes[0] ?? 0] ?? 'channel';
        const more = (this.shape[this.spec.axes[0] ?? 0] ?? 0) - count;
        const what = this.view === 'attention'
          ? `one ${this.names[this.spec.axes[1] ?? 0]} × ${this.names[this.spec.axes[2] ?? 0]} map for each of the ${axis} (numbered): a row is one query, its colours show where it attends`
          : `one tile for each ${axis} (numbered)`;
        this.setMessage(more > 0 ? `first ${count} of ${count + more} (${axis})` : rgb ? '' : what);
      };
    }
    const limit = Math.min(512, Math.round(width * (globalThis.devicePixelRatio || 1)));
    const r = await this.client.request('slice', sliceParams(layer, tensor, this.spec, [limit, limit]), 'view');
    const [rows = 1, cols = 1] = r.header?.shape ?? [];
    const tiles: Tiles = { values: r.array ?? new Float32Array(), count: 1, rows, cols };
    return async () => {
      const zoom = this.showCanvas(tiles, 'tiles');
      this.drawn = { tiles, spec: this.spec, step: r.result.step, zoom };
      const [sy = 1, sx = 1] = r.result.step;
      this.setMessage(sy > 1 || sx > 1 ? `block mean of ${sy}\u00d7${sx} values per pixel` : '');
    };
  }

  private drawWidth(): number {
    return Math.max(120, Math.min(512, (this.el.clientWidth || 280) - 4));
  }

  /** Draws tiles (or an RGB image); returns the canvas pixels per value. */
  private showCanvas(tiles: Tiles, mode: 'tiles' | 'rgb', labels?: readonly string[]): number {
    this.plotHost.hidden = true;
    this.canvas.hidden = false;
    let zoom = 1;
    if (mode === 'rgb') {
      drawRgb(this.canvas, tiles);
      this.colorbar.show(null);
    } else {
      const scale = this.scaleFor(tiles.values);
      const { gridLayoutWidth, gridLayoutHeight } = gridSize(tiles);
      zoom = tileZoom(gridLayoutWidth, gridLayoutHeight);
      drawTiles(this.canvas, tiles, scale, zoom, labels);
      this.colorbar.show(scale);
    }
    const w = this.drawWidth();
    const k = Math.min(w / this.canvas.width, 360 / this.canvas.height);
    this.canvas.style.width = `${Math.max(1, Math.round(this.canvas.width * k))}px`;
    this.canvas.style.height = `${Math.max(1, Math.round(this.canvas.height * k))}px`;
    this.canvas.title = mode === 'rgb' ? 'RGB, stretched over min..max' : 'hover a cell for its value';
    return zoom;
  }

  private async drawHistogram(r: DataReply<'histogram'>): Promise<void> {
    const counts = r.array ?? new Float32Array();
    const { lo, hi, nan, inf } = r.result;
    const extra = nan || inf ? ` (not counted: ${nan} NaN, ${inf} Inf)` : '';
    this.colorbar.show(null);
    this.setMessage(`${counts.length} bins over [${formatNumber(lo)}, ${formatNumber(hi)}]${extra}`);
    const width = (hi - lo) / Math.max(1, counts.length);
    const x = Array.from(counts, (_, i) => lo + (i + 0.5) * width);
    const done = await this.plot([{ type: 'bar', x, y: Array.from(counts), marker: { color: '#4393c3' } }], 'value', 'count');
    if (!done) drawHistogram(this.showPlotCanvas(), counts, formatNumber(lo), formatNumber(hi), this.drawWidth(), 150);
  }

  private async drawLine(r: DataReply<'slice'>): Promise<void> {
    const values = r.array ?? new Float32Array();
    const step = r.result.step[0] ?? 1;
    const axis = this.names[this.spec.axes[0] ?? 0] ?? 'index';
    this.colorbar.show(null);
    this.setMessage(step > 1 ? `${axis}: block mean of ${step} values per point` : '');
    const x = Array.from(values, (_, i) => i * step);
    const y = Array.from(values, (v) => (Number.isFinite(v) ? v : null));
    const done = await this.plot([{ type: 'scatter', mode: 'lines', x, y, line: { color: '#2166ac', width: 1.2 } }], axis, 'value');
    if (!done) drawLine(this.showPlotCanvas(), values, this.drawWidth(), 150, axis);
  }

  private showPlotCanvas(): HTMLCanvasElement {
    this.plotHost.hidden = true;
    this.canvas.hidden = false;
    this.drawn = null;
    return this.canvas;
  }

  /** Draws with plotly.js when the page has it; false when it does not. */
  private async plot(data: unknown[], xTitle: string, yTitle: string): Promise<boolean> {
    const lib = await plotly();
    if (!lib) return false;
    this.canvas.hidden = true;
    this.plotHost.hidden = false;
    this.drawn = null;
    const layout = {
      width: this.drawWidth(), height: 180, margin: { l: 40, r: 8, t: 8, b: 32 }, bargap: 0.05,
      xaxis: { title: { text: xTitle } }, yaxis: { title: { text: yTitle } },
      paper_bgcolor: 'rgba(0,0,0,0)', plot_bgcolor: 'rgba(0,0,0,0)', font: { size: 10 },
    };
    await lib.react(this.plotHost, data, layout, { displayModeBar: false, responsive: false });
    return true;
  }

  private renderControls(): void {
    this.tabs.replaceChildren();
    for (const v of this.views) {
      const b = html('button', 'lenslab-button lenslab-button--small', this.tabs, VIEW_NAMES[v]);
      b.type = 'button';
      b.dataset['view'] = v;
      b.setAttribute('aria-pressed', String(v === this.view));
      b.addEventListener('click', () => this.setView(v));
    }
    this.controls.replaceChildren();
    if (this.view === 'histogram') return;
    if (this.view === 'heatmap' && this.shape.length > 2) this.axisPickers();
    for (const d of sliderAxes(this.shape, this.spec)) {
      const n = this.shape[d] ?? 1;
      const row = html('label', 'lenslab-slider', this.controls);
      html('span', 'lenslab-slider-name', row, this.names[d] ?? `d${d}`);
      const input = html('input', '', row);
      input.type = 'range';
      input.min = '0';
      input.max = String(Math.max(0, n - 1));
      input.value = String(this.spec.index[d] ?? 0);
      input.disabled = n <= 1;
      input.dataset['axis'] = String(d);
      const value = html('span', 'lenslab-slider-value', row, `${input.value}/${n - 1}`);
      input.addEventListener('input', () => {
        this.spec = withIndex(this.spec, d, Number(input.value));
        value.textContent = `${input.value}/${n - 1}`;
        void this.load(false);
      });
    }
  }

  private axisPickers(): void {
    const row = html('div', 'lenslab-axes', this.controls);
    ['rows', 'cols'].forEach((name, which) => {
      const label = html('label', '', row, `${name} `);
      const select = html('select', '', label);
      select.dataset['axisRole'] = name;
      this.shape.forEach((n, d) => {
        const o = html('option', '', select, `${this.names[d] ?? `d${d}`} (${n})`);
        o.value = String(d);
      });
      select.value = String(this.spec.axes[which] ?? 0);
      select.addEventListener('change', () => {
        const axes = this.spec.axes.slice();
        const chosen = Number(select.value);
        const other = axes[1 - which];
        if (other === chosen) axes[1 - which] = axes[which] ?? 0; // picking the other axis swaps them
        axes[which] = chosen;
        this.spec = withAxes(this.spec, axes);
        void this.load(false);
      });
    });
  }

  private onHover(ev: PointerEvent): void {
    const d = this.drawn;
    if (!d) return;
    const r = this.canvas.getBoundingClientRect();
    const cell = cellAt(this.canvas, d.tiles, ev.clientX - r.left, ev.clientY - r.top, d.zoom);
    if (!cell) {
      this.readout.textContent = '';
      return;
    }
    const n = d.tiles.rows * d.tiles.cols;
    const value = d.tiles.values[cell.tile * n + cell.row * d.tiles.cols + cell.col] ?? Number.NaN;
    const index = d.spec.index.slice();
    const [a, b, c] = d.spec.axes;
    const [sy = 1, sx = 1] = d.step;
    if (d.spec.axes.length === 3 && a !== undefined && b !== undefined && c !== undefined) {
      index[a] = cell.tile;
      index[b] = cell.row * sy;
      index[c] = cell.col * sx;
    } else if (a !== undefined && b !== undefined) {
      index[a] = cell.row * sy;
      index[b] = cell.col * sx;
    }
    const block = sy > 1 || sx > 1 ? ` (mean of ${sy}\u00d7${sx} from here)` : '';
    this.readout.textContent = `[${index.join(', ')}] = ${formatNumber(value)}${block}`;
  }

  private fail(err: unknown): void {
    if (err instanceof DataError && err.code === 'no_kernel') {
      this.noKernel(`no kernel connected: ${err.message}`);
      return;
    }
    this.el.dataset['state'] = 'error';
    this.colorbar.show(null);
    this.canvas.hidden = true;
    this.plotHost.hidden = true;
    this.drawn = null;
    if (err instanceof DataError && (err.code === 'not_saved' || err.code === 'no_grad' || err.code === 'unknown_layer')) this.clearStats();
    this.setMessage(err instanceof DataError ? err.message : `cannot show this tensor: ${String(err)}`, true);
  }

  private message = '';
  private isError = false;

  private setMessage(text: string, error = false): void {
    this.message = text;
    this.isError = error;
    this.showBusy();
  }

  private showBusy(): void {
    const waiting = this.busy && this.el.dataset['state'] === 'loading';
    this.status.textContent = waiting ? 'kernel busy \u2014 waiting (the view appears when the running cell finishes)' : this.message;
    this.status.classList.toggle('lenslab-tensor-status--error', this.isError && !waiting);
    this.el.dataset['busy'] = String(waiting);
  }
}

function gridSize(t: Tiles): { gridLayoutWidth: number; gridLayoutHeight: number } {
  const { width, height } = gridLayout(t.count, t.rows, t.cols);
  return { gridLayoutWidth: width, gridLayoutHeight: height };
}
