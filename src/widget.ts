// anywidget entry. Data flows protocol → model → graph → layout → render; LensView holds the
// interaction state (view state + camera) and runs that pipeline after every change.
import type { AnyModel } from '@anywidget/types';
import { createTrace } from './model/trace.ts';
import type { Trace } from './model/trace.ts';
import {
  IDENTITY_CAMERA, initialViewState, withDepth, withExpanded, withMatchStep, withOverlay, withQuery, withRolled, withSelected,
} from './model/view-state.ts';
import type { Camera, Metric, ViewState } from './model/view-state.ts';
import { keyCommand } from './model/keys.ts';
import type { KeyCommand } from './model/keys.ts';
import { addressOfModuleId, buildHierarchy } from './graph/hierarchy.ts';
import type { Hierarchy } from './graph/hierarchy.ts';
import { buildVisibleGraph } from './graph/visible.ts';
import type { VisibleGraph } from './graph/visible.ts';
import { defaultDepth, expandedForDepth, fullDepth } from './graph/depth.ts';
import { scopesToReveal, searchNodes } from './graph/search.ts';
import { describeNode, hoverSummary } from './graph/describe.ts';
import { outlineRows } from './graph/outline.ts';
import { neighbour } from './graph/navigate.ts';
import { colorScale, metricValues, rampColor } from './graph/overlay.ts';
import { LayoutClient } from './layout/client.ts';
import type { Box, GraphLayout } from './layout/layout.ts';
import type { SceneState } from './render/scene.ts';
import { attachPanZoom, fitCamera, focusCamera } from './render/camera.ts';
import { createToolbar, updateToolbar } from './render/toolbar.ts';
import type { ToolbarAction } from './render/toolbar.ts';
import { createInspector, renderHoverCard, renderInspector } from './render/inspector.ts';
import { createOutline } from './render/outline.ts';
import { renderLegend } from './render/legend.ts';
import { Stage } from './render/stage.ts';
import { download, exportSize, sceneToSvg, svgToPng } from './render/export.ts';
import { html } from './render/svg.ts';
import { DataClient } from './comm/client.ts';
import type { Transport } from './comm/client.ts';
import { DataViews } from './panels/data-views.ts';
import type { TensorTarget } from './panels/tensor-panel.ts';

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

const EMPTY: VisibleGraph = { nodes: [], edges: [], groups: [] };
const NO_SCENE: SceneState = { selected: null, matches: new Set(), current: null, fills: new Map() };

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

export class LensView implements LensViewApi {
  readonly root: HTMLElement;
  private readonly toolbar: HTMLElement;
  private readonly stage: Stage;
  private readonly inspector: HTMLElement;
  private readonly outline: ReturnType<typeof createOutline>;
  private readonly legend: HTMLElement;
  private readonly card: HTMLElement;
  private readonly message: HTMLElement;
  private trace: Trace | null = null;
  private hierarchies = new Map<boolean, Hierarchy>();
  private state: ViewState = initialViewState([], 1);
  private camera: Camera = IDENTITY_CAMERA;
  private graph: VisibleGraph = EMPTY;
  private layout: GraphLayout | null = null;
  private scene: SceneState = NO_SCENE;
  private layouter = new LayoutClient();
  private queue: Promise<void> = Promise.resolve();
  private readonly started = performance.now();
  private drawn = false;
  private hovered = '';
  private readonly detach: () => void;
  /** Tensor views, layer table and gradient norms: pulled from the kernel (see connect). */
  private data: DataViews | null = null;

  constructor(host: HTMLElement) {
    this.root = html('div', 'lenslab-root', host);
    this.root.dataset['state'] = 'loading';
    this.root.tabIndex = 0;
    this.root.setAttribute('aria-label', 'lenslab graph (press ? for keys)');
    this.toolbar = createToolbar((a) => void this.onToolbar(a));
    this.root.appendChild(this.toolbar);
    const body = html('div', 'lenslab-body', this.root);
    this.outline = createOutline({
      toggle: (row, open) => void this.change(row.nodeId, (s) => withExpanded(s, [row.address], open)),
      select: (row) => void this.selectNode(row.target, true),
    });
    body.appendChild(this.outline.el);
    this.stage = new Stage(body);
    this.legend = html('div', 'lenslab-legend', this.stage.el);
    this.card = html('div', 'lenslab-hover', this.stage.el);
    this.card.hidden = true;
    this.inspector = createInspector((id) => void this.selectNode(id, true));
    body.appendChild(this.inspector);
    this.message = html('div', 'lenslab-message', this.root, 'Loading the graph\u2026');
    Object.defineProperty(this.root, 'lenslabView', { value: this, configurable: true });
    const offPanZoom = attachPanZoom(this.stage.el, {
      camera: () => this.camera,
      setCamera: (c) => this.setCamera(c),
      click: (ev) => void this.onClick(ev),
    });
    const onKey = (ev: KeyboardEvent): void => this.onKey(ev);
    const onMove = (ev: PointerEvent): void => this.onHover(ev);
    const onLeave = (): void => this.hover(null);
    this.root.addEventListener('keydown', onKey);
    this.stage.el.addEventListener('pointermove', onMove);
    this.stage.el.addEventListener('pointerleave', onLeave);
    this.detach = () => {
      offPanZoom();
      this.root.removeEventListener('keydown', onKey);
      this.stage.el.removeEventListener('pointermove', onMove);
      this.stage.el.removeEventListener('pointerleave', onLeave);
    };
  }

  dispose(): void {
    this.detach();
    this.data?.dispose();
    this.layouter.dispose();
    this.root.remove();
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
      this.state = withRolled(initialViewState(expandedForDepth(h, depth), depth), options.rolled === true);
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

  select(id: string): Promise<void> {
    return this.selectNode(id, false);
  }

  search(query: string): string[] {
    if (!this.trace) return [];
    const hits = searchNodes(this.trace, this.hierarchy(), query);
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
      const hits = searchNodes(this.requireTrace(), h, this.state.query);
      this.state = withMatchStep(this.state, delta, hits.length);
      const id = hits[this.state.matchIndex];
      if (id === undefined) return this.refresh({});
      this.state = withExpanded(withSelected(this.state, id), this.addresses(h, scopesToReveal(h, id)), true);
      return this.refresh({ focus: id });
    });
  }

  /** Attaches the kernel channel: tensor views in the inspector, the layer table, gradients. */
  connect(client: DataClient): DataViews {
    this.data?.dispose();
    const data = new DataViews(client, {
      select: (label) => void this.selectNode(this.nodeOfLabel(label), true),
      redraw: () => void this.whenLoaded(() => this.refresh({})),
    });
    this.data = data;
    data.mount(this.toolbar, this.stage.el);
    const overlay = this.toolbar.querySelector<HTMLSelectElement>('.lenslab-overlay');
    if (overlay && !overlay.querySelector('option[value="grad"]')) html('option', '', overlay, 'colour: gradient norm').value = 'grad';
    if (this.trace) data.setTrace(this.trace);
    return data;
  }

  /** Switches between the graph and the layer table. */
  showTab(tab: 'graph' | 'layers'): void {
    this.data?.setTab(tab);
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

  /** Colours nodes by a metric ('none': by kind). */
  setOverlay(metric: Metric): Promise<void> {
    this.data?.overlayChanged(metric === 'grad');
    return this.whenLoaded(() => {
      this.state = withOverlay(this.state, metric);
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
    this.camera = { k: c.k * zoom, x: c.x + dx, y: c.y + dy };
    this.stage.setCamera(this.camera);
    if (this.stage.usesCanvas) this.stage.drawCanvasNow();
    return performance.now() - t0;
  }

  /** Fits the whole graph into the view (the `f` key), however small that makes it. */
  fit(): void {
    if (this.layout) this.setCamera(fitCamera(this.layout, this.stage.size()));
  }

  private selectNode(id: string, focus: boolean): Promise<void> {
    return this.whenLoaded(() => {
      const h = this.hierarchy();
      const known = describeNode(this.requireTrace(), h, id) !== null;
      let s = withSelected(this.state, known ? id : null);
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
    this.message.textContent = `lenslab cannot show this graph: ${err instanceof Error ? err.message : String(err)}`;
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
    const hits = this.state.query ? searchNodes(trace, h, this.state.query) : [];
    const values = metricValues(trace, h, graph, this.state.overlay, this.data?.gradNorms ?? undefined);
    const scale = this.state.overlay === 'none' ? null : colorScale(values.values());
    const fills = new Map<string, { color: string; dark: boolean }>();
    if (scale) for (const [id, v] of values) fills.set(id, { color: rampColor(scale.position(v)), dark: scale.position(v) > 0.62 });
    this.scene = { selected: this.state.selected, matches: new Set(hits), current: hits[this.state.matchIndex] ?? null, fills };
    this.hover(null);
    this.stage.draw(graph, layout, this.scene, this.camera);
    this.outline.render(outlineRows(trace, h, this.state));
    renderLegend(this.legend, this.state.overlay, scale);
    updateToolbar(this.toolbar, {
      rolled: this.state.rolled,
      depth: this.state.depth,
      maxDepth: fullDepth(h),
      hasLoops: trace.ops.some((o) => o.num_passes > 1),
      summary: `${trace.graph.model_type} \u00b7 ${trace.ops.length} ops \u00b7 ${graph.nodes.length} shown`,
      matches: !this.state.query ? '' : this.state.matchIndex >= 0 ? `${this.state.matchIndex + 1}/${hits.length}` : String(hits.length),
      overlay: this.state.overlay,
    });
    const target = this.tensorTarget(this.state.selected);
    renderInspector(this.inspector, this.state.selected ? describeNode(trace, h, this.state.selected) : null, this.data && target ? this.data.panel.el : undefined);
    this.data?.selected(target);
    this.placeCamera(opts, before);
    measure('lenslab:draw', t1);
    this.root.dataset['state'] = 'ready';
    this.message.textContent = '';
    if (!this.drawn) {
      this.drawn = true;
      measure('lenslab:first-draw', this.started);
    }
  }

  private placeCamera(opts: RefreshOptions, before: Box | null): void {
    const view = this.stage.size();
    if (opts.fit && this.layout) {
      this.setCamera(fitCamera(this.layout, view, 0.85));
      return;
    }
    const after = opts.anchor ? this.boxOf(opts.anchor) : null;
    if (before && after) {
      const k = this.camera.k;
      this.setCamera({ k, x: this.camera.x + (before.x + before.width / 2 - after.x - after.width / 2) * k, y: this.camera.y + (before.y - after.y) * k });
      return;
    }
    const focus = opts.focus ? this.boxOf(opts.focus) : null;
    if (focus) {
      this.setCamera(focusCamera(this.camera, focus, view));
      return;
    }
    const target = opts.reveal ? this.boxOf(opts.reveal) : null;
    if (target) {
      const { x, y, k } = this.camera;
      const sx = target.x * k + x;
      const sy = target.y * k + y;
      if (sx < 0 || sy < 0 || sx + target.width * k > view.width || sy + target.height * k > view.height) {
        this.setCamera({ k, x: view.width / 2 - (target.x + target.width / 2) * k, y: view.height / 2 - (target.y + target.height / 2) * k });
        return;
      }
    }
    this.setCamera(this.camera);
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
    this.stage.setCamera(c);
  }

  private async onClick(ev: MouseEvent): Promise<void> {
    this.root.focus({ preventScroll: true });
    const hit = this.stage.hitTest(ev);
    if (!hit) return;
    if (hit.kind === 'group') return this.collapse(hit.id);
    return hit.id.startsWith('module:') ? this.expand(hit.id) : this.select(hit.id);
  }

  private onHover(ev: PointerEvent): void {
    if (ev.buttons !== 0) return this.hover(null);
    const hit = this.stage.hitTest(ev);
    const id = hit?.kind === 'node' ? hit.id : null;
    if (id !== null && id === this.hovered) {
      this.placeCard(ev);
      return;
    }
    this.hover(id, ev);
  }

  /** Shows the hover card for a node (and highlights the other passes of its layer), or hides it. */
  private hover(id: string | null, ev?: PointerEvent): void {
    this.hovered = id ?? '';
    const node = id === null ? undefined : this.graph.nodes.find((n) => n.id === id);
    this.stage.setHover(node?.passGroup ?? '');
    const d = id !== null && this.trace ? hoverSummary(this.trace, this.hierarchy(), id) : null;
    if (!d || !ev) {
      this.card.hidden = true;
      return;
    }
    const r = this.stage.el.getBoundingClientRect();
    renderHoverCard(this.card, d, ev.clientX - r.left, ev.clientY - r.top, this.stage.size());
  }

  private placeCard(ev: PointerEvent): void {
    const r = this.stage.el.getBoundingClientRect();
    const x = ev.clientX - r.left;
    const w = this.card.offsetWidth;
    this.card.style.left = `${Math.max(4, x + 14 + w > r.width ? x - w - 14 : x + 14)}px`;
    this.card.style.top = `${Math.max(4, Math.min(r.height - this.card.offsetHeight - 4, ev.clientY - r.top + 14))}px`;
  }

  private onKey(ev: KeyboardEvent): void {
    const t = ev.target;
    const inTextField = t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement;
    if (t instanceof Element && t.closest('[role="tree"]') && ev.key.startsWith('Arrow')) return;
    if (t instanceof HTMLButtonElement && (ev.key === 'Enter' || ev.key === ' ')) return;
    const cmd = keyCommand({ key: ev.key, shiftKey: ev.shiftKey, ctrlKey: ev.ctrlKey, metaKey: ev.metaKey, altKey: ev.altKey, inTextField });
    if (!cmd || !this.trace) return;
    ev.preventDefault();
    ev.stopPropagation(); // keep JupyterLab's notebook shortcuts out of the widget
    void this.runCommand(cmd, inTextField);
  }

  private async runCommand(cmd: KeyCommand, inTextField: boolean): Promise<void> {
    const selected = this.state.selected;
    const move = (m: 'parent' | 'child' | 'prev-sibling' | 'next-sibling'): Promise<void> => {
      const next = selected ? neighbour(this.graph, selected, m) : (this.graph.nodes[0]?.id ?? null);
      return next ? this.selectNode(next, true) : Promise.resolve();
    };
    switch (cmd) {
      case 'fit':
        return this.fit();
      case 'focus-search':
        this.toolbar.querySelector<HTMLInputElement>('.lenslab-search')?.focus();
        return;
      case 'toggle-rolled':
        return this.setRolled(!this.state.rolled);
      case 'depth-up':
        return this.setDepth(this.state.depth + 1);
      case 'depth-down':
        return this.setDepth(this.state.depth - 1);
      case 'clear':
        if (inTextField) {
          const box = this.toolbar.querySelector<HTMLInputElement>('.lenslab-search');
          if (box?.value) {
            box.value = '';
            this.search('');
          }
          this.root.focus({ preventScroll: true });
        }
        return this.select('');
      case 'next-match':
        return this.stepSearch(1);
      case 'prev-match':
        return this.stepSearch(-1);
      case 'to-parent':
        return move('parent');
      case 'to-child':
        return move('child');
      case 'prev-sibling':
        return move('prev-sibling');
      case 'next-sibling':
        return move('next-sibling');
    }
  }

  private async onToolbar(a: ToolbarAction): Promise<void> {
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
        return this.download(a.format);
    }
  }

  private async download(format: 'svg' | 'png'): Promise<void> {
    if (!this.layout || !this.trace) return;
    const source = this.exportSvg();
    const name = `${this.trace.graph.model_type || 'model'}-lenslab.${format}`;
    if (format === 'svg') {
      download(new Blob([source], { type: 'image/svg+xml' }), name);
      return;
    }
    const { width, height } = exportSize(this.layout);
    try {
      download(await svgToPng(source, width, height), name);
    } catch (err) {
      this.message.textContent = `PNG export failed: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
}

/** The initial view asked for from Python: `h.show(depth=2, rolled=True)`. */
export interface ViewOptions {
  depth?: unknown;
  rolled?: unknown;
}

interface GraphTraits {
  graph: unknown;
  view_options: ViewOptions | null;
  grads_version: number;
}

/** anywidget's custom messages as the data client's transport; null without a kernel. */
function modelTransport(model: AnyModel<GraphTraits>): Transport | null {
  if (typeof model.send !== 'function' || typeof model.on !== 'function') return null;
  return {
    send: (message) => model.send(message),
    listen: (receive) => {
      const handler = (msg: unknown, buffers?: DataView[]): void => receive(msg, buffers ?? []);
      model.on('msg:custom', handler);
      return () => model.off('msg:custom', handler);
    },
  };
}

export default {
  render({ model, el }: { model: AnyModel<GraphTraits>; el: HTMLElement }): () => void {
    const view = new LensView(el);
    const data = view.connect(new DataClient(modelTransport(model)));
    const onChange = (): void => void view.setGraph(model.get('graph'), model.get('view_options') ?? {});
    const onGrads = (): void => data.gradsChanged(Number(model.get('grads_version')) || 0);
    model.on('change:graph', onChange);
    model.on('change:grads_version', onGrads);
    onChange();
    onGrads();
    return () => {
      model.off('change:graph', onChange);
      model.off('change:grads_version', onGrads);
      view.dispose();
    };
  },
};
