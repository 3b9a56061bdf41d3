// Everything of the widget that pulls data from the kernel, composed for LensView: the tensor
// view in the inspector, the layer table (a tab over the graph), and the gradient norms and
// flow ratios that feed the 'grad' and 'flow' overlays. LensView tells it what is selected; it
// never draws the graph.
import type { DataClient } from '../comm/client.ts';
import { isCancelled } from '../comm/client.ts';
import type { Trace } from '../model/trace.ts';
import type { Metric } from '../model/view-state.ts';
import { html } from '../dom.ts';
import { LayerTable } from './layer-table.ts';
import { columnsWithDiff, layerRows, withDiffs } from './table-model.ts';
import type { RowStats } from './table-model.ts';
import { PassPicker } from './pass-picker.ts';
import { PinnedInput } from './pinned-input.ts';
import { TensorPanel } from './tensor-panel.ts';
import type { TensorTarget } from './tensor-panel.ts';
import { SourcePanel } from './source-panel.ts';
import type { SourceTarget } from './source-panel.ts';

export interface DataViewHooks {
  /** Select the node of a layer pass label (from the table). */
  select(label: string): void;
  /** A line of code was clicked in the source panel: select every op it ran. */
  selectLine(file: string, line: number): void;
  /** Something the graph draws changed (gradient norms arrived). */
  redraw(): void;
  /** The pass slider moved: rolled layer node `id` shows pass `pass` (1-based) everywhere. */
  pickPass(id: string, pass: number): void;
}

export type Tab = 'graph' | 'layers';

export class DataViews {
  readonly panel: TensorPanel;
  readonly source: SourcePanel;
  /** The model's input image, pinned over the graph (image inputs only), with saliency. */
  readonly pinned: PinnedInput;
  /** What the inspector shows below the facts: the source panel, the pass picker (rolled
   *  layers with several passes), then the tensor view. */
  readonly extra: HTMLElement;
  private readonly passes: PassPicker;
  private target: TensorTarget | null = null;
  readonly table: LayerTable;
  readonly tabs: HTMLElement;
  /** Per op: L2 norm of its gradient, NaN where none; null until fetched. */
  gradNorms: Float32Array | null = null;
  /** Per op: gradient norm / activation norm, NaN where none; null until the 'flow' overlay is
   *  first shown (the kernel computes it then, not when the view is created). */
  gradFlow: Float32Array | null = null;
  /** The kernel's summary of the last flow reply: passes flagged vanishing / exploding. */
  flowSummary: { vanishing: number; exploding: number; median: number } | null = null;
  /** Node id and label of the tensor shown (a rolled node shows one pass's label). */
  private shown: string | null = null;
  private stats = new Map<number, RowStats>();
  private overlay: Metric = 'none';
  private tab: Tab = 'graph';
  private selectedLabel: string | null = null;
  private trace: Trace | null = null;

  constructor(
    readonly client: DataClient,
    private readonly hooks: DataViewHooks,
  ) {
    this.panel = new TensorPanel(client);
    this.panel.el.hidden = true;
    this.pinned = new PinnedInput(client);
    this.source = new SourcePanel(client, { selectLine: (file, line) => hooks.selectLine(file, line) });
    this.passes = new PassPicker(client, (pass) => this.pickPass(pass), () => this.panel.currentKind);
    this.extra = html('div', 'lenslab-inspector-extra');
    this.extra.append(this.source.el, this.passes.el, this.panel.el);
    this.table = new LayerTable({ select: (label) => hooks.select(label), computeStats: () => this.computeStats() });
    this.table.el.hidden = true;
    // Keep wheel and drags inside the table from panning the graph beneath it.
    for (const type of ['wheel', 'pointerdown', 'pointermove', 'click', 'dblclick']) {
      this.table.el.addEventListener(type, (ev) => ev.stopPropagation());
    }
    this.tabs = html('span', 'lenslab-tabs');
    this.tabs.setAttribute('role', 'tablist');
    for (const tab of ['graph', 'layers'] as const) {
      const b = html('button', 'lenslab-button', this.tabs, tab);
      b.type = 'button';
      b.setAttribute('role', 'tab');
      b.dataset['tab'] = tab;
      b.addEventListener('click', () => this.setTab(tab));
    }
    this.setTab('graph');
  }

  dispose(): void {
    this.panel.dispose();
    this.client.dispose();
  }

  /** Places the tabs first in the toolbar and the table over the graph stage. */
  mount(toolbar: HTMLElement, stage: HTMLElement): void {
    toolbar.prepend(this.tabs);
    stage.append(this.pinned.el, this.table.el);
  }

  setTab(tab: Tab): void {
    this.tab = tab;
    this.table.el.hidden = tab !== 'layers';
    for (const b of this.tabs.querySelectorAll<HTMLButtonElement>('button')) b.setAttribute('aria-selected', String(b.dataset['tab'] === tab));
    if (tab === 'layers') this.table.setSelected(this.selectedLabel);
  }

  get currentTab(): Tab {
    return this.tab;
  }

  /** Compare widgets: a difference column, sortable, and the table sorted by it (largest first). */
  setDiffs(values: ArrayLike<number>): void {
    if (!this.trace) return;
    this.table.setColumns(columnsWithDiff());
    this.table.setRows(withDiffs(layerRows(this.trace), values));
    this.table.sortBy('diff', true);
  }

  setTrace(trace: Trace): void {
    this.trace = trace;
    this.stats.clear();
    this.gradNorms = null;
    this.gradFlow = null;
    this.shown = null;
    this.table.setRows(layerRows(trace));
    this.source.setFrames(trace.graph.frames ?? [], trace.graph.source_text ?? []);
    this.table.setStats((i) => this.stats.get(i));
    this.pinned.setTrace(trace);
  }

  /** The selection changed (or the view was redrawn): show its code and tensor, mark its row.
   *  A rolled layer node's target is the pass the view state picked (`target.pass`). */
  selected(target: TensorTarget | null, code: SourceTarget | null = null): void {
    this.source.show(code);
    this.target = target;
    this.passes.show(target?.passes ?? null, target?.pass ?? 1);
    this.selectedLabel = target?.label ?? null;
    const shown = target ? `${target.id}\n${target.label}` : null;
    if (shown !== this.shown) {
      this.shown = shown;
      this.panel.show(target);
    }
    this.table.setSelected(this.selectedLabel);
  }

  /** The pass slider moved: the view picks that pass of the selected rolled layer, then calls
   *  selected() again with it (facts, code and tensor follow). */
  private pickPass(pass: number): void {
    const target = this.target;
    if (target?.passes?.[pass - 1] !== undefined) this.hooks.pickPass(target.id, pass);
  }

  /** The kernel says gradients changed (a backward pass ran). */
  gradsChanged(version: number): void {
    if (version === this.client.version) return;
    this.client.version = version;
    this.gradNorms = null;
    this.gradFlow = null;
    if (this.panel.currentKind === 'gradient' || this.panel.currentView === 'saliency') this.panel.refresh();
    this.pinned.refresh();
    this.fetchOverlay();
  }

  /** The overlay changed: the gradient overlays fetch their numbers the first time they show. */
  overlayChanged(metric: Metric): void {
    this.overlay = metric;
    this.fetchOverlay();
  }

  private fetchOverlay(): void {
    if (this.overlay === 'grad' && !this.gradNorms) void this.fetchGradNorms();
    if (this.overlay === 'flow' && !this.gradFlow) void this.fetchGradFlow();
  }

  private async fetchGradNorms(): Promise<void> {
    try {
      const r = await this.client.request('grad_norms', {}, 'grad-norms');
      this.gradNorms = r.array;
      this.hooks.redraw();
    } catch (err) {
      if (!isCancelled(err)) this.gradNorms = new Float32Array();
    }
  }

  private async fetchGradFlow(): Promise<void> {
    try {
      const r = await this.client.request('grad_flow', {}, 'grad-flow');
      this.gradFlow = r.array ?? new Float32Array();
      this.flowSummary = { vanishing: r.result.vanishing, exploding: r.result.exploding, median: r.result.median };
      this.hooks.redraw();
    } catch (err) {
      if (!isCancelled(err)) this.gradFlow = new Float32Array();
    }
  }

  private async computeStats(): Promise<void> {
    const r = await this.client.request('all_stats', { tensor: this.panel.currentKind }, 'all-stats');
    const a = r.array ?? new Float32Array();
    this.stats.clear();
    for (let i = 0; i * 8 < a.length; i++) {
      const numel = a[i * 8] ?? Number.NaN;
      if (Number.isNaN(numel)) continue;
      const at = (k: number): number => a[i * 8 + k] ?? Number.NaN;
      this.stats.set(i, { mean: at(1), std: at(2), min: at(3), max: at(4), nan: at(6) });
    }
    this.table.setStats((i) => this.stats.get(i));
  }
}
