// The camera of one view: where it looks, and whether it was placed by a fit and left alone
// (then a resize refits). Every move goes to the stage, which redraws (rAF-throttled on canvas).
import { IDENTITY_CAMERA } from '../model/view-state.ts';
import type { Camera } from '../model/view-state.ts';
import { fitCamera } from '../render/camera.ts';
import type { Stage } from '../render/stage.ts';
import type { GraphLayout } from '../layout/layout.ts';

export class ViewCamera {
  private current: Camera = IDENTITY_CAMERA;
  /** Placed by a fit (with this minimum zoom) and not moved since: refit on resize. */
  private autoFit: number | null = null;

  constructor(private readonly stage: Stage) {}

  get camera(): Camera {
    return this.current;
  }

  get fitted(): boolean {
    return this.autoFit !== null;
  }

  set(c: Camera): void {
    this.current = c;
    this.autoFit = null;
    this.stage.setCamera(c);
  }

  /** Fits the layout into the stage, zooming out no further than `minZoom` (if given). */
  fit(layout: GraphLayout | null, minZoom: number | undefined): void {
    if (!layout) return;
    this.set(fitCamera(layout, this.stage.size(), minZoom));
    this.autoFit = minZoom ?? 0;
  }

  /** The stage changed size: keep an untouched fit fitted; a canvas needs a redraw. */
  resized(layout: GraphLayout | null): void {
    if (!layout) return;
    if (this.autoFit !== null) this.fit(layout, this.autoFit || undefined);
    else this.set(this.current);
  }

  /** Moves the camera and redraws now; returns the draw time in ms (benchmarks). */
  panBy(dx: number, dy: number, zoom: number): number {
    const t0 = performance.now();
    const c = this.current;
    this.set({ k: c.k * zoom, x: c.x + dx, y: c.y + dy });
    if (this.stage.usesCanvas) this.stage.drawCanvasNow();
    return performance.now() - t0;
  }
}
