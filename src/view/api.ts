// The view's public shapes: the testing surface (CONTRACT.md), the initial view options asked
// for from Python, and the performance marks the pipeline records.

/** The testing surface (CONTRACT.md): `root.lenslabView`. */
export interface LensViewApi {
  visibleNodeIds(): string[];
  expand(id: string): Promise<void>;
  collapse(id: string): Promise<void>;
  setRolled(rolled: boolean): Promise<void>;
  setDepth(depth: number): Promise<void>;
  select(id: string): Promise<void>;
  search(query: string): string[];
  /** The forward-pass player (root data-playing, data-current). */
  step(delta: number): Promise<string>;
  play(): Promise<void>;
  pause(): Promise<void>;
  /** Selects every op a line of code ran; resolves to their ids. */
  selectSource(file: string, line: number): Promise<string[]>;
  /** Compare widgets (CONTRACT): the difference drawn on that node, or null. */
  diffOf(id: string): number | null;
}

/** The initial view asked for from Python: `h.show(depth=2, focus="layer1", direction="LR")`. */
export type { ViewOptions } from '../graph/view-options.ts';

/** What a pipeline run does with the camera once the new frame is drawn. */
export interface RefreshOptions {
  fit?: boolean;
  /** Keep this node (or the box it opened into) where it was on screen. */
  anchor?: string;
  /** Pan so this node is on screen (if it is not). */
  reveal?: string | undefined;
  /** Centre and zoom to this node. */
  focus?: string | undefined;
}

/** Records `performance.measure(name)` from `start` to now (lenslab:layout, :draw, :first-draw). */
export function measure(name: string, start: number): void {
  try {
    performance.measure(name, { start, end: performance.now() });
  } catch {
    // performance.measure with options is missing in very old engines; timing is optional.
  }
}
