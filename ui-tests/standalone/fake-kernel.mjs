// A fake kernel for the standalone page: answers the widget's data requests (see
// src/protocol/messages.ts) from synthetic tensors, one per op of the graph fixture, the way
// python_pkg/lenslab/widget/data answers them (block-mean slices, finite-only statistics), with
// the page's own tensor math (src/local/tensor-math.ts, built to lib/ by `npm run build:widget`):
// one TypeScript implementation, checked against Python's by tests/ts/tensor-math.test.ts.
import { histogramOf, sliceOf, statsOf } from '/lib/local/tensor-math.js';

// ?delay=ms delays every reply (a busy kernel); op labels containing "relu" get a few NaNs.

// Must equal PROTOCOL_VERSION in python_pkg/lenslab/widget/data/protocol.py (the front end refuses other versions).
const PROTOCOL_VERSION = 2;

function numel(shape) {
  return shape.reduce((a, b) => a * b, 1);
}

function synth(op, index, kind) {
  const shape = op.shape ?? [];
  const n = numel(shape);
  const data = new Float32Array(n);
  const w = shape[shape.length - 1] ?? 1;
  const h = shape[shape.length - 2] ?? 1;
  let seed = index * 7919 + (kind === 'gradient' ? 13 : 1);
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5;
  for (let i = 0; i < n; i++) {
    const x = i % w;
    const y = Math.floor(i / w) % h;
    const c = Math.floor(i / (w * h));
    const v = Math.sin((x + c * 3) / (3 + (c % 5))) * Math.cos(y / (4 + (c % 3))) + 0.3 * rand();
    data[i] = kind === 'gradient' ? v * 1e-3 : op.type.includes('relu') ? Math.max(0, v) : v;
  }
  if (op.label.startsWith('relu') && kind === 'activation' && n > 10) [3, 5, 200].forEach((i) => (data[i % n] = NaN));
  return { shape, data };
}

const full = (t) => ({ shape: t.shape, dtype: 'float32', data: t.data, step: t.shape.map(() => 1) });

export function createFakeKernel(graph, { delay = 0 } = {}) {
  const byLabel = new Map(graph.ops.map((op, i) => [op.label, i]));
  const cache = new Map();
  const tensor = (label, kind) => {
    const i = byLabel.get(label);
    if (i === undefined) throw { code: 'unknown_layer', message: `no layer pass or module named '${label}'` };
    const op = graph.ops[i];
    if (!op.shape) throw { code: 'bad_dtype', message: `${label} holds a tuple, not a tensor` };
    const key = `${label}|${kind}`;
    if (!cache.has(key)) cache.set(key, synth(op, i, kind));
    return cache.get(key);
  };
  const handlers = {
    stats(p) {
      const t = tensor(p.layer, p.tensor ?? 'activation');
      return [{ layer: p.layer, shape: t.shape, dtype: 'float32', ...statsOf(t.data) }, null];
    },
    histogram(p) {
      const t = tensor(p.layer, p.tensor ?? 'activation');
      const h = histogramOf(t.data, p.bins);
      return [{ layer: p.layer, lo: h.lo, hi: h.hi, nan: h.nan, inf: h.inf }, { values: h.counts, shape: [p.bins] }];
    },
    slice(p) {
      const t = tensor(p.layer, p.tensor ?? 'activation');
      if (p.limit.some((l) => l > (p.axes.length === 1 ? 4096 : 512))) throw { code: 'too_large', message: 'too large' };
      const s = sliceOf(full(t), p.axes, p.index, p.limit);
      return [{ layer: p.layer, shape: t.shape, dtype: 'float32', source_shape: s.sourceShape, step: s.step, downsample: 'block-mean' }, { values: s.values, shape: s.shape }];
    },
    tiles(p) {
      const t = tensor(p.layer, p.tensor ?? 'activation');
      const s = sliceOf(full(t), p.axes, p.index, p.limit, p.start, p.count);
      return [{ layer: p.layer, shape: t.shape, dtype: 'float32', source_shape: s.sourceShape, step: s.step, downsample: 'block-mean' }, { values: s.values, shape: s.shape }];
    },
    grad_norms() {
      const norms = new Float32Array(graph.ops.map((op) => (op.shape && op.role === 'op' ? Math.hypot(...tensor(op.label, 'gradient').data) : NaN)));
      return [{ count: graph.ops.length }, { values: norms, shape: [norms.length] }];
    },
    all_stats(p) {
      const rows = new Float32Array(graph.ops.length * 8).fill(NaN);
      graph.ops.forEach((op, i) => {
        if (!op.shape) return;
        const s = statsOf(tensor(op.label, p.tensor ?? 'activation').data);
        rows.set([s.numel, s.mean, s.std, s.min, s.max, s.zeros, s.nan, s.inf].map((v) => v ?? NaN), i * 8);
      });
      return [{ columns: ['numel', 'mean', 'std', 'min', 'max', 'zeros', 'nan', 'inf'] }, { values: rows, shape: [graph.ops.length, 8] }];
    },
  };
  const listeners = new Set();
  const sent = [];
  return {
    sent,
    listeners,
    send(msg) {
      sent.push(msg);
      const started = performance.now();
      let reply;
      let buffers = [];
      try {
        const handler = handlers[msg?.method];
        if (!handler) throw { code: 'bad_message', message: `unknown method ${msg?.method}` };
        const [result, array] = handler(msg.params ?? {});
        reply = { type: 'lenslab:reply', id: msg.id, version: PROTOCOL_VERSION, result };
        if (array) {
          reply.array = { dtype: 'float32', shape: array.shape, offset: 0, step: 1 };
          buffers = [new DataView(array.values.buffer)];
        }
      } catch (e) {
        reply = { type: 'lenslab:reply', id: msg?.id ?? null, version: PROTOCOL_VERSION, error: { code: e.code ?? 'internal', message: e.message ?? String(e) } };
      }
      reply.kernel_ms = performance.now() - started;
      setTimeout(() => listeners.forEach((l) => l(reply, buffers)), delay);
    },
  };
}
