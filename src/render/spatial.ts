// Which items of a big drawn graph lie in a band of y (the viewport's rows), without looking at
// every item each frame: items are bucketed by the rows of world space they cover, once per
// layout, and a query visits only the buckets in the band. Graphs run top to bottom and are
// far taller than wide once expanded (a 100k-op LLM is ~1,700 blocks high), so rows suffice.

/** Items below this count are simply scanned: bucketing them would cost more. */
export const INDEX_MIN_ITEMS = 2000;
/** About this many buckets over the graph's height. */
const BUCKETS = 1024;
/** Items spanning more buckets than this (edges from the top of a model into every block) are
 *  kept apart, in one list every query checks, instead of in all the buckets they cross. */
const LONG = 16;

export class RowIndex {
  private readonly top: number;
  private readonly step: number;
  /** Items of bucket k: ids[start[k] .. start[k + 1]). */
  private readonly start: Int32Array;
  private readonly ids: Int32Array;
  private readonly stamp: Int32Array;
  private readonly long: Int32Array;
  private readonly y0: Float64Array;
  private readonly y1: Float64Array;
  private query = 0;

  /** `y0[i]`..`y1[i]`: the rows item i covers (NaN: never in view). */
  constructor(y0: Float64Array, y1: Float64Array) {
    const n = y0.length;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const a = y0[i] as number;
      if (a !== a) continue; // NaN
      if (a < lo) lo = a;
      const b = y1[i] as number;
      if (b > hi) hi = b;
    }
    this.top = Number.isFinite(lo) ? lo : 0;
    this.step = Math.max(1, (Number.isFinite(hi) ? hi - this.top : 0) / BUCKETS);
    const count = new Int32Array(BUCKETS + 2);
    const first = new Int32Array(n);
    const last = new Int32Array(n).fill(-1); // -1: never in view (or a long item)
    const long: number[] = [];
    for (let i = 0; i < n; i++) {
      const a = y0[i] as number;
      if (a !== a) continue; // NaN
      first[i] = this.bucket(a);
      last[i] = this.bucket(y1[i] as number);
      if ((last[i] as number) - (first[i] as number) > LONG) {
        long.push(i);
        last[i] = -1;
        first[i] = 0;
        continue;
      }
      for (let k = first[i] as number; k <= (last[i] as number); k++) count[k + 1] = (count[k + 1] as number) + 1;
    }
    for (let k = 1; k < count.length; k++) count[k] = (count[k] as number) + (count[k - 1] as number);
    this.start = count.slice();
    this.ids = new Int32Array(count[count.length - 1] as number);
    for (let i = 0; i < n; i++) {
      for (let k = first[i] as number; k <= (last[i] as number); k++) {
        this.ids[count[k] as number] = i;
        count[k] = (count[k] as number) + 1;
      }
    }
    this.stamp = new Int32Array(n);
    this.long = Int32Array.from(long);
    this.y0 = y0;
    this.y1 = y1;
  }

  private bucket(y: number): number {
    return Math.max(0, Math.min(BUCKETS, Math.floor((y - this.top) / this.step)));
  }

  /** Items whose rows meet [ya, yb], in ascending order (each once). */
  within(ya: number, yb: number): number[] {
    if (yb < ya) return [];
    this.query += 1;
    const out: number[] = [];
    const a = this.bucket(ya);
    const b = this.bucket(yb);
    for (let k = a; k <= b; k++) {
      for (let j = this.start[k] ?? 0; j < (this.start[k + 1] ?? 0); j++) {
        const i = this.ids[j] ?? 0;
        if (this.stamp[i] === this.query) continue;
        this.stamp[i] = this.query;
        out.push(i);
      }
    }
    for (const i of this.long) if ((this.y0[i] as number) <= yb && (this.y1[i] as number) >= ya) out.push(i);
    return out.sort((x, y) => x - y);
  }
}
