// Runs layoutGraph in a Web Worker when the bundle carries the worker source and the page
// allows Blob workers; otherwise (tests, strict CSP) on the main thread. Same results either way.
import { LayoutCache, layoutGraph } from './layout.ts';
import type { GraphLayout } from './layout.ts';
import { packGraph, unpackLayout } from './transfer.ts';
import type { PackedGraph, PackedLayout } from './transfer.ts';
import type { VisibleGraph } from '../graph/visible.ts';

export interface LayoutRequest {
  readonly id: number;
  readonly graph: PackedGraph;
  /** Only fill the worker's cache (idle-time warming): the reply carries no layout. */
  readonly warm?: boolean;
}
export type LayoutResponse =
  | { readonly id: number; readonly layout: PackedLayout }
  | { readonly id: number; readonly warmed: true }
  | { readonly id: number; readonly error: string };

/** Inlined by scripts/build-widget.mjs: the bundled worker.ts, as source text. */
declare const __LENSLAB_LAYOUT_WORKER__: string | undefined;

/** Graphs smaller than this are laid out in place: starting a worker would cost more. */
export const WORKER_MIN_NODES = 300;

export class LayoutClient {
  private readonly cache = new LayoutCache();
  private worker: Worker | null | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (l: PackedLayout | null) => void; reject: (e: Error) => void }>();
  private first = true;

  /**
   * `ops`: the capture's size. A big capture starts its worker after the first draw and lays
   * out everything after that there, small views too, so one cache (and one warmed-up engine) serves
   * every view of it: a block laid out when one copy was opened is reused when all copies open.
   */
  constructor(private readonly ops = 0) {}

  async layout(graph: VisibleGraph): Promise<GraphLayout> {
    const first = this.first;
    this.first = false;
    const big = graph.nodes.length >= WORKER_MIN_NODES || (!first && this.ops >= WORKER_MIN_NODES);
    const worker = big ? this.startWorker() : null;
    if (!worker) {
      // The worker of a big capture starts once the first view is drawn, not before.
      if (first && this.ops >= WORKER_MIN_NODES) setTimeout(() => this.startWorker(), 0);
      return layoutGraph(graph, this.cache);
    }
    return this.post(worker, graph, false).then(
      (layout) => (layout ? unpackLayout(layout, graph) : layoutGraph(graph, this.cache)),
      () => layoutGraph(graph, this.cache),
    );
  }

  /**
   * Lays out `graph` in the worker only to fill its cache (boxes are cached by structure and
   * sizes), so a later view holding the same boxes is laid out warm. Resolves false, doing
   * nothing, when there is no worker (small captures, tests, strict CSP).
   */
  async warm(graph: VisibleGraph): Promise<boolean> {
    const worker = this.first || this.ops < WORKER_MIN_NODES ? null : this.startWorker();
    if (!worker) return false;
    await this.post(worker, graph, true).catch(() => null);
    return true;
  }

  private post(worker: Worker, graph: VisibleGraph, warm: boolean): Promise<PackedLayout | null> {
    const id = this.nextId++;
    const { packed, transfer } = packGraph(graph);
    return new Promise<PackedLayout | null>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, graph: packed, ...(warm ? { warm } : {}) } satisfies LayoutRequest, transfer);
    });
  }

  dispose(): void {
    this.worker?.terminate();
    this.worker = null;
    for (const w of this.waiting.values()) w.reject(new Error('layout stopped'));
    this.waiting.clear();
  }

  private startWorker(): Worker | null {
    if (this.worker !== undefined) return this.worker;
    this.worker = null;
    if (typeof __LENSLAB_LAYOUT_WORKER__ !== 'string' || typeof Worker === 'undefined') return null;
    try {
      const url = URL.createObjectURL(new Blob([__LENSLAB_LAYOUT_WORKER__], { type: 'text/javascript' }));
      const worker = new Worker(url);
      URL.revokeObjectURL(url);
      worker.onmessage = (ev: MessageEvent<LayoutResponse>) => {
        const w = this.waiting.get(ev.data.id);
        this.waiting.delete(ev.data.id);
        if ('layout' in ev.data) w?.resolve(ev.data.layout);
        else if ('warmed' in ev.data) w?.resolve(null);
        else w?.reject(new Error(ev.data.error));
      };
      worker.onerror = () => {
        // The page refused the worker (CSP) or it crashed: lay out in place from now on.
        worker.terminate();
        this.worker = null;
        for (const w of this.waiting.values()) w.reject(new Error('layout worker failed'));
        this.waiting.clear();
      };
      this.worker = worker;
    } catch {
      this.worker = null;
    }
    return this.worker;
  }
}
