// anywidget entry. Data flows protocol → model → graph → layout → render; LensView holds the
// interaction state (view state + camera) and runs that pipeline after every change.
import type { AnyModel } from '@anywidget/types';
import { createTrace } from './model/trace.ts';
import type { Trace } from './model/trace.ts';
import { IDENTITY_CAMERA, initialViewState, withDepth, withExpanded, withQuery, withRolled, withSelected } from './model/view-state.ts';
import type { Camera, ViewState } from './model/view-state.ts';
import { addressOfModuleId, buildHierarchy } from './graph/hierarchy.ts';
import type { Hierarchy } from './graph/hierarchy.ts';
import { buildVisibleGraph } from './graph/visible.ts';
import type { VisibleGraph } from './graph/visible.ts';
import { defaultDepth, expandedForDepth, fullDepth } from './graph/depth.ts';
import { scopesToReveal, searchNodes } from './graph/search.ts';
import { describeNode } from './graph/describe.ts';
import { LayoutClient } from './layout/client.ts';
import type { Box, GraphLayout } from './layout/layout.ts';
import { drawScene } from './render/scene.ts';
import { attachPanZoom, cameraTransform, fitCamera } from './render/camera.ts';
import { createToolbar, updateToolbar } from './render/toolbar.ts';
import type { ToolbarAction } from './render/toolbar.ts';
import { createInspector, renderInspector } from './render/inspector.ts';
import { html, svg } from './render/svg.ts';

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

function measure(name: string, start: number): void {
  try {
    performance.measure(name, { start, end: performance.now() });
  } catch {
    // performance.measure with options is missing in very old engines; timing is optional.
  }
}

export class LensView implements LensViewApi {
  readonly root: HTMLElement;
  private readonly toolbar: HTMLElement;
  private readonly surface: SVGSVGElement;
  private readonly viewport: SVGGElement;
  private readonly inspector: HTMLElement;
  private readonly message: HTMLElement;
  private trace: Trace | null = null;
  private hierarchies = new Map<boolean, Hierarchy>();
  private state: ViewState = initialViewState([], 1);
  private camera: Camera = IDENTITY_CAMERA;
  private graph: VisibleGraph = EMPTY;
  private layout: GraphLayout | null = null;
  private layouter = new LayoutClient();
  private queue: Promise<void> = Promise.resolve();
  private readonly started = performance.now();
  private drawn = false;
  private readonly detach: () => void;

  constructor(host: HTMLElement) {
    this.root = html('div', 'lenslab-root', host);
    this.root.dataset['state'] = 'loading';
    this.toolbar = createToolbar((a) => void this.onToolbar(a));
    this.root.appendChild(this.toolbar);
    const body = html('div', 'lenslab-body', this.root);
    this.surface = svg('svg', { class: 'lenslab-canvas' }, body);
    this.viewport = svg('g', { class: 'lenslab-viewport' }, this.surface);
    this.inspector = createInspector();
    body.appendChild(this.inspector);
    this.message = html('div', 'lenslab-message', this.root, 'Loading the graph\u2026');
    Object.defineProperty(this.root, 'lenslabView', { value: this, configurable: true });
    this.detach = attachPanZoom(this.surface, {
      camera: () => this.camera,
      setCamera: (c) => this.setCamera(c),
      click: (t) => void this.onClick(t),
    });
  }

  dispose(): void {
    this.detach();
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
    return this.whenLoaded(() => {
      const h = this.hierarchy();
      const known = describeNode(this.requireTrace(), h, id) !== null;
      let s = withSelected(this.state, known ? id : null);
      if (known && !this.graph.nodes.some((n) => n.id === id)) {
        s = withExpanded(s, this.addresses(h, scopesToReveal(h, id)), true);
      }
      this.state = s;
      return this.refresh({ reveal: known ? id : undefined });
    });
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
  private async refresh(opts: { fit?: boolean; anchor?: string; reveal?: string | undefined }): Promise<void> {
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
    const matches = new Set(this.state.query ? searchNodes(trace, h, this.state.query) : []);
    drawScene(this.viewport, this.graph, this.layout, { selected: this.state.selected, matches });
    const depth = this.state.depth;
    updateToolbar(this.toolbar, {
      rolled: this.state.rolled,
      depth,
      maxDepth: fullDepth(h),
      hasLoops: trace.ops.some((o) => o.num_passes > 1),
      summary: `${trace.graph.model_type} \u00b7 ${trace.ops.length} ops \u00b7 ${this.graph.nodes.length} shown`,
    });
    renderInspector(this.inspector, this.state.selected ? describeNode(trace, h, this.state.selected) : null);
    this.placeCamera(opts, before);
    measure('lenslab:draw', t1);
    this.root.dataset['state'] = 'ready';
    this.message.textContent = '';
    if (!this.drawn) {
      this.drawn = true;
      measure('lenslab:first-draw', this.started);
    }
  }

  private placeCamera(opts: { fit?: boolean; anchor?: string; reveal?: string | undefined }, before: Box | null): void {
    const view = this.viewportSize();
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

  private viewportSize(): { width: number; height: number } {
    const r = this.surface.getBoundingClientRect();
    return r.width > 0 && r.height > 0 ? { width: r.width, height: r.height } : { width: 800, height: 560 };
  }

  private setCamera(c: Camera): void {
    this.camera = c;
    this.viewport.setAttribute('transform', cameraTransform(c));
  }

  private async onClick(target: Element): Promise<void> {
    const group = target.closest('[data-group-id]')?.getAttribute('data-group-id');
    if (group) return this.collapse(group);
    const id = target.closest('[data-node-id]')?.getAttribute('data-node-id');
    if (!id) return;
    return id.startsWith('module:') ? this.expand(id) : this.select(id);
  }

  private async onToolbar(a: ToolbarAction): Promise<void> {
    if (!this.trace) return;
    switch (a.kind) {
      case 'fit':
        if (this.layout) this.setCamera(fitCamera(this.layout, this.viewportSize()));
        return;
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
}

export default {
  render({ model, el }: { model: AnyModel<GraphTraits>; el: HTMLElement }): () => void {
    const view = new LensView(el);
    const onChange = (): void => void view.setGraph(model.get('graph'), model.get('view_options') ?? {});
    model.on('change:graph', onChange);
    onChange();
    return () => {
      model.off('change:graph', onChange);
      view.dispose();
    };
  },
};
