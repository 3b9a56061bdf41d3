// The layer table's rows, sorting and filtering, DOM-free. One row per layer pass.
import type { Trace } from '../model/trace.ts';
import { formatCount, formatShape } from '../model/trace.ts';
import { formatSeconds } from '../graph/describe.ts';
import { formatMetric, outputBytes } from '../graph/overlay.ts';
import { formatNumber } from './views.ts';

export interface RowStats {
  readonly mean: number;
  readonly std: number;
  readonly min: number;
  readonly max: number;
  readonly nan: number;
}

export interface LayerRow {
  /** Position in execution order (the op index). */
  readonly index: number;
  readonly label: string;
  readonly type: string;
  readonly module: string;
  readonly shape: string;
  readonly dtype: string;
  readonly params: number;
  readonly time: number;
  readonly flops: number;
  readonly bytes: number;
  /** Class name of the autograd node that made the output; '' (or absent) when none. */
  readonly grad_fn?: string;
  /** Compare widgets: the difference between the two runs (NaN where none). */
  readonly diff?: number;
  /** lens(intervene=) replaced this op's output. */
  readonly intervened?: boolean;
}

export type ColumnKey = 'index' | 'label' | 'type' | 'module' | 'shape' | 'dtype' | 'params' | 'time' | 'flops' | 'bytes' | 'grad_fn' | 'mean' | 'std' | 'min' | 'max' | 'nan' | 'diff';

export interface Column {
  readonly key: ColumnKey;
  readonly title: string;
  readonly width: number;
  readonly numeric: boolean;
}

export const COLUMNS: readonly Column[] = [
  { key: 'index', title: '#', width: 44, numeric: true },
  { key: 'label', title: 'label', width: 150, numeric: false },
  { key: 'type', title: 'op', width: 90, numeric: false },
  { key: 'module', title: 'module', width: 130, numeric: false },
  { key: 'shape', title: 'shape', width: 110, numeric: false },
  { key: 'dtype', title: 'dtype', width: 64, numeric: false },
  { key: 'params', title: 'params', width: 64, numeric: true },
  { key: 'time', title: 'time', width: 70, numeric: true },
  { key: 'flops', title: 'FLOPs', width: 64, numeric: true },
  { key: 'bytes', title: 'size', width: 70, numeric: true },
  { key: 'grad_fn', title: 'grad_fn', width: 140, numeric: false },
  { key: 'mean', title: 'mean', width: 84, numeric: true },
  { key: 'std', title: 'std', width: 84, numeric: true },
  { key: 'min', title: 'min', width: 84, numeric: true },
  { key: 'max', title: 'max', width: 84, numeric: true },
  { key: 'nan', title: 'NaN', width: 48, numeric: true },
];

/** The column a compare widget adds after the label. */
export const DIFF_COLUMN: Column = { key: 'diff', title: 'diff', width: 76, numeric: true };

/** The columns with the difference column second to the label (compare widgets). */
export function columnsWithDiff(): readonly Column[] {
  const [index, label, ...rest] = COLUMNS;
  return [index, label, DIFF_COLUMN, ...rest].filter((c): c is Column => c !== undefined);
}

/** Rows carrying a difference per op (compare widgets). */
export function withDiffs(rows: readonly LayerRow[], values: ArrayLike<number>): LayerRow[] {
  return rows.map((r) => ({ ...r, diff: values[r.index] ?? Number.NaN }));
}

export function layerRows(trace: Trace): LayerRow[] {
  const intervened = new Set(trace.graph.intervened ?? []);
  return trace.ops.map((op, index) => ({
    index,
    label: op.label,
    type: op.type,
    module: trace.calls[op.module_call]?.address ?? '',
    shape: formatShape(op.shape),
    dtype: op.dtype,
    params: op.num_params,
    time: op.time_s,
    flops: op.flops,
    bytes: outputBytes(op),
    grad_fn: op.grad_fn ?? '',
    ...(intervened.has(index) ? { intervened: true } : {}),
  }));
}

export type StatsLookup = (index: number) => RowStats | undefined;

function sortValue(row: LayerRow, key: ColumnKey, stats: StatsLookup): number | string {
  switch (key) {
    case 'mean':
    case 'std':
    case 'min':
    case 'max':
    case 'nan':
      return stats(row.index)?.[key] ?? Number.NaN;
    case 'diff':
      return row.diff ?? Number.NaN;
    case 'grad_fn':
      return row.grad_fn ?? '';
    default:
      return row[key];
  }
}

/** Rows matching every word of `query` (label, op, module, shape, dtype or grad_fn). */
export function filterRows(rows: readonly LayerRow[], query: string): LayerRow[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return rows.slice();
  return rows.filter((r) => {
    const text = `${r.label} ${r.type} ${r.module} ${r.shape} ${r.dtype} ${r.grad_fn ?? ''}${r.intervened ? ' intervened' : ''}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

/** Stable sort; rows without a value (NaN: no stats yet) go last in either direction. */
export function sortRows(rows: readonly LayerRow[], key: ColumnKey, descending: boolean, stats: StatsLookup): LayerRow[] {
  const dir = descending ? -1 : 1;
  return rows
    .map((row, i) => ({ row, i, v: sortValue(row, key, stats) }))
    .sort((a, b) => {
      const aMissing = typeof a.v === 'number' && Number.isNaN(a.v);
      const bMissing = typeof b.v === 'number' && Number.isNaN(b.v);
      if (aMissing !== bMissing) return aMissing ? 1 : -1;
      if (a.v < b.v) return -dir;
      if (a.v > b.v) return dir;
      return a.i - b.i;
    })
    .map((x) => x.row);
}

/** The text of one cell. */
export function cellText(row: LayerRow, key: ColumnKey, stats: StatsLookup): string {
  switch (key) {
    case 'index':
      return String(row.index);
    case 'params':
      return row.params ? formatCount(row.params) : '';
    case 'time':
      return formatSeconds(row.time);
    case 'flops':
      return row.flops ? formatCount(row.flops) : '';
    case 'bytes':
      return row.bytes ? formatMetric('size', row.bytes) : '';
    case 'mean':
    case 'std':
    case 'min':
    case 'max': {
      const v = stats(row.index)?.[key];
      return v === undefined || Number.isNaN(v) ? '' : formatNumber(v);
    }
    case 'nan': {
      const v = stats(row.index)?.nan;
      return v === undefined || Number.isNaN(v) ? '' : String(v);
    }
    case 'diff':
      return row.diff === undefined || Number.isNaN(row.diff) ? '' : formatNumber(row.diff);
    case 'grad_fn':
      return row.grad_fn ?? '';
    default:
      return row[key];
  }
}

/** Which rows a viewport shows: [first, last) with `overscan` rows either side. */
export function visibleRange(scrollTop: number, viewHeight: number, rowHeight: number, count: number, overscan = 8): [number, number] {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + viewHeight) / rowHeight) + overscan);
  return [first, Math.max(first, last)];
}
