// The tensor view of the selected op, in the inspector: activation/gradient toggle, a summary
// line of the kernel's statistics, and one view (heatmap with sliders, channel grid, RGB, line,
// histogram) whose data is fetched from the kernel when shown. CONTRACT.md attributes live on
// the element with data-lenslab-tensor. This file keeps the state and the request cycle; the
// views' requests and drawing are in tensor-fetch.ts, where they draw in tensor-surface.ts, and
// their buttons, sliders and axis pickers in tensor-controls.ts.
import type { DataClient } from '../comm/client.ts';
import { DataError, isCancelled } from '../comm/client.ts';
import type { Stats, TensorKind } from '../protocol/messages.ts';
import { html } from '../dom.ts';
import { axisNames, isAttention, parseAxisNames } from './axes.ts';
import { renderControls } from './tensor-controls.ts';
import { fetchView } from './tensor-fetch.ts';
import type { Draw } from './tensor-fetch.ts';
import { TensorSurface } from './tensor-surface.ts';
import type { SliceSpec, ViewKind } from './views.ts';
import { defaultSlice, statsSummary, viewsFor } from './views.ts';

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

export class TensorPanel {
  readonly el: HTMLElement;
  private readonly toggle: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly tabs: HTMLElement;
  private readonly controls: HTMLElement;
  private readonly surface: TensorSurface;
  private readonly status: HTMLElement;
  private readonly axesEdit: HTMLInputElement;
  /** Axis names per layer label, as edited (else guessed from the op). */
  private readonly edited = new Map<string, string[]>();
  private names: string[] = [];
  private views: ViewKind[] = [];
  private picked: ViewKind | null = null;
  private target: TensorTarget | null = null;
  private shape: readonly number[] = [];
  private kind: TensorKind = 'activation';
  private view: ViewKind = 'heatmap';
  private spec: SliceSpec = { axes: [], index: [] };
  private generation = 0;
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
    this.surface = new TensorSurface(this.el);
    const axesRow = html('label', 'lenslab-tensor-axes', this.el, 'axes ');
    this.axesEdit = html('input', 'lenslab-tensor-axes-input', axesRow);
    this.axesEdit.type = 'text';
    this.axesEdit.title = 'Axis names, comma-separated (edit to rename)';
    this.axesEdit.setAttribute('data-axes-edit', '');
    this.axesEdit.addEventListener('change', () => this.renameAxes(this.axesEdit.value));
    this.axesEdit.addEventListener('keydown', (ev) => ev.stopPropagation());
    this.status = html('div', 'lenslab-tensor-status', this.el);
    this.status.setAttribute('aria-live', 'polite');
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
    this.surface.clear();
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
    this.surface.range = { min: s.min, max: s.max };
    this.summary.textContent = statsSummary(s);
  }

  private clearStats(): void {
    for (const k of ['statMean', 'statStd', 'statMin', 'statMax', 'statNan', 'statsFor']) delete this.el.dataset[k];
    this.surface.range = null;
    this.summary.textContent = '';
  }

  /** Requests the data of the current view; resolves to the function that draws it. */
  private fetchView(layer: string): Promise<Draw> {
    return fetchView({
      client: this.client, layer, kind: this.kind, view: this.view, spec: this.spec, shape: this.shape, names: this.names,
      surface: this.surface, el: this.el, say: (text) => this.setMessage(text),
    });
  }

  private renderControls(): void {
    const state = { views: this.views, view: this.view, shape: this.shape, spec: this.spec, names: this.names };
    renderControls(this.tabs, this.controls, state, {
      view: (v) => this.setView(v),
      slice: (change) => {
        this.spec = change(this.spec);
        void this.load(false);
      },
    });
  }

  private fail(err: unknown): void {
    if (err instanceof DataError && err.code === 'no_kernel') {
      this.noKernel(`no kernel connected: ${err.message}`);
      return;
    }
    this.el.dataset['state'] = 'error';
    this.surface.clear();
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
