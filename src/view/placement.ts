// Where the camera goes after a redraw: fit, keep an anchor still, focus or reveal a node.
// Pure arithmetic on boxes, so it is tested without a DOM.
import type { Box } from '../layout/layout.ts';
import type { Camera } from '../model/view-state.ts';
import { focusCamera } from '../render/camera.ts';
import type { Extent } from '../render/camera.ts';

export interface Placement {
  /** The anchor's box before and after the change (expand/collapse keeps it still). */
  readonly before: Box | null;
  readonly after: Box | null;
  /** Centre and zoom to this box. */
  readonly focus: Box | null;
  /** Pan so this box is on screen, if it is not. */
  readonly reveal: Box | null;
}

/** The camera after a redraw (the same object when nothing needs to move). */
export function placeCamera(camera: Camera, p: Placement, view: Extent): Camera {
  const { x, y, k } = camera;
  if (p.before && p.after) {
    return { k, x: x + (p.before.x + p.before.width / 2 - p.after.x - p.after.width / 2) * k, y: y + (p.before.y - p.after.y) * k };
  }
  if (p.focus) return focusCamera(camera, p.focus, view);
  const t = p.reveal;
  if (t) {
    const sx = t.x * k + x;
    const sy = t.y * k + y;
    if (sx < 0 || sy < 0 || sx + t.width * k > view.width || sy + t.height * k > view.height) {
      return { k, x: view.width / 2 - (t.x + t.width / 2) * k, y: view.height / 2 - (t.y + t.height / 2) * k };
    }
  }
  return camera;
}
