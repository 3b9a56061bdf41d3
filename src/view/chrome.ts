// The widget's frame: toolbar, the module outline (collapsible), the graph stage with its legend
// strip beneath (never over the nodes), the inspector (open only while something is selected),
// the hover card, the message line and a drag handle for the height. Owns only DOM and the
// open/closed state of its panels; LensView decides what they show.
import { createToolbar } from '../render/toolbar.ts';
import type { ToolbarAction } from '../render/toolbar.ts';
import { createInspector } from '../render/inspector.ts';
import { createOutline } from '../render/outline.ts';
import type { OutlineHandlers } from '../render/outline.ts';
import { Stage } from '../render/stage.ts';
import { html } from '../render/svg.ts';

export interface ChromeHandlers {
  toolbar(a: ToolbarAction): void;
  outline: OutlineHandlers;
  /** An inspector link (parent, child, submodule) was clicked. */
  follow(id: string): void;
  /** The inspector's close button. */
  closeInspector(): void;
  /** The legend strip's "buffers" switch. */
  showBuffers(show: boolean): void;
  /** The graph stage changed size (panel opened or closed, widget resized). */
  resized(): void;
}

/** Below this root width the outline starts closed (a notebook cell is about 900 px). */
export const OUTLINE_MIN_WIDTH = 1000;
const MIN_HEIGHT = 260;

export class Chrome {
  readonly root: HTMLElement;
  readonly toolbar: HTMLElement;
  readonly stage: Stage;
  readonly inspector: HTMLElement;
  readonly outline: ReturnType<typeof createOutline>;
  readonly legend: HTMLElement;
  readonly card: HTMLElement;
  readonly message: HTMLElement;
  /** "SmallCNN · 12 ops · 14 shown", in the strip under the graph. */
  readonly summary: HTMLElement;
  private readonly legendToggle: HTMLButtonElement;
  private readonly buffers: HTMLInputElement;
  private readonly bufferSwitch: HTMLElement;
  /** null: decided by the widget's width; else the user's choice. */
  private outlineChoice: boolean | null = null;
  private readonly observer: ResizeObserver | null;
  private readonly offResize: () => void;
  /** The inspector was handed to a host (detachInspector): it stays shown, a hint when empty. */
  private inspectorHosted = false;

  constructor(host: HTMLElement, h: ChromeHandlers) {
    this.root = html('div', 'lenslab-root', host);
    this.root.dataset['state'] = 'loading';
    this.root.tabIndex = 0;
    this.root.setAttribute('aria-label', 'lenslab graph (press ? for keys)');
    this.toolbar = createToolbar(h.toolbar);
    this.root.appendChild(this.toolbar);
    const body = html('div', 'lenslab-body', this.root);
    this.outline = createOutline(h.outline);
    body.appendChild(this.outline.el);
    const main = html('div', 'lenslab-main', body);
    this.stage = new Stage(main);
    this.card = html('div', 'lenslab-hover', this.stage.el);
    const footer = html('div', 'lenslab-footer', main);
    this.legendToggle = html('button', 'lenslab-legend-toggle', footer, 'Legend');
    this.legendToggle.type = 'button';
    this.legendToggle.title = 'Show or hide the legend';
    this.legendToggle.setAttribute('aria-expanded', 'true');
    this.legendToggle.addEventListener('click', () => this.setLegendOpen(this.legendToggle.getAttribute('aria-expanded') !== 'true'));
    this.legend = html('div', 'lenslab-legend', footer);
    this.summary = html('span', 'lenslab-summary', footer);
    this.bufferSwitch = html('label', 'lenslab-switch', footer);
    this.bufferSwitch.title = 'Draw buffer nodes (BatchNorm running statistics and the like); the layer table always lists them (key: b)';
    this.buffers = html('input', '', this.bufferSwitch);
    this.buffers.type = 'checkbox';
    this.buffers.dataset['action'] = 'show-buffers';
    html('span', '', this.bufferSwitch, 'buffers');
    this.buffers.addEventListener('change', () => h.showBuffers(this.buffers.checked));
    this.inspector = createInspector(h.follow, h.closeInspector);
    this.inspector.hidden = true;
    body.appendChild(this.inspector);
    this.message = html('div', 'lenslab-message', this.root, 'Loading the graph\u2026');
    this.offResize = this.attachResizeHandle();
    this.observer = typeof ResizeObserver === 'function' ? new ResizeObserver(() => this.onResize(h)) : null;
    this.observer?.observe(this.stage.el);
    this.observer?.observe(this.root);
  }

  dispose(): void {
    this.observer?.disconnect();
    this.offResize();
    this.root.remove();
    this.inspector.remove(); // a host may hold it (detachInspector)
  }

  get outlineOpen(): boolean {
    return !this.outline.el.hidden;
  }

  /** The toolbar's "Modules" button: the user's choice wins over the width rule from now on. */
  toggleOutline(): void {
    this.outlineChoice = !this.outlineOpen;
    this.applyOutline();
  }

  setInspectorOpen(open: boolean): void {
    this.inspector.hidden = !open && !this.inspectorHosted;
  }

  /** Takes the inspector out of the widget's layout for a host to place; it stays shown from now on. */
  detachInspector(): HTMLElement {
    this.inspectorHosted = true;
    this.inspector.remove();
    this.inspector.hidden = false;
    return this.inspector;
  }

  setLegendOpen(open: boolean): void {
    this.legendToggle.setAttribute('aria-expanded', String(open));
    this.legend.hidden = !open;
  }

  /** The buffers switch: checked state, and whether the model has any buffers to show. */
  setBuffers(shown: boolean, available: boolean): void {
    this.buffers.checked = shown;
    this.bufferSwitch.hidden = !available;
  }

  private applyOutline(): void {
    const width = this.root.getBoundingClientRect().width;
    const open = this.outlineChoice ?? (width === 0 || width >= OUTLINE_MIN_WIDTH);
    if (this.outline.el.hidden === !open) return;
    this.outline.el.hidden = !open;
    this.toolbar.querySelector('[data-action="outline"]')?.setAttribute('aria-pressed', String(open));
  }

  private onResize(h: ChromeHandlers): void {
    this.applyOutline();
    h.resized();
  }

  /** The strip under the widget: drag to change its height (double-click: back to default). */
  private attachResizeHandle(): () => void {
    const grip = html('div', 'lenslab-resize', this.root);
    grip.title = 'Drag to resize (double-click: default height)';
    grip.setAttribute('aria-hidden', 'true');
    let drag: { id: number; y: number; height: number } | null = null;
    const down = (ev: PointerEvent): void => {
      if (ev.button !== 0) return;
      drag = { id: ev.pointerId, y: ev.clientY, height: this.root.getBoundingClientRect().height };
      grip.setPointerCapture(ev.pointerId);
      ev.preventDefault();
    };
    const move = (ev: PointerEvent): void => {
      if (!drag || ev.pointerId !== drag.id) return;
      this.root.style.height = `${Math.max(MIN_HEIGHT, Math.round(drag.height + ev.clientY - drag.y))}px`;
    };
    const up = (ev: PointerEvent): void => {
      if (!drag || ev.pointerId !== drag.id) return;
      drag = null;
      if (grip.hasPointerCapture(ev.pointerId)) grip.releasePointerCapture(ev.pointerId);
    };
    const reset = (): void => {
      this.root.style.removeProperty('height');
    };
    grip.addEventListener('pointerdown', down);
    grip.addEventListener('pointermove', move);
    grip.addEventListener('pointerup', up);
    grip.addEventListener('pointercancel', up);
    grip.addEventListener('dblclick', reset);
    return () => {
      grip.removeEventListener('pointerdown', down);
      grip.removeEventListener('pointermove', move);
      grip.removeEventListener('pointerup', up);
      grip.removeEventListener('pointercancel', up);
      grip.removeEventListener('dblclick', reset);
    };
  }
}
