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

/**
 * Sets every item of boxes of one structure to its largest size among them (in `sizes`).
 * Returns the classes of two or more boxes that now have one structure and the very same sizes
 * (each item sized in all of them or in none): one layout serves each class.
 */
export function unifySizes<B extends BoxContents>(boxes: readonly B[], sizes: Map<string, Size>): B[][] {
  const classes = new Map<string, B[]>();
  for (const b of boxes) {
    if (b.ids.length < 2) continue;
    const key = b.key ?? structureKey(b);
    const list = classes.get(key);
    if (list) list.push(b);
    else classes.set(key, [b]);
  }
  const alike: B[][] = [];
  for (const list of classes.values()) {
    if (list.length < 2) continue;
    if (unifyClass(list, sizes)) alike.push(list);
  }
  return alike;
}

/** One class of boxes: each item at its largest size. False when some item is sized in only
 *  some of the boxes (their sizes then still differ). */
function unifyClass(list: readonly BoxContents[], sizes: Map<string, Size>): boolean {
  const n = list[0]?.ids.length ?? 0;
  let uniform = true;
  for (let i = 0; i < n; i++) {
    let width = 0;
    let height = 0;
    let present = 0;
    let differ = false;
    let first: Size | undefined;
    for (const b of list) {
      const s = sizes.get(b.ids[i] ?? '');
      if (!s) continue;
      present += 1;
      if (first === undefined) first = s;
      else if (s.width !== first.width || s.height !== first.height) differ = true;
      width = Math.max(width, s.width);
      height = Math.max(height, s.height);
    }
    if (present !== 0 && present !== list.length) uniform = false;
    if ((width === 0 && height === 0) || !differ) continue; // nothing to change
    const size = { width, height };
    for (const b of list) {
      const id = b.ids[i] ?? '';
      if (sizes.has(id)) sizes.set(id, size);
    }
  }
  return uniform;
}
