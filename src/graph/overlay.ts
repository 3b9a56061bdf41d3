// Overlays: a number per visible node for a metric (op time, output size, parameter count,
// FLOPs, gradient norm, gradient flow), and the colour scale that paints it. A closed module
// sums the ops inside it (the largest gradient norm or flow ratio: those do not add up).
import type { Trace } from '../model/trace.ts';
import type { CustomOverlay, Metric } from '../model/view-state.ts';
import type { WireOp } from '../protocol/schema.ts';
import type { Hierarchy, Item } from './hierarchy.ts';
import type { VisibleGraph } from './visible.ts';

export const METRIC_NAMES: Record<Exclude<Metric, 'none'>, string> = {
  time: 'op time',
  size: 'output size',
  saved: 'kept for backward',
  params: 'parameters',
  flops: 'FLOPs',
  grad: 'gradient norm',
  flow: 'gradient flow (gradient / activation norm)',
  custom: 'scores',
};

const DTYPE_BYTES: Record<string, number> = {
  float64: 8, double: 8, int64: 8, long: 8, complex64: 8, complex128: 16, uint64: 8,
  float32: 4, float: 4, int32: 4, int: 4, uint32: 4,
  float16: 2, half: 2, bfloat16: 2, int16: 2, short: 2, uint16: 2,
  int8: 1, uint8: 1, bool: 1, float8_e4m3fn: 1, float8_e5m2: 1,
};

/** Bytes of an op's output tensor: elements × element size (4 when the dtype is unknown). */
export function outputBytes(op: WireOp): number {
  if (op.shape === null) return 0;
  const elements = op.shape.reduce((a, b) => a * b, 1);
  return elements * (DTYPE_BYTES[op.dtype.replace(/^torch\./, '')] ?? 4);
}

type SummedMetric = 'time' | 'size' | 'flops';

function opValue(op: WireOp, metric: SummedMetric): number {
  switch (metric) {
    case 'time':
      return op.time_s;
    case 'size':
      return outputBytes(op);
    case 'flops':
      return op.flops;
  }
}

/** For each item, the visible node that shows it: itself, else the innermost drawn module
 *  (or function/fold box) around it; undefined when neither is drawn. */
function nodeOfItem(h: Hierarchy, graph: VisibleGraph): (item: Item) => string | undefined {
  const moduleNodeOfScope = new Map<string, string>();
  for (const n of graph.nodes) if (n.scope !== null) moduleNodeOfScope.set(n.scope, n.id);
  const visible = new Set(graph.nodes.map((n) => n.id));
  return (item) => {
    if (visible.has(item.id)) return item.id;
    for (const key of item.scope === null ? [] : (h.scopes.get(item.scope)?.chain ?? [])) {
      const id = moduleNodeOfScope.get(key);
      if (id !== undefined) return id;
    }
    return undefined;
  };
}

/**
 * The metric for every visible node; op nodes sum their passes, module nodes their ops.
 * `perOp` (per op, NaN where none; fetched from the kernel) feeds the 'grad' metric (gradient
 * norms) and the 'flow' metric (gradient norm / activation norm).
 */
export function metricValues(
  trace: Trace, h: Hierarchy, graph: VisibleGraph, metric: Metric, perOp?: ArrayLike<number>, custom?: CustomOverlay | null,
): Map<string, number> {
  switch (metric) {
    case 'none':
      return new Map();
    case 'grad':
    case 'flow':
      return perNode(h, graph, perOp ?? []);
    case 'custom':
      return perNode(h, graph, custom?.values ?? [], custom?.aggregate === 'sum');
    case 'saved':
      return perNode(h, graph, trace.graph.saved_bytes ?? [], true);
    case 'params':
      return paramValues(trace, h, graph);
    default:
      return summedValues(trace, h, graph, metric);
  }
}

/** Time, size or FLOPs: the sum over every op a node shows. */
function summedValues(trace: Trace, h: Hierarchy, graph: VisibleGraph, metric: SummedMetric): Map<string, number> {
  const values = new Map<string, number>();
  const nodeOf = nodeOfItem(h, graph);
  for (const item of h.items) {
    const id = nodeOf(item);
    if (id === undefined) continue;
    let v = 0;
    for (const o of item.ops) v += opValue(trace.ops[o] ?? ({} as WireOp), metric) || 0;
    values.set(id, (values.get(id) ?? 0) + v);
  }
  return values;
}

/** Parameters: counted once per layer however many passes reuse them; a module's own count is
 *  the truth (shared weights are not summed twice). */
function paramValues(trace: Trace, h: Hierarchy, graph: VisibleGraph): Map<string, number> {
  const values = new Map<string, number>();
  const nodeOf = nodeOfItem(h, graph);
  for (const item of h.items) {
    const id = nodeOf(item);
    if (id !== undefined) values.set(id, (values.get(id) ?? 0) + (trace.ops[item.ops[0] ?? -1]?.num_params ?? 0));
  }
  for (const n of graph.nodes) {
    const s = n.scope === null ? undefined : h.scopes.get(n.scope);
    const own = s ? trace.modules.get(s.address)?.num_params : undefined;
    if (own !== undefined && own > 0) values.set(n.id, own);
  }
  return values;
}

/** Largest value per visible node (their sum with `sum`) of a per-op array: gradient norms,
 *  flow ratios, scores, saved bytes. Non-finite values are skipped. */
function perNode(h: Hierarchy, graph: VisibleGraph, perOp: ArrayLike<number>, sum = false): Map<string, number> {
  const values = new Map<string, number>();
  const nodeOf = nodeOfItem(h, graph);
  for (const item of h.items) {
    const id = nodeOf(item);
    if (id === undefined) continue;
    for (const o of item.ops) {
      const v = perOp[o];
      if (v === undefined || !Number.isFinite(v)) continue;
      const was = values.get(id);
      values.set(id, was === undefined ? v : sum ? was + v : Math.max(was, v));
    }
  }
  return values;
}

/** Colour ramp from pale yellow to deep blue (YlGnBu): dark text stays readable to ~0.7. */
const RAMP: readonly (readonly [number, number, number])[] = [
  [255, 255, 204], [161, 218, 180], [65, 182, 196], [44, 127, 184], [37, 52, 148],
];

export function rampColor(t: number): string {
  const x = Math.max(0, Math.min(1, t)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const a = RAMP[i] ?? [0, 0, 0];
  const b = RAMP[i + 1] ?? a;
  const f = x - i;
  const c = a.map((v, k) => Math.round(v + ((b[k] ?? v) - v) * f));
  return `rgb(${c.join(',')})`;
}

export interface ColorScale {
  readonly min: number;
  readonly max: number;
  /** Logarithmic when the values span more than two orders of magnitude. */
  readonly log: boolean;
  /** 0..1 position of a value on the scale. */
  position(v: number): number;
}

export function colorScale(values: Iterable<number>): ColorScale {
  let min = Infinity;
  let max = -Infinity;
  let lowest = Infinity;
  for (const v of values) {
    if (v > 0 && v < min) min = v;
    if (v > max) max = v;
    if (v < lowest) lowest = v;
  }
  // Scores below zero (given from Python): a linear scale from the lowest to the highest.
  if (lowest < 0 && max > lowest) {
    return { min: lowest, max, log: false, position: (v) => (v - lowest) / (max - lowest) };
  }
  if (!Number.isFinite(min) || max <= 0) return { min: 0, max: 0, log: false, position: () => 0 };
  const log = max / min > 100;
  const position = (v: number): number => {
    if (v <= 0 || max === min) return v > 0 ? 1 : 0;
    return log ? Math.log(v / min) / Math.log(max / min) : (v - min) / (max - min);
  };
  return { min, max, log, position };
}

/** Text for a metric value: seconds, bytes or a count. */
export function formatMetric(metric: Metric, v: number): string {
  if (metric === 'grad' || metric === 'flow' || metric === 'custom') return formatScore(v);
  if (metric === 'time') return formatTime(v);
  if (metric === 'size' || metric === 'saved') return formatScaled(v, 1024, ['B', 'KB', 'MB', 'GB', 'TB'], ' ');
  return formatScaled(v, 1000, ['', 'K', 'M', 'G', 'T'], '');
}

function formatScore(v: number): string {
  return v >= 1e4 || (v > 0 && v < 1e-3) ? v.toExponential(2) : String(Number(v.toPrecision(3)));
}

function formatTime(v: number): string {
  if (v >= 1) return `${v.toFixed(2)} s`;
  if (v >= 1e-3) return `${(v * 1e3).toFixed(2)} ms`;
  return `${(v * 1e6).toFixed(1)} \u00b5s`;
}

/** `v` in the largest unit (steps of `base`) that keeps it >= 1: "1.5 KB", "3.2M". */
function formatScaled(v: number, base: number, units: readonly string[], gap: string): string {
  let x = v;
  let u = 0;
  while (x >= base && u < units.length - 1) {
    x /= base;
    u += 1;
  }
  return `${u === 0 ? x.toFixed(0) : x.toFixed(1)}${gap}${units[u] ?? ''}`;
}
