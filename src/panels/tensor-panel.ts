// The tensor view of the selected op, in the inspector: activation/gradient toggle, a summary
// line of the kernel's statistics, and one view (heatmap with sliders, channel grid, RGB, line,
// histogram) whose data is fetched from the kernel when shown. CONTRACT.md attributes live on
// the element with data-lenslab-tensor.
import type { DataClient, DataReply } from '../comm/client.ts';
import { DataError, isCancelled } from '../comm/client.ts';
import type { Stats, TensorKind } from '../protocol/messages.ts';
import { html } from '../render/svg.ts';
import { cellAt, drawHistogram, drawLine, drawRgb, drawTiles } from './draw.ts';
import type { Tiles } from './draw.ts';
import { plotly } from './shared.ts';
import type { SliceSpec, ViewKind } from './views.ts';
import { defaultSlice, formatNumber, sliceParams, sliderAxes, statsSummary, tilesParams, VIEW_NAMES, viewsFor, withAxes, withIndex } from './views.ts';

export interface TensorTarget {
  /** Node id (CONTRACT: data-lenslab-tensor). */
  readonly id: string;
  /** The layer pass whose output is shown. */
  readonly label: string;
  readonly shape: readonly number[];
  /** Rolled view, a layer with several passes: the label of each pass (`label` is one of them). */
  readonly passes?: readonly string[];
}

const MAX_TILES = 64;
const HIST_BINS = 64;

interface Drawn {
  tiles: Tiles;
  spec: SliceSpec;
  step: readonly number[];
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
    this.readout = html('div', 'lenslab-tensor-readout', this.el);
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
    const views = viewsFor(shape);
    if (!views.includes(this.view)) this.view = views[0] ?? 'histogram';
    this.spec = defaultSlice(shape, this.view);
  }

  private setView(view: ViewKind): void {
    this.view = view;
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
    }
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
    this.summary.textContent = statsSummary(s);
  }

  private clearStats(): void {
    for (const k of ['statMean', 'statStd', 'statMin', 'statMax', 'statNan', 'statsFor']) delete this.el.dataset[k];
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
    if (this.view === 'channels' || this.view === 'rgb') {
      const params = tilesParams(layer, tensor, this.spec, this.shape, this.view === 'rgb' ? 3 : MAX_TILES, this.view === 'rgb' ? width : 64);
      const r = await this.client.request('tiles', params, 'view');
      const [count = 1, rows = 1, cols = 1] = r.header?.shape ?? [];
      const tiles: Tiles = { values: r.array ?? new Float32Array(), count, rows, cols };
      const [, sy = 1, sx = 1] = r.result.step;
      return async () => {
        this.showCanvas(tiles, this.view === 'rgb' ? 'rgb' : 'tiles');
        this.drawn = { tiles, spec: this.spec, step: [sy, sx] };
        const more = (this.shape[this.spec.axes[0] ?? 0] ?? 0) - count;
        this.setMessage(more > 0 ? `first ${count} of ${count + more} channels` : '');
      };
    }
    const limit = Math.min(512, Math.round(width * (globalThis.devicePixelRatio || 1)));
    const r = await this.client.request('slice', sliceParams(layer, tensor, this.spec, [limit, limit]), 'view');
    const [rows = 1, cols = 1] = r.header?.shape ?? [];
    const tiles: Tiles = { values: r.array ?? new Float32Array(), count: 1, rows, cols };
    return async () => {
      this.showCanvas(tiles, 'tiles');
      this.drawn = { tiles, spec: this.spec, step: r.result.step };
      const [sy = 1, sx = 1] = r.result.step;
      this.setMessage(sy > 1 || sx > 1 ? `block mean of ${sy}\u00d7${sx} values per pixel` : '');
    };
  }

  private drawWidth(): number {
    return Math.max(120, Math.min(512, (this.el.clientWidth || 280) - 4));
  }

  private showCanvas(tiles: Tiles, mode: 'tiles' | 'rgb'): void {
    this.plotHost.hidden = true;
    this.canvas.hidden = false;
    const absMax = mode === 'rgb' ? 0 : drawTiles(this.canvas, tiles);
    if (mode === 'rgb') drawRgb(this.canvas, tiles);
    const w = this.drawWidth();
    const k = Math.min(w / this.canvas.width, 320 / this.canvas.height);
    this.canvas.style.width = `${Math.max(1, Math.round(this.canvas.width * k))}px`;
    this.canvas.style.height = `${Math.max(1, Math.round(this.canvas.height * k))}px`;
    this.canvas.title = mode === 'rgb' ? 'RGB, stretched over min..max' : `blue < 0 < red, |max| ${formatNumber(absMax)}; NaN magenta, +Inf black, -Inf green`;
  }

  private async drawHistogram(r: DataReply<'histogram'>): Promise<void> {
    const counts = r.array ?? new Float32Array();
    const { lo, hi, nan, inf } = r.result;
    const extra = nan || inf ? ` (not counted: ${nan} NaN, ${inf} Inf)` : '';
    this.setMessage(`${counts.length} bins over [${formatNumber(lo)}, ${formatNumber(hi)}]${extra}`);
    const width = (hi - lo) / Math.max(1, counts.length);
    const x = Array.from(counts, (_, i) => lo + (i + 0.5) * width);
    const done = await this.plot([{ type: 'bar', x, y: Array.from(counts), marker: { color: '#4393c3' } }], 'value', 'count');
    if (!done) drawHistogram(this.showPlotCanvas(), counts, formatNumber(lo), formatNumber(hi), this.drawWidth(), 150);
  }

  private async drawLine(r: DataReply<'slice'>): Promise<void> {
    const values = r.array ?? new Float32Array();
    const step = r.result.step[0] ?? 1;
    const axis = this.spec.axes[0] ?? 0;
    this.setMessage(step > 1 ? `dim ${axis}: block mean of ${step} values per point` : '');
    const x = Array.from(values, (_, i) => i * step);
    const y = Array.from(values, (v) => (Number.isFinite(v) ? v : null));
    const done = await this.plot([{ type: 'scatter', mode: 'lines', x, y, line: { color: '#2166ac', width: 1.2 } }], `dim ${axis}`, 'value');
    if (!done) drawLine(this.showPlotCanvas(), values, this.drawWidth(), 150, `dim ${axis}`);
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
    for (const v of viewsFor(this.shape)) {
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
      html('span', 'lenslab-slider-name', row, `dim ${d}`);
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
        const o = html('option', '', select, `dim ${d} (${n})`);
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
    const cell = cellAt(this.canvas, d.tiles, ev.clientX - r.left, ev.clientY - r.top);
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
    this.el.dataset['state'] = 'error';
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
