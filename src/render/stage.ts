// The drawing surface: SVG while the visible graph is small (real DOM nodes with data-node-id),
// a culled Canvas 2D beyond CANVAS_MIN_NODES. Holds only references to its elements and the last
// frame's inputs, so a pan or zoom can redraw (rAF-throttled) without the pipeline.
import type { VisibleGraph } from '../graph/visible.ts';
import type { GraphLayout } from '../layout/layout.ts';
import type { Camera } from '../model/view-state.ts';
import { cameraTransform } from './camera.ts';
import { drawCanvas, groupHeaderAt, nodeAt } from './canvas.ts';
import type { CanvasColors } from './canvas.ts';
import { drawScene } from './scene.ts';
import type { SceneState } from './scene.ts';
import { html, svg } from './svg.ts';

/** Above this many visible nodes the canvas draws the graph. */
export const CANVAS_MIN_NODES = 2000;

export type Hit = { readonly kind: 'node' | 'group'; readonly id: string };

interface Frame {
  readonly graph: VisibleGraph;
  readonly layout: GraphLayout;
  readonly scene: SceneState;
}

export class Stage {
  readonly el: HTMLElement;
  readonly surface: SVGSVGElement;
  private readonly viewport: SVGGElement;
  private readonly canvas: HTMLCanvasElement;
  private frame: Frame | null = null;
  private camera: Camera = { x: 0, y: 0, k: 1 };
  private pending = 0;
  private hoverGroup = '';
  private colors: CanvasColors | null = null;

  constructor(parent: HTMLElement) {
    this.el = html('div', 'lenslab-stage', parent);
    this.surface = svg('svg', { class: 'lenslab-canvas' }, this.el);
    this.viewport = svg('g', { class: 'lenslab-viewport' }, this.surface);
    this.canvas = html('canvas', 'lenslab-canvas lenslab-canvas-2d', this.el);
    this.canvas.hidden = true;
  }

  get usesCanvas(): boolean {
    return !this.canvas.hidden;
  }

  /** Draws a new frame from scratch. */
  draw(graph: VisibleGraph, layout: GraphLayout, scene: SceneState, camera: Camera): void {
    this.frame = { graph, layout, scene };
    this.camera = camera;
    this.hoverGroup = '';
    const big = graph.nodes.length > CANVAS_MIN_NODES;
    this.canvas.hidden = !big;
    this.surface.style.display = big ? 'none' : '';
    if (big) {
      this.viewport.replaceChildren();
      this.colors = null;
      this.drawCanvasNow();
    } else {
      drawScene(this.viewport, graph, layout, scene);
      this.viewport.setAttribute('transform', cameraTransform(camera));
    }
  }

  setCamera(c: Camera): void {
    this.camera = c;
    if (!this.usesCanvas) {
      this.viewport.setAttribute('transform', cameraTransform(c));
      return;
    }
    if (!this.pending) {
      this.pending = requestAnimationFrame(() => {
        this.pending = 0;
        this.drawCanvasNow();
      });
    }
  }

  /** Canvas mode: draws the current frame synchronously; returns the nodes drawn. */
  drawCanvasNow(): number {
    if (this.pending) {
      cancelAnimationFrame(this.pending); // this draw supersedes the one scheduled by setCamera
      this.pending = 0;
    }
    if (!this.frame || !this.usesCanvas) return 0;
    const t0 = performance.now();
    const { width, height } = this.size();
    const dpr = Math.min(2, window.devicePixelRatio || 1);
    if (this.canvas.width !== Math.round(width * dpr) || this.canvas.height !== Math.round(height * dpr)) {
      this.canvas.width = Math.round(width * dpr);
      this.canvas.height = Math.round(height * dpr);
    }
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return 0;
    const { graph, layout, scene } = this.frame;
    const drawn = drawCanvas(ctx, { width, height, dpr }, graph, layout, this.camera, { ...scene, hoverGroup: this.hoverGroup }, this.themeColors());
    try {
      performance.measure('lenslab:frame', { start: t0, end: performance.now() });
    } catch {
      // optional timing
    }
    return drawn;
  }

  /** What is under the pointer: a node, or a module box header. */
  hitTest(ev: MouseEvent): Hit | null {
    if (!this.usesCanvas) {
      const t = ev.target instanceof Element ? ev.target : null;
      const group = t?.closest('[data-group-id]')?.getAttribute('data-group-id');
      if (group) return { kind: 'group', id: group };
      const id = t?.closest('[data-node-id]')?.getAttribute('data-node-id');
      return id ? { kind: 'node', id } : null;
    }
    if (!this.frame) return null;
    const r = this.el.getBoundingClientRect();
    const x = (ev.clientX - r.left - this.camera.x) / this.camera.k;
    const y = (ev.clientY - r.top - this.camera.y) / this.camera.k;
    const node = nodeAt(this.frame.graph, this.frame.layout, x, y);
    if (node) return { kind: 'node', id: node };
    const group = groupHeaderAt(this.frame.graph, this.frame.layout, x, y);
    return group ? { kind: 'group', id: group } : null;
  }

  /** Highlights every pass of one layer (unrolled view); "" clears. */
  setHover(passGroup: string): void {
    if (passGroup === this.hoverGroup) return;
    this.hoverGroup = passGroup;
    if (this.usesCanvas) {
      this.setCamera(this.camera);
      return;
    }
    for (const el of this.viewport.querySelectorAll('[data-pass-group]')) {
      el.classList.toggle('lenslab-node--pass-peer', passGroup !== '' && el.getAttribute('data-pass-group') === passGroup);
    }
  }

  size(): { width: number; height: number } {
    const r = this.el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 ? { width: r.width, height: r.height } : { width: 800, height: 560 };
  }

  private themeColors(): CanvasColors {
    if (!this.colors) {
      const cs = getComputedStyle(this.el);
      const v = (name: string, fallback: string): string => cs.getPropertyValue(name).trim() || fallback;
      this.colors = {
        fg: v('--ll-fg', '#1f1f1f'),
        muted: v('--ll-fg-muted', '#616161'),
        edge: v('--ll-edge', '#6b6b6b'),
        accent: v('--ll-accent', '#1976d2'),
        warn: v('--ll-warn', '#e65100'),
        mono: v('--ll-mono', 'monospace'),
        bg: v('--ll-bg', '#ffffff'),
      };
    }
    return this.colors;
  }
}
