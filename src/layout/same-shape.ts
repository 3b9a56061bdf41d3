// Boxes with one structure (the copies of a repeated block: same items, same pieces, in the same
// order) but slightly different sizes (labels one digit longer) would each need a layout run of
// their own. Giving every item the largest size it has in any of the copies makes them one shape:
// one run for all, and copies that look alike.
import type { Size } from './size.ts';
import { isGroupItem, isInPort, isPort } from './types.ts';

export interface BoxContents {
  readonly ids: readonly string[];
  readonly segs: readonly { readonly from: string; readonly to: string; readonly text: string }[];
  /** Its structureKey, when already known. */
  readonly key?: string;
}

/** The structure of a box: item kinds and pieces by item position, without sizes. */
export function structureKey(box: BoxContents): string {
  const at = new Map<string, number>();
  const kinds = box.ids.map((id, i) => {
    at.set(id, i);
    return isPort(id) ? (isInPort(id) ? 'i' : 'o') : isGroupItem(id) ? 'g' : 'n';
  });
  const edges = box.segs.map((e) => `${at.get(e.from) ?? -1}>${at.get(e.to) ?? -1}${e.text ? `:${e.text}` : ''}`);
  return `${kinds.join('')}\u0002${edges.join(',')}`;
}

/** Sets every item of boxes of one structure to its largest size among them (in `sizes`). */
export function unifySizes(boxes: readonly BoxContents[], sizes: Map<string, Size>): void {
  const classes = new Map<string, BoxContents[]>();
  for (const b of boxes) {
    if (b.ids.length < 2) continue;
    const key = b.key ?? structureKey(b);
    const list = classes.get(key);
    if (list) list.push(b);
    else classes.set(key, [b]);
  }
  for (const list of classes.values()) {
    if (list.length < 2) continue;
    const n = list[0]?.ids.length ?? 0;
    for (let i = 0; i < n; i++) {
      let width = 0;
      let height = 0;
      for (const b of list) {
        const s = sizes.get(b.ids[i] ?? '');
        if (s) {
          width = Math.max(width, s.width);
          height = Math.max(height, s.height);
        }
      }
      if (width === 0 && height === 0) continue;
      for (const b of list) {
        const id = b.ids[i] ?? '';
        if (sizes.has(id)) sizes.set(id, { width, height });
      }
    }
  }
}
