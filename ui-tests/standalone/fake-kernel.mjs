// A fake kernel for the standalone page: answers the widget's data requests (see
// src/protocol/messages.ts) from synthetic tensors, one per op of the graph fixture, the way
// python_pkg/lenslab/widget/data answers them (block-mean slices, finite-only statistics).
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

function stats(t) {
  let sum = 0, n = 0, lo = Infinity, hi = -Infinity, zeros = 0, nan = 0, inf = 0;
  for (const v of t.data) {
    if (v === 0) zeros++;
    if (Number.isNaN(v)) nan++;
    else if (!Number.isFinite(v)) inf++;
    else { sum += v; n++; lo = Math.min(lo, v); hi = Math.max(hi, v); }
  }
  const mean = n ? sum / n : null;
  let sq = 0;
  for (const v of t.data) if (Number.isFinite(v)) sq += (v - mean) ** 2;
  return { numel: t.data.length, mean, std: n > 1 ? Math.sqrt(sq / (n - 1)) : null, min: n ? lo : null, max: n ? hi : null, zeros, nan, inf };
}

function strides(shape) {
  const s = shape.map(() => 1);
  for (let d = shape.length - 2; d >= 0; d--) s[d] = s[d + 1] * shape[d + 1];
  return s;
}

/** Values along `axes` (others fixed at `index`), block-mean downsampled by `steps`. */
function slice(t, axes, index, steps) {
  const st = strides(t.shape);
  const base = index.reduce((a, i, d) => (axes.includes(d) ? a : a + i * st[d]), 0);
  const sizes = axes.map((a) => t.shape[a]);
  const outSizes = sizes.map((s, k) => Math.ceil(s / steps[k]));
  const out = new Float32Array(numel(outSizes));
  const at = (pos) => t.data[base + pos.reduce((a, p, k) => a + p * st[axes[k]], 0)];
  const rec = (k, pos, outPos) => {
    if (k === axes.length) {
      let sum = 0, cnt = 0;
      const block = (j, p) => {
        if (j === axes.length) { sum += at(p); cnt++; return; }
        for (let q = pos[j] * steps[j]; q < Math.min(sizes[j], (pos[j] + 1) * steps[j]); q++) block(j + 1, [...p, q]);
      };
      block(0, []);
      out[outPos] = sum / cnt;
      return;
    }
    for (let i = 0; i < outSizes[k]; i++) rec(k + 1, [...pos, i], outPos * outSizes[k] + i);
  };
  rec(0, [], 0);
  return { values: out, sizes: outSizes, source: sizes };
}

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
      return [{ layer: p.layer, shape: t.shape, dtype: 'float32', ...stats(t) }, null];
    },
    histogram(p) {
      const t = tensor(p.layer, p.tensor ?? 'activation');
      const s = stats(t);
      const counts = new Float32Array(p.bins);
      for (const v of t.data) if (Number.isFinite(v)) counts[Math.min(p.bins - 1, Math.floor(((v - s.min) / (s.max - s.min || 1)) * p.bins))]++;
      return [{ layer: p.layer, lo: s.min, hi: s.max, nan: s.nan, inf: s.inf }, { values: counts, shape: [p.bins] }];
    },
    slice(p) {
      const t = tensor(p.layer, p.tensor ?? 'activation');
      if (p.limit.some((l) => l > (p.axes.length === 1 ? 4096 : 512))) throw { code: 'too_large', message: 'too large' };
      const steps = p.axes.map((a, k) => Math.max(1, Math.ceil(t.shape[a] / p.limit[k])));
      const s = slice(t, p.axes, p.index, steps);
      return [{ layer: p.layer, shape: t.shape, dtype: 'float32', source_shape: s.source, step: steps, downsample: 'block-mean' }, { values: s.values, shape: s.sizes }];
    },
    tiles(p) {
      const t = tensor(p.layer, p.tensor ?? 'activation');
      const [c, y, x] = p.axes;
      const count = Math.min(p.count, t.shape[c] - p.start);
      const steps = [Math.ceil(t.shape[y] / p.limit[0]), Math.ceil(t.shape[x] / p.limit[1])];
      const parts = [];
      let sizes = [];
      for (let k = 0; k < count; k++) {
        const index = p.index.slice();
        index[c] = p.start + k;
        const s = slice(t, [y, x], index, steps);
        parts.push(s.values);
        sizes = s.sizes;
      }
      const values = new Float32Array(parts.reduce((a, v) => a + v.length, 0));
      parts.reduce((o, v) => (values.set(v, o), o + v.length), 0);
      return [{ layer: p.layer, shape: t.shape, dtype: 'float32', source_shape: [count, t.shape[y], t.shape[x]], step: [1, ...steps], downsample: 'block-mean' }, { values, shape: [count, ...sizes] }];
    },
    grad_norms() {
      const norms = new Float32Array(graph.ops.map((op) => (op.shape && op.role === 'op' ? Math.hypot(...tensor(op.label, 'gradient').data) : NaN)));
      return [{ count: graph.ops.length }, { values: norms, shape: [norms.length] }];
    },
    all_stats(p) {
      const rows = new Float32Array(graph.ops.length * 8).fill(NaN);
      graph.ops.forEach((op, i) => {
        if (!op.shape) return;
        const s = stats(tensor(op.label, p.tensor ?? 'activation'));
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
