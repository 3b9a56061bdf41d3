// LensView: the interaction state (view state + camera) and the pipeline it runs after every
// change: protocol → model → graph → layout → render. The frame (panels, legend, resize) is in
// chrome.ts, keys in keyboard.ts, the hover card in hover.ts, camera moves in placement.ts.
import { createTrace } from '../model/trace.ts';
import type { Trace } from '../model/trace.ts';
import {
  IDENTITY_CAMERA, initialViewState, withDepth, withExpanded, withMatchStep, withOverlay, withQuery, withRolled, withSelected, withShowBuffers,
} from '../model/view-state.ts';
import type { Camera, Metric, ViewState } from '../model/view-state.ts';
import { addressOfModuleId, buildHierarchy } from '../graph/hierarchy.ts';
import type { Hierarchy } from '../graph/hierarchy.ts';
import { buildVisibleGraph } from '../graph/visible.ts';
import type { VisibleGraph } from '../graph/visible.ts';
import { defaultDepth, expandedForDepth, fullDepth } from '../graph/depth.ts';
import { scopesToReveal, searchNodes } from '../graph/search.ts';
import { describeNode, hoverSummary } from '../graph/describe.ts';
import { outlineRows } from '../graph/outline.ts';
import { neighbour } from '../graph/navigate.ts';
import { colorScale, metricValues, rampColor } from '../graph/overlay.ts';
import { LayoutClient } from '../layout/client.ts';
import type { Box, GraphLayout } from '../layout/layout.ts';
import type { SceneState } from '../render/scene.ts';
import { attachPanZoom, fitCamera } from '../render/camera.ts';
import { updateToolbar } from '../render/toolbar.ts';
import type { ToolbarAction } from '../render/toolbar.ts';
import { renderInspector } from '../render/inspector.ts';
import { legendKeys, renderLegend } from '../render/legend.ts';
import { sceneToSvg } from '../render/export.ts';
import type { DataClient } from '../comm/client.ts';
import type { DataViews } from '../panels/data-views.ts';
import type { TensorTarget } from '../panels/tensor-panel.ts';
import { Chrome } from './chrome.ts';
import { HoverCard } from './hover.ts';
import { attachKeyboard } from './keyboard.ts';
import type { KeyTarget, Move } from './keyboard.ts';
import { placeCamera } from './placement.ts';
import { downloadView } from './download.ts';
import { mountDataViews } from './panels.ts';

/** The testing surface (CONTRACT.md): `root.lenslabView`. */
export interface LensViewApi {
  visibleNodeIds(): string[];
  expand(id: string): Promise<void>;
  collapse(id: string): Promise<void>;
  setRolled(rolled: boolean): Promise<void>;
  setDepth(depth: number): Promise<void>;
  select(id: string): Promise<void>;
  search(query: string): string[];
}

/** The initial view asked for from Python: `h.show(depth=2, rolled=True)`. */
export interface ViewOptions {
  depth?: unknown;
  rolled?: unknown;
  buffers?: unknown;
}

const EMPTY: VisibleGraph = { nodes: [], edges: [], groups: [] };
const NO_SCENE: SceneState = { selected: null, matches: new Set(), current: null, fills: new Map() };
/** The first screen: fit, but never smaller than this (then top-aligned), so text stays readable. */
const FIRST_FIT_MIN_ZOOM = 0.8;

function measure(name: string, start: number): void {
  try {
    performance.measure(name, { start, end: performance.now() });
  } catch {
    // performance.measure with options is missing in very old engines; timing is optional.
  }
}

interface RefreshOptions {
  fit?: boolean;
  /** Keep this node (or the box it opened into) where it was on screen. */
  anchor?: string;
  /** Pan so this node is on screen (if it is not). */
  reveal?: string | undefined;
  /** Centre and zoom to this node. */
  focus?: string | undefined;
}

export class LensView implements LensViewApi, KeyTarget {
  readonly root: HTMLElement;
  private readonly chrome: Chrome;
  private readonly hoverCard: HoverCard;
  private trace: Trace | null = null;
  private hierarchies = new Map<boolean, Hierarchy>();
  private state: ViewState = initialViewState([], 1);
  private camera: Camera = IDENTITY_CAMERA;
  /** The camera was placed by a fit (with this minimum zoom) and not moved since: refit on resize. */
  private autoFit: number | null = null;
  private graph: VisibleGraph = EMPTY;
  private layout: GraphLayout | null = null;
  private scene: SceneState = NO_SCENE;
  private layouter = new LayoutClient();
  private queue: Promise<void> = Promise.resolve();
  private readonly started = performance.now();
  private drawn = false;
  private readonly detach: () => void;
  /** Tensor views, layer table and gradient norms: pulled from the kernel (see connect). */
  private data: DataViews | null = null;

  constructor(host: HTMLElement) {
    this.chrome = new Chrome(host, {
      toolbar: (a) => void this.onToolbar(a),
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
      resized: () => this.onResize(),
    });
    this.root = this.chrome.root;
    Object.defineProperty(this.root, 'lenslabView', { value: this, configurable: true });
    this.hoverCard = new HoverCard(this.chrome.stage, this.chrome.card, {
      describe: (id) => (this.trace ? hoverSummary(this.trace, this.hierarchy(), id) : null),
      passGroup: (id) => this.graph.nodes.find((n) => n.id === id)?.passGroup ?? '',
    });
    const offPanZoom = attachPanZoom(this.chrome.stage.el, {
      camera: () => this.camera,
      setCamera: (c) => this.setCamera(c),
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
    this.detach();
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

  /** New trait value: rebuild everything, at the default depth unless `options` say otherwise. */
  setGraph(raw: unknown, options: ViewOptions = {}): Promise<void> {
    return this.enqueue(() => {
      if (raw === null || raw === undefined || (typeof raw === 'object' && Object.keys(raw).length === 0)) {
        this.root.dataset['state'] = 'loading';
        return;
      }
      this.trace = createTrace(raw);
      this.data?.setTrace(this.trace);
      this.hierarchies = new Map();
      this.layouter.dispose();
      this.layouter = new LayoutClient();
      const h = this.hierarchy(false);
      const asked = typeof options.depth === 'number' && options.depth >= 1 ? Math.round(options.depth) : null;
      const depth = Math.min(asked ?? defaultDepth(h), fullDepth(h));
      const s = withRolled(initialViewState(expandedForDepth(h, depth), depth), options.rolled === true);
      this.state = withShowBuffers(s, options.buffers === true);
      return this.refresh({ fit: true });
    });
  }

  visibleNodeIds(): string[] {
    return this.graph.nodes.map((n) => n.id);
  }

  expand(id: string): Promise<void> {
    return this.change(id, (s, h) => {
      const address = addressOfModuleId(id);
      const open = address === null ? this.addresses(h, scopesToReveal(h, id)) : [address];
      return withExpanded(s, open, true);
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
      return this.refresh({ fit: true });
    });
  }

  /** Draws buffer nodes (BatchNorm running statistics, …) or hides them (the default). */
  setShowBuffers(show: boolean): Promise<void> {
    return this.whenLoaded(() => {
      this.state = withShowBuffers(this.state, show);
      if (!show && this.state.selected !== null && this.isBuffer(this.state.selected)) this.state = withSelected(this.state, null);
      return this.refresh({ fit: this.autoFit !== null });
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

  /** Steps to the next (+1) or previous (-1) search hit: reveals, selects and zooms to it. */
  stepSearch(delta: number): Promise<void> {
    return this.whenLoaded(() => {
      const h = this.hierarchy();
      const hits = searchNodes(this.requireTrace(), h, this.state.query, this.state.showBuffers);
      this.state = withMatchStep(this.state, delta, hits.length);
      const id = hits[this.state.matchIndex];
      if (id === undefined) return this.refresh({});
      this.state = withExpanded(withSelected(this.state, id), this.addresses(h, scopesToReveal(h, id)), true);
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
      select: (label) => void this.selectNode(this.nodeOfLabel(label), true),
      redraw: () => void this.whenLoaded(() => this.refresh({})),
    }, this.chrome.toolbar, this.chrome.stage.el);
    this.data = data;
    if (this.trace) data.setTrace(this.trace);
    return data;
  }

  /** Switches between the graph and the layer table. */
  showTab(tab: 'graph' | 'layers'): void {
    this.data?.setTab(tab);
  }

  /** Colours nodes by a metric ('none': by kind). */
  setOverlay(metric: Metric): Promise<void> {
    this.data?.overlayChanged(metric === 'grad');
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
    const t0 = performance.now();
    const c = this.camera;
    this.setCamera({ k: c.k * zoom, x: c.x + dx, y: c.y + dy });
    if (this.chrome.stage.usesCanvas) this.chrome.stage.drawCanvasNow();
    return performance.now() - t0;
  }

  /** Fits the whole graph into the view (the `f` key), however small that makes it. */
  fit(): void {
    this.fitTo(undefined);
  }

  private fitTo(minZoom: number | undefined): void {
    if (!this.layout) return;
    this.setCamera(fitCamera(this.layout, this.chrome.stage.size(), minZoom));
    this.autoFit = minZoom ?? 0;
  }

  /** The stage changed size: keep an untouched fit fitted; a canvas needs a redraw. */
  private onResize(): void {
    if (!this.layout) return;
    if (this.autoFit !== null) this.fitTo(this.autoFit || undefined);
    else this.setCamera(this.camera);
  }

  private isBuffer(id: string): boolean {
    const h = this.hierarchy();
    const index = h.items.findIndex((it) => it.id === id);
    return index >= 0 && h.bufferItems.has(index);
  }

  /** The node id of a layer pass label in the current (rolled or unrolled) view. */
  private nodeOfLabel(label: string): string {
    const op = this.trace?.ops[this.trace.opByLabel.get(label) ?? -1];
    return op && this.state.rolled ? op.layer : label;
  }

  /** The tensor a node shows: an op's output (first pass when rolled), a module's output. */
  private tensorTarget(id: string | null): TensorTarget | null {
    if (id === null || !this.trace) return null;
    const h = this.hierarchy();
    const item = h.items.find((it) => it.id === id);
    let op = item ? this.trace.ops[item.ops[0] ?? -1] : undefined;
    if (!item) for (const s of h.scopes.values()) if (s.nodeId === id) op = this.trace.ops[s.outputOp];
    return op?.shape ? { id, label: op.label, shape: op.shape } : null;
  }

  private selectNode(id: string, focus: boolean): Promise<void> {
    return this.whenLoaded(() => {
      const h = this.hierarchy();
      const known = describeNode(this.requireTrace(), h, id) !== null;
      let s = withSelected(this.state, known ? id : null);
      // Following a link to a hidden buffer shows the buffers.
      if (known && this.isBuffer(id)) s = withShowBuffers(s, true);
      if (known && !this.graph.nodes.some((n) => n.id === id)) {
        s = withExpanded(s, this.addresses(h, scopesToReveal(h, id)), true);
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

  private addresses(h: Hierarchy, scopeKeys: readonly string[]): string[] {
    return scopeKeys.map((k) => h.scopes.get(k)?.address ?? '').filter(Boolean);
  }

  private requireTrace(): Trace {
    if (!this.trace) throw new Error('no graph loaded yet');
    return this.trace;
  }

  private hierarchy(rolled = this.state.rolled): Hierarchy {
    let h = this.hierarchies.get(rolled);
    if (!h) {
      h = buildHierarchy(this.requireTrace(), rolled);
      this.hierarchies.set(rolled, h);
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
    const before = opts.anchor ? this.boxOf(opts.anchor) : null;
    const graph = buildVisibleGraph(trace, h, this.state);
    const t0 = performance.now();
    const layout = await this.layouter.layout(graph);
    measure('lenslab:layout', t0);
    this.graph = graph;
    this.layout = layout;
    const t1 = performance.now();
    const hits = this.state.query ? searchNodes(trace, h, this.state.query, this.state.showBuffers) : [];
    const values = metricValues(trace, h, graph, this.state.overlay, this.data?.gradNorms ?? undefined);
    const scale = this.state.overlay === 'none' ? null : colorScale(values.values());
    const fills = new Map<string, { color: string; dark: boolean }>();
    if (scale) for (const [id, v] of values) fills.set(id, { color: rampColor(scale.position(v)), dark: scale.position(v) > 0.62 });
    this.scene = { selected: this.state.selected, matches: new Set(hits), current: hits[this.state.matchIndex] ?? null, fills };
    const c = this.chrome;
    // Panels first: opening the inspector changes the stage size the camera is placed in.
    const selected = this.state.selected ? describeNode(trace, h, this.state.selected) : null;
    const target = this.tensorTarget(this.state.selected);
    renderInspector(c.inspector, selected, this.data && target ? this.data.panel.el : undefined);
    c.setInspectorOpen(selected !== null);
    this.data?.selected(target);
    c.outline.render(outlineRows(trace, h, this.state));
    renderLegend(c.legend, this.state.overlay, scale, legendKeys(graph));
    c.setBuffers(this.state.showBuffers, h.bufferItems.size > 0);
    updateToolbar(c.toolbar, {
      rolled: this.state.rolled,
      depth: this.state.depth,
      maxDepth: fullDepth(h),
      hasLoops: trace.ops.some((o) => o.num_passes > 1),
      matches: !this.state.query ? '' : this.state.matchIndex >= 0 ? `${this.state.matchIndex + 1}/${hits.length}` : String(hits.length),
      overlay: this.state.overlay,
    });
    c.summary.textContent = `${trace.graph.model_type} \u00b7 ${trace.ops.length} ops \u00b7 ${graph.nodes.length} shown`;
    this.hoverCard.clear();
    c.stage.draw(graph, layout, this.scene, this.camera);
    if (opts.fit) {
      this.fitTo(FIRST_FIT_MIN_ZOOM);
    } else {
      const after = opts.anchor ? this.boxOf(opts.anchor) : null;
      const focus = opts.focus ? this.boxOf(opts.focus) : null;
      const reveal = opts.reveal ? this.boxOf(opts.reveal) : null;
      const next = placeCamera(this.camera, { before, after, focus, reveal }, c.stage.size());
      if (next !== this.camera) this.setCamera(next);
    }
    measure('lenslab:draw', t1);
    this.root.dataset['state'] = 'ready';
    c.message.textContent = '';
    if (!this.drawn) {
      this.drawn = true;
      measure('lenslab:first-draw', this.started);
    }
  }

  /** A node's box, or the box of the module group a module node id opened into. */
  private boxOf(id: string): Box | null {
    const node = this.layout?.nodes.get(id);
    if (node) return node;
    const group = this.graph.groups.find((g) => g.nodeId === id);
    return (group && this.layout?.groups.get(group.key)) ?? null;
  }

  private setCamera(c: Camera): void {
    this.camera = c;
    this.autoFit = null;
    this.chrome.stage.setCamera(c);
  }

  private async onClick(ev: MouseEvent): Promise<void> {
    this.root.focus({ preventScroll: true });
    const hit = this.chrome.stage.hitTest(ev);
    if (!hit) return;
    if (hit.kind === 'group') return this.collapse(hit.id);
    return hit.id.startsWith('module:') ? this.expand(hit.id) : this.select(hit.id);
  }

  private async onToolbar(a: ToolbarAction): Promise<void> {
    if (a.kind === 'outline') return this.chrome.toggleOutline();
    if (!this.trace) return;
    switch (a.kind) {
      case 'fit':
        return this.fit();
      case 'expand-all':
        return this.setDepth(fullDepth(this.hierarchy()));
      case 'collapse-all':
        return this.setDepth(1);
      case 'rolled':
        return this.setRolled(a.rolled);
      case 'depth':
        return this.setDepth(this.state.depth + a.delta);
      case 'search':
        this.search(a.query);
        return;
      case 'step':
        return this.stepSearch(a.delta);
      case 'overlay':
        return this.setOverlay(a.metric);
      case 'export':
        if (!this.layout) return;
        try {
          await downloadView(a.format, this.exportSvg(), this.layout, this.trace.graph.model_type);
        } catch (err) {
          this.chrome.message.textContent = `${a.format.toUpperCase()} export failed: ${err instanceof Error ? err.message : String(err)}`;
        }
    }
  }
}
