// Overlays: a number per visible node for a metric (op time, output size, parameter count,
// FLOPs, gradient norm), and the colour scale that paints it. A closed module sums the ops
// inside it (the largest gradient norm, for gradients: norms do not add up).
import type { Trace } from '../model/trace.ts';
import type { CustomOverlay, Metric } from '../model/view-state.ts';
import type { WireOp } from '../protocol/schema.ts';
import type { Hierarchy } from './hierarchy.ts';
import type { VisibleGraph } from './visible.ts';

export const METRIC_NAMES: Record<Exclude<Metric, 'none'>, string> = {
  time: 'op time',
  size: 'output size',
  saved: 'kept for backward',
  params: 'parameters',
  flops: 'FLOPs',
  grad: 'gradient norm',
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

function opValue(op: WireOp, metric: Exclude<Metric, 'none' | 'grad' | 'custom' | 'saved'>): number {
  switch (metric) {
    case 'time':
      return op.time_s;
    case 'size':
      return outputBytes(op);
    case 'params':
      return op.num_params;
    case 'flops':
      return op.flops;
  }
}

/**
 * The metric for every visible node; op nodes sum their passes, module nodes their ops.
 * `gradNorms` (per op, NaN where none; fetched from the kernel) feeds the 'grad' metric.
 */
export function metricValues(
  trace: Trace, h: Hierarchy, graph: VisibleGraph, metric: Metric, gradNorms?: ArrayLike<number>, custom?: CustomOverlay | null,
): Map<string, number> {
  const values = new Map<string, number>();
  if (metric === 'none') return values;
  if (metric === 'grad') return gradValues(h, graph, gradNorms ?? []);
  if (metric === 'custom') return gradValues(h, graph, custom?.values ?? [], custom?.aggregate === 'sum');
  if (metric === 'saved') return gradValues(h, graph, trace.graph.saved_bytes ?? [], true);
  const moduleNodeOfScope = new Map<string, string>();
  for (const n of graph.nodes) if (n.scope !== null) moduleNodeOfScope.set(n.scope, n.id);
  const visible = new Set(graph.nodes.map((n) => n.id));
  for (const item of h.items) {
    let id: string | undefined = visible.has(item.id) ? item.id : undefined;
    if (id === undefined && item.scope !== null) {
      for (const key of h.scopes.get(item.scope)?.chain ?? []) {
        id = moduleNodeOfScope.get(key);
        if (id !== undefined) break;
      }
    }
    if (id === undefined) continue;
    let v = 0;
    // Parameters are counted once per layer, however many passes reuse them.
    if (metric === 'params') v = trace.ops[item.ops[0] ?? -1]?.num_params ?? 0;
    else for (const o of item.ops) v += opValue(trace.ops[o] ?? ({} as WireOp), metric) || 0;
    values.set(id, (values.get(id) ?? 0) + v);
  }
  // A module's own count is the truth for parameters (shared weights are not summed twice).
  if (metric === 'params') {
    for (const n of graph.nodes) {
      const s = n.scope === null ? undefined : h.scopes.get(n.scope);
      const own = s ? trace.modules.get(s.address)?.num_params : undefined;
      if (own !== undefined && own > 0) values.set(n.id, own);
    }
  }
  return values;
}

/** Largest gradient norm (or score; their sum with `sum`) per visible node (ops of a closed
 *  module count for the module). */
function gradValues(h: Hierarchy, graph: VisibleGraph, norms: ArrayLike<number>, sum = false): Map<string, number> {
  const values = new Map<string, number>();
  const moduleNodeOfScope = new Map<string, string>();
  for (const n of graph.nodes) if (n.scope !== null) moduleNodeOfScope.set(n.scope, n.id);
  const visible = new Set(graph.nodes.map((n) => n.id));
  for (const item of h.items) {
    let id: string | undefined = visible.has(item.id) ? item.id : undefined;
    for (const key of id === undefined && item.scope !== null ? (h.scopes.get(item.scope)?.chain ?? []) : []) {
      id = moduleNodeOfScope.get(key);
      if (id !== undefined) break;
    }
    if (id === undefined) continue;
    for (const o of item.ops) {
      const v = norms[o];
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
  if (metric === 'grad' || metric === 'custom') return v >= 1e4 || (v > 0 && v < 1e-3) ? v.toExponential(2) : String(Number(v.toPrecision(3)));
  if (metric === 'time') {
    if (v >= 1) return `${v.toFixed(2)} s`;
    if (v >= 1e-3) return `${(v * 1e3).toFixed(2)} ms`;
    return `${(v * 1e6).toFixed(1)} \u00b5s`;
  }
  if (metric === 'size' || metric === 'saved') {
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let x = v;
    let u = 0;
    while (x >= 1024 && u < units.length - 1) {
      x /= 1024;
      u += 1;
    }
    return `${u === 0 ? x.toFixed(0) : x.toFixed(1)} ${units[u] ?? ''}`;
  }
  const units = ['', 'K', 'M', 'G', 'T'];
  let x = v;
  let u = 0;
  while (x >= 1000 && u < units.length - 1) {
    x /= 1000;
    u += 1;
  }
  return `${u === 0 ? x.toFixed(0) : x.toFixed(1)}${units[u] ?? ''}`;
}
