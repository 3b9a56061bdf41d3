// What the user chose to see. Immutable: every change returns a new state, so the graph stage
// can be a pure function of (trace, view state).

export interface ViewState {
  /** Module addresses shown open (as a box with their contents). Applies to every call. */
  readonly expanded: ReadonlySet<string>;
  /** One node per layer (all passes merged) instead of one node per op. */
  readonly rolled: boolean;
  /** Selected node id, or null. */
  readonly selected: string | null;
  /** The nesting depth last asked for (1 = top-level modules closed). */
  readonly depth: number;
  /** Search query; matching nodes are highlighted. */
  readonly query: string;
  /** The search hit stepped to last (Enter / Shift+Enter), or -1 before the first step. */
  readonly matchIndex: number;
  /** Node colouring by a metric ('none': the TorchLens role colours). */
  readonly overlay: Metric;
  /** Draw buffer nodes (BatchNorm running stats, …). Hidden by default, as in TorchLens. */
  readonly showBuffers: boolean;
  /** Draw runs of repeated blocks folded (`Block ×N`, graph/fold.ts). */
  readonly fold: boolean;
  /** Opened folds showing one member (fold id → member index); absent: all members. */
  readonly foldPick: ReadonlyMap<string, number>;
  /** Layout direction: top to bottom (default) or left to right. */
  readonly direction: Direction;
  /** Draw only this module (an address) with the nodes feeding it and fed by it; null: all. */
  readonly focus: string | null;
  /** Scores given from Python (`overlay={label: score}`), shown by the 'custom' metric. */
  readonly custom: CustomOverlay | null;
  /** Rolled view: the pass (1-based) the inspector shows for a layer node with several passes
   *  (node id → pass); absent: pass 1. The facts, code and tensor view all follow it. */
  readonly passPick?: ReadonlyMap<string, number>;
}

export type Metric = 'none' | 'time' | 'size' | 'saved' | 'params' | 'flops' | 'grad' | 'flow' | 'custom';
export type Direction = 'TB' | 'LR';

export interface CustomOverlay {
  /** Legend title. */
  readonly name: string;
  /** Score per op position (NaN: none). */
  readonly values: Float64Array;
  /** How a closed module combines the scores of its ops. */
  readonly aggregate: 'sum' | 'max';
  /** How values read in the legend: bytes ('size') or plain numbers. */
  readonly format: 'size' | 'number';
  /** Extra rows for the inspector, per op position (dataset statistics: every statistic). */
  readonly details?: ReadonlyMap<number, readonly (readonly [string, number])[]>;
}

export function initialViewState(expanded: Iterable<string>, depth: number): ViewState {
  return {
    expanded: new Set(expanded), rolled: false, selected: null, depth, query: '', matchIndex: -1, overlay: 'none', showBuffers: false,
    direction: 'TB', focus: null, custom: null, fold: false, foldPick: new Map(),
  };
}

export function withExpanded(s: ViewState, addresses: Iterable<string>, open: boolean): ViewState {
  const expanded = new Set(s.expanded);
  let changed = false;
  for (const a of addresses) {
    if (expanded.has(a) !== open) {
      changed = true;
      if (open) expanded.add(a);
      else expanded.delete(a);
    }
  }
  return changed ? { ...s, expanded } : s;
}

/** Replaces the expanded set wholesale (depth changes, expand all, collapse all). */
export function withDepth(s: ViewState, depth: number, expanded: Iterable<string>): ViewState {
  return { ...s, depth, expanded: new Set(expanded) };
}

export function withRolled(s: ViewState, rolled: boolean): ViewState {
  return s.rolled === rolled ? s : { ...s, rolled, selected: null };
}

export function withSelected(s: ViewState, selected: string | null): ViewState {
  return s.selected === selected ? s : { ...s, selected };
}

export function withQuery(s: ViewState, query: string): ViewState {
  return s.query === query ? s : { ...s, query, matchIndex: -1 };
}

/** Steps through `count` search hits: +1 next, -1 previous, wrapping around. */
export function withMatchStep(s: ViewState, delta: number, count: number): ViewState {
  if (count <= 0) return s.matchIndex === -1 ? s : { ...s, matchIndex: -1 };
  const from = s.matchIndex < 0 ? (delta > 0 ? -1 : 0) : s.matchIndex;
  return { ...s, matchIndex: (((from + delta) % count) + count) % count };
}

export function withOverlay(s: ViewState, overlay: Metric): ViewState {
  return s.overlay === overlay ? s : { ...s, overlay };
}

export function withShowBuffers(s: ViewState, showBuffers: boolean): ViewState {
  return s.showBuffers === showBuffers ? s : { ...s, showBuffers };
}

/** Where the user looks: translation (screen px) and scale. Owned by the view, read by render. */
export interface Camera {
  readonly x: number;
  readonly y: number;
  readonly k: number;
}

export const IDENTITY_CAMERA: Camera = { x: 0, y: 0, k: 1 };

export function withFold(s: ViewState, fold: boolean): ViewState {
  return s.fold === fold ? s : { ...s, fold, selected: null, foldPick: new Map() };
}

/** The pass the inspector shows for rolled node `id` (1 unless one was picked). */
export function passOf(s: ViewState, id: string | null): number {
  return (id === null ? undefined : s.passPick?.get(id)) ?? 1;
}

/** Rolled view: the inspector shows pass `pass` (1-based) of layer node `id`. */
export function withPassPick(s: ViewState, id: string, pass: number): ViewState {
  if (passOf(s, id) === pass) return s;
  const passPick = new Map(s.passPick ?? []);
  passPick.set(id, pass);
  return { ...s, passPick };
}

/** Shows one member of an opened fold (`index`), or all of them (null). */
export function withFoldPick(s: ViewState, fold: string, index: number | null): ViewState {
  if ((s.foldPick.get(fold) ?? null) === index) return s;
  const foldPick = new Map(s.foldPick);
  if (index === null) foldPick.delete(fold);
  else foldPick.set(fold, index);
  return { ...s, foldPick };
}
