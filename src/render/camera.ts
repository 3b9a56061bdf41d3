// Pan and zoom: pure camera arithmetic plus the pointer/wheel wiring. The camera value itself
// is kept by the view; these functions only compute new ones.
import type { Camera } from '../model/view-state.ts';

export const MIN_ZOOM = 0.05;
export const MAX_ZOOM = 3;
const MARGIN = 16;

export interface Extent {
  readonly width: number;
  readonly height: number;
}

export function cameraTransform(c: Camera): string {
  return `translate(${c.x},${c.y}) scale(${c.k})`;
}

/**
 * Fits the whole content into the viewport (centred). Where that would zoom out below
 * `readableK` (node text too small to read), it fits the width instead, never below
 * `readableK`, top-aligned: the input end shows and the rest scrolls.
 */
export function fitCamera(content: Extent, viewport: Extent, readableK = MIN_ZOOM, maxZoom = 1.25): Camera {
  const widthK = (viewport.width - 2 * MARGIN) / Math.max(content.width, 1);
  const fitK = Math.min(widthK, (viewport.height - 2 * MARGIN) / Math.max(content.height, 1));
  const k = fitK >= readableK ? Math.min(maxZoom, fitK) : Math.max(readableK, Math.min(maxZoom, widthK));
  const x = (viewport.width - content.width * k) / 2;
  const fitsHeight = content.height * k <= viewport.height - 2 * MARGIN + 0.5;
  const y = fitsHeight ? (viewport.height - content.height * k) / 2 : MARGIN;
  return { x: content.width * k > viewport.width ? MARGIN : x, y, k };
}

/** The zoom at which text drawn at `fontPx` shows `minPx` tall on screen. */
export function readableZoom(fontPx: number, minPx: number): number {
  return minPx / Math.max(fontPx, 1);
}

/** Zoom by `factor` keeping the screen point (px, py) fixed. */
export function zoomAt(c: Camera, factor: number, px: number, py: number): Camera {
  const k = Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, c.k * factor));
  const f = k / c.k;
  return { k, x: px - (px - c.x) * f, y: py - (py - c.y) * f };
}

/** Centres a box (world space) in the viewport, zooming in to at least `minK` so it is readable. */
export function focusCamera(c: Camera, box: { x: number; y: number; width: number; height: number }, viewport: Extent, minK = 1): Camera {
  const k = Math.max(c.k, Math.min(minK, MAX_ZOOM));
  return { k, x: viewport.width / 2 - (box.x + box.width / 2) * k, y: viewport.height / 2 - (box.y + box.height / 2) * k };
}

export interface PointerHandlers {
  camera(): Camera;
  setCamera(c: Camera): void;
  /** A click that was not the end of a drag. */
  click(ev: MouseEvent): void;
}

/** Wheel zoom and drag pan on `surface`; returns a function that removes the listeners. */
export function attachPanZoom(surface: HTMLElement, h: PointerHandlers): () => void {
  let drag: { id: number; x: number; y: number; start: Camera; moved: boolean } | null = null;
  let suppressClick = false; // the click that ends a drag is not a click
  const onWheel = (ev: WheelEvent): void => {
    ev.preventDefault();
    const rect = surface.getBoundingClientRect();
    const scale = ev.deltaMode === 1 ? 30 : 1;
    h.setCamera(zoomAt(h.camera(), Math.exp(-ev.deltaY * scale * 0.0015), ev.clientX - rect.left, ev.clientY - rect.top));
  };
  const onDown = (ev: PointerEvent): void => {
    if (ev.button !== 0) return;
    suppressClick = false;
    drag = { id: ev.pointerId, x: ev.clientX, y: ev.clientY, start: h.camera(), moved: false };
  };
  const onMove = (ev: PointerEvent): void => {
    if (!drag || ev.pointerId !== drag.id) return;
    const dx = ev.clientX - drag.x;
    const dy = ev.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < 4) return;
    if (!drag.moved) surface.setPointerCapture(ev.pointerId);
    drag.moved = true;
    h.setCamera({ ...drag.start, x: drag.start.x + dx, y: drag.start.y + dy });
  };
  const onUp = (ev: PointerEvent): void => {
    if (!drag || ev.pointerId !== drag.id) return;
    suppressClick = drag.moved;
    drag = null;
    if (surface.hasPointerCapture(ev.pointerId)) surface.releasePointerCapture(ev.pointerId);
  };
  const onClick = (ev: MouseEvent): void => {
    if (suppressClick) suppressClick = false;
    else h.click(ev);
  };
  surface.addEventListener('wheel', onWheel, { passive: false });
  surface.addEventListener('pointerdown', onDown);
  surface.addEventListener('pointermove', onMove);
  surface.addEventListener('pointerup', onUp);
  surface.addEventListener('pointercancel', onUp);
  surface.addEventListener('click', onClick);
  return () => {
    surface.removeEventListener('click', onClick);
    surface.removeEventListener('wheel', onWheel);
    surface.removeEventListener('pointerdown', onDown);
    surface.removeEventListener('pointermove', onMove);
    surface.removeEventListener('pointerup', onUp);
    surface.removeEventListener('pointercancel', onUp);
  };
}
