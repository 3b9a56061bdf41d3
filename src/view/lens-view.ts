// LensView: the interaction state (view state) and the pipeline it runs after every change:
// protocol → model → graph → layout → render. Around it: the frame (panels, legend, resize) in
// chrome.ts, the panels a pipeline run refreshes in frame.ts, the camera in view-camera.ts (moves
// in placement.ts), id/box lookups in lookup.ts, toolbar actions in toolbar-actions.ts, keys in
// keyboard.ts, the hover card in hover.ts, compare widgets' state in compare-view.ts, the public
// shapes in api.ts.
import { createTrace } from '../model/trace.ts';
import type { Trace } from '../model/trace.ts';
import {
  initialViewState, passOf, withFold, withFoldPick, withDepth, withExpanded, withMatchStep, withOverlay, withPassPick, withQuery, withRolled, withSelected, withShowBuffers,
} from '../model/view-state.ts';
import type { Metric, ViewState } from '../model/view-state.ts';
import { addressOfModuleId, buildHierarchy, isScopeNodeId } from '../graph/hierarchy.ts';
import type { Hierarchy } from '../graph/hierarchy.ts';
import { buildVisibleGraph } from '../graph/visible.ts';
import type { VisibleGraph } from '../graph/visible.ts';
import { expandedForDepth, fullDepth } from '../graph/depth.ts';
import { initialState } from '../graph/view-options.ts';
import { scopesToReveal, searchNodes } from '../graph/search.ts';
import { describeNode, hoverSummary } from '../graph/describe.ts';
import { neighbour } from '../graph/navigate.ts';
import { LayoutClient, WORKER_MIN_NODES } from '../layout/client.ts';
import { warmInIdle, warmStates } from './warm.ts';
import type { GraphLayout } from '../layout/layout.ts';
import type { SceneState } from '../render/scene.ts';
import { attachPanZoom, readableZoom } from '../render/camera.ts';
import { FONT_PX } from '../layout/size.ts';
import { sceneToSvg } from '../render/export.ts';
import type { DataClient } from '../comm/client.ts';
import type { DataViews } from '../panels/data-views.ts';
import { Chrome } from './chrome.ts';
import { HoverCard } from './hover.ts';
import { attachKeyboard } from './keyboard.ts';
import type { KeyTarget, Move } from './keyboard.ts';
import { placeCamera } from './placement.ts';
import { mountDataViews } from './panels.ts';
import { measure } from './api.ts';
import type { LensViewApi, RefreshOptions, ViewOptions } from './api.ts';
import { refreshPanels } from './frame.ts';
import { boxOf, isBufferNode, nodeOfLabel, sourceTarget, tensorTarget } from './lookup.ts';
import { Teaching } from './teaching.ts';
import { withFailure } from '../graph/failure.ts';
import { runToolbarAction } from './toolbar-actions.ts';
import { ViewCamera } from './view-camera.ts';
import { CompareView } from './compare-view.ts';
import { drawnKey, foldOfStandIn, foldOption, revealScopes, sameDrawn, showFoldPanel } from './fold-actions.ts';
import type { DrawnKey } from './fold-actions.ts';
import { FoldPanel } from '../panels/fold-panel.ts';
import type { ToolbarTarget } from './toolbar-actions.ts';

export type { LensViewApi, ViewOptions } from './api.ts';

const EMPTY: VisibleGraph = { nodes: [], edges: [], groups: [] };
const NO_SCENE: SceneState = { selected: null, matches: new Set(), current: null, fills: new Map() };
/** The first screen: fit the whole graph unless node text would fall below ~7 px; then fit
 *  the width (never smaller than that), top-aligned at the input. */
const FIRST_FIT_MIN_ZOOM = readableZoom(FONT_PX, 7);
/** Presentation mode: node text readable from the back of a room. */
const PRESENT_MIN_ZOOM = 1.3;

export class LensView implements LensViewApi, KeyTarget, ToolbarTarget {
  readonly root: HTMLElement;
  private readonly chrome: Chrome;
  private readonly hoverCard: HoverCard;
  private trace: Trace | null = null;
  private hierarchies = new Map<string, Hierarchy>();
  private state: ViewState = initialViewState([], 1);
  private readonly view: ViewCamera;
  private graph: VisibleGraph = EMPTY;
  /** What the drawn graph was built from (see fold-actions.ts drawnKey). */
  private drawnKey: DrawnKey | null = null;
  private layout: GraphLayout | null = null;
  private scene: SceneState = NO_SCENE;
  private layouter = new LayoutClient();
  /** The layout client whose worker idle-time warming started for (./warm.ts). */
  private warmedFor: LayoutClient | null = null;
  /** When the view last redrew (performance.now()): warming waits for a quiet view. */
  private changedAt = 0;
  private queue: Promise<void> = Promise.resolve();
  private readonly started = performance.now();
  private drawn = false;
  private readonly detach: () => void;
  /** Tensor views, layer table and gradient norms: pulled from the kernel (see connect). */
  private data: DataViews | null = null;
  /** Compare widgets: the trait, parsed against the trace, and what each node shows. */
  private readonly compare: CompareView;
  /** A selected fold's copies and per-copy statistics (in the inspector). */
  private readonly foldPanel = new FoldPanel(
    { pick: (id, index) => void this.pickFold(id, index) },
    () => ({ trace: this.trace, client: this.data?.client ?? null, gradNorms: this.data?.gradNorms ?? null }),
  );
  /** Set once a host took the inspector and layer table (detachSidePanels). */
  private sidePanels: { inspector: HTMLElement; table: HTMLElement } | null = null;
  /** The forward-pass player and the source panel's "ops of this line". */
  readonly teaching: Teaching;

  constructor(host: HTMLElement) {
    this.chrome = new Chrome(host, {
      toolbar: (a) => void runToolbarAction(this, a),
      outline: {
        toggle: (row, open) => void this.change(row.nodeId, (s) => withExpanded(s, [row.address], open)),
        select: (row) => void this.selectNode(row.target, true),
      },
      follow: (id) => void this.selectNode(id, true),
      closeInspector: () => {
        void this.select('');
        this.root.focus({ preventScroll: true });
      },
      showBuffers: (show) => void this.setShowBuffers(show),
      resized: () => this.view.resized(this.layout),
    });
    this.root = this.chrome.root;
    this.compare = new CompareView(this.root);
    this.view = new ViewCamera(this.chrome.stage);
    Object.defineProperty(this.root, 'lenslabView', { value: this, configurable: true });
    this.teaching = new Teaching({
      root: this.root,
      currentTrace: () => this.trace,
      currentHierarchy: () => this.hierarchy(),
      present: (on) => this.present(on),
      apply: (f, opts) => this.whenLoaded(() => {
        this.state = f(this.state, this.hierarchy());
        return this.refresh(opts(this.hierarchy(), this.state));
      }),
    });
    this.chrome.toolbar.appendChild(this.teaching.bar);
    this.hoverCard = new HoverCard(this.chrome.stage, this.chrome.card, {
      describe: (id) => (this.trace ? hoverSummary(this.trace, this.hierarchy(), id, passOf(this.state, id)) : null),
      passGroup: (id) => this.graph.nodes.find((n) => n.id === id)?.passGroup ?? '',
    });
    const offPanZoom = attachPanZoom(this.chrome.stage.el, {
      camera: () => this.view.camera,
      setCamera: (c) => this.view.set(c),
      click: (ev) => void this.onClick(ev),
    });
    const offKeys = attachKeyboard(this.root, () => this.chrome.toolbar.querySelector<HTMLInputElement>('.lenslab-search'), this);
    this.detach = () => {
      offPanZoom();
      offKeys();
      this.hoverCard.dispose();
    };
  }

  dispose(): void {
    void this.teaching.pause();
    this.detach();
    this.sidePanels?.table.remove();
    this.compare.dispose();
    this.data?.dispose();
    this.layouter.dispose();
    this.chrome.dispose();
  }

  // ---- state read by the keyboard ----
  get loaded(): boolean {
    return this.trace !== null;
  }
  get rolled(): boolean {
    return this.state.rolled;
  }
  get depth(): number {
    return this.state.depth;
  }
  get showBuffers(): boolean {
    return this.state.showBuffers;
  }
  get maxDepth(): number {
    return fullDepth(this.hierarchy());
  }
  get modelType(): string {
    return this.trace?.graph.model_type ?? '';
  }
  get currentLayout(): GraphLayout | null {
    return this.layout;
  }
  toggleOutline(): void {
    this.chrome.toggleOutline();
  }
  showMessage(text: string): void {
    this.chrome.message.textContent = text;
  }

  /** New trait value: rebuild everything, at the default depth unless `options` say otherwise. */
  setGraph(raw: unknown, options: ViewOptions = {}): Promise<void> {
    return this.enqueue(() => {
      if (raw === null || raw === undefined || (typeof raw === 'object' && Object.keys(raw).length === 0)) {
        this.root.dataset['state'] = 'loading';
        return;
      }
      this.trace = createTrace(raw);
      this.teaching.reset();
      this.data?.setTrace(this.trace);
      this.compare.apply(this.trace, this.data);
      this.hierarchies = new Map();
      this.drawnKey = null;
      this.layouter.dispose();
      this.layouter = new LayoutClient(this.trace.ops.length);
      // Folding is chosen first (`h.show(fold=...)`, else where it helps): depths count folded.
      const fold = foldOption(this.trace, options.fold);
      this.state = withFold(initialState(this.trace, (rolled) => this.hierarchy(rolled, fold), options), fold);
      this.data?.overlayChanged(this.state.overlay); // h.show(overlay="grad" | "gradient flow"): fetch it
      if (this.state.overlay !== 'none') this.chrome.setLegendOpen(true);
      return this.refresh({ fit: true });
    });
  }

  /**
   * A second run and its difference (the compare trait; null: an ordinary widget). The root
   * carries data-mode="compare" (or "scores" for patching effects) once it is set.
   */
  setCompare(raw: unknown): Promise<void> {
    return this.enqueue(() => {
      this.compare.set(raw);
      if (!this.trace) return;
      this.compare.apply(this.trace, this.data);
      return this.refresh({});
    });
  }

  /** Compare widgets: the difference drawn on node `id` (the largest of its ops), or null. */
  diffOf(id: string): number | null {
    return this.compare.diffOf(id);
  }

  visibleNodeIds(): string[] {
    return this.graph.nodes.map((n) => n.id);
  }

  expand(id: string): Promise<void> {
    return this.change(id, (s, h) => {
      const address = addressOfModuleId(id);
      const fold = foldOfStandIn(id);
      if (fold !== null) return withFoldPick(s, fold, null); // a stand-in opens into all members
      // An opened fold is also selected: the inspector offers which copy to show, and per-copy plots.
      // Opened by a click, a fold shows its first copy (the representative) between stand-ins.
      if (h.scopes.get(id)?.fold) {
        const picked = s.expanded.has(id) || s.foldPick.has(id) ? s : withFoldPick(s, id, 0);
        return withSelected(withExpanded(picked, [id], true), id);
      }
      return address === null ? revealScopes(s, h, scopesToReveal(h, id)) : withExpanded(s, [address], true);
    });
  }

  collapse(id: string): Promise<void> {
    return this.change(id, (s, h) => {
      let address = addressOfModuleId(id);
      if (address === null) {
        const group = this.graph.nodes.find((n) => n.id === id)?.group;
        address = group === null || group === undefined ? null : (h.scopes.get(group)?.address ?? null);
      }
      return address === null ? s : withExpanded(s, [address], false);
    });
  }

  setRolled(rolled: boolean): Promise<void> {
    return this.whenLoaded(() => {
      this.state = withRolled(this.state, rolled);
      return this.refresh({ fit: true });
    });
  }

  setDepth(depth: number): Promise<void> {
    return this.whenLoaded(() => {
      const h = this.hierarchy();
      const d = Math.max(1, Math.min(fullDepth(h), Math.round(depth)));
      this.state = withDepth(this.state, d, expandedForDepth(h, d));
      // Expand all opens every copy of every fold.
      if (d >= fullDepth(h)) this.state = { ...this.state, foldPick: new Map() };
      return this.refresh({ fit: true });
    });
  }

  /** Folds runs of repeated blocks into one `Block ×N` node each, or draws every copy. */
  setFold(fold: boolean): Promise<void> {
    return this.whenLoaded(() => {
      const before = this.hierarchy();
      const h = this.hierarchy(this.state.rolled, fold);
      const depth = Math.min(this.state.depth, fullDepth(h));
      this.state = withDepth(withFold(this.state, fold), depth, expandedForDepth(h, depth));
      return before === h ? Promise.resolve() : this.refresh({ fit: true });
    });
  }

  /** An opened fold shows member `index` (0-based) between stand-ins, or all members (null). */
  pickFold(id: string, index: number | null): Promise<void> {
    return this.change(id, (s, h) => {
      const fold = h.scopes.get(id)?.fold;
      if (!fold) return s;
      const i = index === null ? null : Math.max(0, Math.min(fold.members.length - 1, Math.round(index)));
      return withFoldPick(withExpanded(s, [id], true), id, i);
    });
  }

  /** Rolled view: the inspector (facts, code, tensor) shows pass `pass` (1-based) of layer node `id`. */
  pickPass(id: string, pass: number): Promise<void> {
    return this.whenLoaded(() => {
      this.state = withPassPick(this.state, id, Math.max(1, Math.round(pass)));
      return this.refresh({});
    });
  }

  /** Draws buffer nodes (BatchNorm running statistics, …) or hides them (the default). */
  setShowBuffers(show: boolean): Promise<void> {
    return this.whenLoaded(() => {
      this.state = withShowBuffers(this.state, show);
      if (!show && this.state.selected !== null && isBufferNode(this.hierarchy(), this.state.selected)) this.state = withSelected(this.state, null);
      return this.refresh({ fit: this.view.fitted });
    });
  }

  select(id: string): Promise<void> {
    return this.selectNode(id, false);
  }

  search(query: string): string[] {
    if (!this.trace) return [];
    const hits = searchNodes(this.trace, this.hierarchy(), query, this.state.showBuffers);
    void this.whenLoaded(() => {
      this.state = withQuery(this.state, query);
      return this.refresh({});
    });
    return hits;
  }

  /** Moves the forward-pass player by `delta` ops; resolves to the current op's id. */
  step(delta: number): Promise<string> {
    return this.teaching.step(delta);
  }

  play(): Promise<void> {
    return this.teaching.play();
  }

  pause(): Promise<void> {
    return this.teaching.pause();
  }

  /** Selects every op that `file`:`line` ran; resolves to their ids. */
  selectSource(file: string, line: number): Promise<string[]> {
    return this.teaching.selectSource(file, line);
  }

  /** Steps to the next (+1) or previous (-1) search hit: reveals, selects and zooms to it. */
  stepSearch(delta: number): Promise<void> {
    return this.whenLoaded(() => {
      const h = this.hierarchy();
      const hits = searchNodes(this.requireTrace(), h, this.state.query, this.state.showBuffers);
      this.state = withMatchStep(this.state, delta, hits.length);
      const id = hits[this.state.matchIndex];
      if (id === undefined) return this.refresh({});
      this.state = revealScopes(withSelected(this.state, id), h, scopesToReveal(h, id));
      return this.refresh({ focus: id });
    });
  }

  /** Selects the graph neighbour of the selection (or the first node) and zooms to it. */
  move(m: Move): Promise<void> {
    const selected = this.state.selected;
    const next = selected ? neighbour(this.graph, selected, m) : (this.graph.nodes[0]?.id ?? null);
    return next ? this.selectNode(next, true) : Promise.resolve();
  }

  /** Attaches the kernel channel: tensor views in the inspector, the layer table, gradients. */
  connect(client: DataClient): DataViews {
    this.data?.dispose();
    const data = mountDataViews(client, {
      select: (label) => void this.selectNode(nodeOfLabel(this.trace, this.state.rolled, label), true),
      selectLine: (file, line) => void this.selectSource(file, line),
      redraw: () => void this.whenLoaded(() => this.refresh({})),
      pickPass: (id, pass) => void this.pickPass(id, pass),
    }, this.chrome.toolbar, this.chrome.stage.el);
    this.data = data;
    if (this.trace) {
      data.setTrace(this.trace);
      this.compare.apply(this.trace, data);
    }
    return data;
  }

  /** Switches between the graph and the layer table. */
  showTab(tab: 'graph' | 'layers'): void {
    if (this.sidePanels) return; // the table is always shown beside the graph
    this.data?.setTab(tab);
  }

  /**
   * For main-area hosts (the JupyterLab panels): takes the inspector and the layer table out of
   * the widget's own layout and returns them for the host to place (beside the graph). From then
   * on the inspector is always shown (a hint while nothing is selected), the table too, and the
   * graph/layers tabs are hidden. The elements keep their data attributes and handlers. Call
   * after connect(); null before. Calling again returns the same elements.
   */
  detachSidePanels(): { inspector: HTMLElement; table: HTMLElement } | null {
    if (this.sidePanels) return this.sidePanels;
    const data = this.data;
    if (!data) return null;
    data.setTab('layers');
    data.tabs.hidden = true;
    data.table.el.remove();
    this.sidePanels = { inspector: this.chrome.detachInspector(), table: data.table.el };
    this.relayout();
    return this.sidePanels;
  }

  /** The host resized the graph or the side panels (a split handle moved): redraw to fit them. */
  relayout(): void {
    this.view.resized(this.layout);
    // The layer table draws only the rows in view: a scroll event makes it draw for its new height.
    this.sidePanels?.table.querySelector('.lenslab-table-viewport')?.dispatchEvent(new Event('scroll'));
  }

  /** Colours nodes by a metric ('none': by kind). */
  setOverlay(metric: Metric): Promise<void> {
    this.data?.overlayChanged(metric);
    return this.whenLoaded(() => {
      this.state = withOverlay(this.state, metric);
      if (metric !== 'none') this.chrome.setLegendOpen(true);
      return this.refresh({});
    });
  }

  /** The current view as a standalone SVG document (text). */
  exportSvg(): string {
    if (!this.layout) return '';
    return sceneToSvg(this.root, this.graph, this.layout, this.scene);
  }

  /** Redraws the current frame with the camera moved; returns the draw time in ms (benchmarks). */
  panBy(dx: number, dy: number, zoom = 1): number {
    return this.view.panBy(dx, dy, zoom);
  }

  /** Presentation mode: larger type and less chrome; the graph is refitted, larger. */
  present(on: boolean): void {
    this.root.classList.toggle('lenslab-root--present', on);
    this.root.dataset['present'] = String(on);
    // The stage changed size with the class: fit once the browser applied it.
    requestAnimationFrame(() => this.view.fit(this.layout, on ? PRESENT_MIN_ZOOM : FIRST_FIT_MIN_ZOOM));
  }

  /** Fits the whole graph into the view (the `f` key), however small that makes it. */
  fit(): void {
    this.view.fit(this.layout, undefined);
  }

  private selectNode(id: string, focus: boolean): Promise<void> {
    return this.whenLoaded(() => {
      this.teaching.selectionChanged(id);
      const h = this.hierarchy();
      const known = describeNode(this.requireTrace(), h, id) !== null;
      let s = withSelected(this.state, known ? id : null);
      // Following a link to a hidden buffer shows the buffers.
      if (known && isBufferNode(h, id)) s = withShowBuffers(s, true);
      const drawn = this.layout ? this.layout.nodes.has(id) : this.graph.nodes.some((n) => n.id === id);
      if (known && !drawn) {
        s = revealScopes(s, h, scopesToReveal(h, id));
      }
      this.state = s;
      return this.refresh(known ? (focus ? { focus: id } : { reveal: id }) : {});
    });
  }

  private change(anchor: string, f: (s: ViewState, h: Hierarchy) => ViewState): Promise<void> {
    return this.whenLoaded(() => {
      this.state = f(this.state, this.hierarchy());
      return this.refresh({ anchor });
    });
  }

  private requireTrace(): Trace {
    if (!this.trace) throw new Error('no graph loaded yet');
    return this.trace;
  }

  private hierarchy(rolled = this.state.rolled, fold = this.state.fold): Hierarchy {
    const key = `${rolled}/${fold}`;
    let h = this.hierarchies.get(key);
    if (!h) {
      h = buildHierarchy(this.requireTrace(), rolled, fold);
      this.hierarchies.set(key, h);
    }
    return h;
  }

  /** A view change; ignored (resolved) while no graph is loaded. */
  private whenLoaded(task: () => Promise<void>): Promise<void> {
    return this.enqueue(() => (this.trace ? task() : undefined));
  }

  /** Runs view changes one after another; each resolves once its frame is drawn. */
  private enqueue(task: () => void | Promise<void>): Promise<void> {
    const run = this.queue.then(task).catch((err: unknown) => this.fail(err));
    this.queue = run;
    return run;
  }

  private fail(err: unknown): void {
    this.root.dataset['state'] = 'error';
    this.chrome.message.textContent = `lenslab cannot show this graph: ${err instanceof Error ? err.message : String(err)}`;
  }

  /** The pipeline: visible graph → layout → draw, keeping the anchor node where it was. */
  private async refresh(opts: RefreshOptions): Promise<void> {
    const trace = this.requireTrace();
    const h = this.hierarchy();
    const before = opts.anchor ? boxOf(this.graph, this.layout, opts.anchor) : null;
    // A change of selection, query or overlay keeps the drawn graph: no rebuild, no layout.
    const key = drawnKey(h, this.state);
    const same = this.layout !== null && this.drawnKey !== null && sameDrawn(this.drawnKey, key);
    const graph = same ? this.graph : withFailure(trace, h, this.state.expanded, buildVisibleGraph(trace, h, this.state));
    const t0 = performance.now();
    const layout = same && this.layout ? this.layout : await this.layouter.layout(graph);
    this.drawnKey = key;
    measure('lenslab:layout', t0);
    this.graph = graph;
    this.layout = layout;
    const t1 = performance.now();
    const c = this.chrome;
    const compare = this.compare.frame(h, graph);
    const foldPanel = showFoldPanel(this.foldPanel, trace, h, this.state);
    const selected = this.state.selected;
    const pass = passOf(this.state, selected);
    const frame = { trace, hierarchy: h, state: this.state, graph, data: this.data, target: tensorTarget(trace, h, selected, pass), code: sourceTarget(trace, h, selected, pass), foldPanel, compare };
    this.scene = this.teaching.decorate(refreshPanels(c, frame), trace, h, this.state, graph);
    this.hoverCard.clear();
    // The camera is placed before drawing, so the frame is drawn once, already where it ends up
    // (a canvas would otherwise draw at the old camera, then again on the next animation frame).
    if (opts.fit) {
      this.view.fit(layout, FIRST_FIT_MIN_ZOOM);
    } else {
      const after = opts.anchor ? boxOf(this.graph, this.layout, opts.anchor) : null;
      const focus = opts.focus ? boxOf(this.graph, this.layout, opts.focus) : null;
      const reveal = opts.reveal ? boxOf(this.graph, this.layout, opts.reveal) : null;
      const next = placeCamera(this.view.camera, { before, after, focus, reveal }, c.stage.size());
      if (next !== this.view.camera) this.view.set(next);
    }
    c.stage.draw(graph, layout, this.scene, this.view.camera);
    measure('lenslab:draw', t1);
    this.root.dataset['state'] = 'ready';
    this.changedAt = performance.now();
    c.message.textContent = '';
    if (!this.drawn) {
      this.drawn = true;
      measure('lenslab:first-draw', this.started);
    }
    if (this.warmedFor !== this.layouter) this.warmFolds(trace, h);
  }

  /** Big captures: once drawn, lays out in idle time the views opening a closed fold (./warm.ts). */
  private warmFolds(trace: Trace, h: Hierarchy): void {
    const layouter = (this.warmedFor = this.layouter);
    if (trace.ops.length < WORKER_MIN_NODES) return;
    const states = warmStates(h, this.state, this.graph);
    const build = (s: ViewState): VisibleGraph => withFailure(trace, h, s.expanded, buildVisibleGraph(trace, h, s));
    warmInIdle(states, (s) => layouter.warm(build(s)), () => this.layouter === layouter, () => performance.now() - this.changedAt);
  }

  private async onClick(ev: MouseEvent): Promise<void> {
    this.root.focus({ preventScroll: true });
    const hit = this.chrome.stage.hitTest(ev);
    if (!hit) return;
    if (hit.kind === 'group') return this.collapse(hit.id);
    return isScopeNodeId(hit.id) ? this.expand(hit.id) : this.select(hit.id);
  }
}
