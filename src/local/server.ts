// Answers the widget's data requests in the page, with no kernel: the same protocol as
// python_pkg/lenslab/widget/data/server.py, over tensors the page holds (LocalTensor) and
// statistics computed when the file was written. DOM-free.
import { PROTOCOL_VERSION, REPLY } from '../protocol/messages.ts';
import type { ReplyMessage, RequestMessage, SourceResult, TensorStats } from '../protocol/messages.ts';
import type { ErrorCode } from '../protocol/messages.gen.ts';
import type { WireFrame } from '../protocol/schema.ts';
import { histogramOf, sliceOf, statsOf } from './tensor-math.ts';
import type { LocalHistogram, LocalTensor } from './tensor-math.ts';

/** What is known about one layer pass without a kernel; any part may be missing. */
export interface LocalEntry {
  stats?: TensorStats;
  histogram?: LocalHistogram;
  tensor?: LocalTensor;
  shape?: readonly number[];
  dtype?: string;
}

/** Source of entries by label; `load` may fetch (a .lens file read by range). */
export interface LocalSource {
  labels(): readonly string[];
  load(label: string): Promise<LocalEntry | null>;
  /** Why a label has no data (shown in the view). */
  missing: string;
  /** The call-stack frames and the text of each frame's line, embedded when the file was written. */
  code?: { readonly frames: readonly WireFrame[]; readonly text: readonly string[] };
}

/** The `source` reply from embedded lines: only each frame's own line travels in a file. */
export function localSource(code: LocalSource['code'], frame: number): SourceResult {
  const f = code?.frames[frame];
  if (!f) throw new LocalError('out_of_range', `no frame ${frame} in this file`);
  const text = code?.text[frame];
  const lines: [number, string][] = text === undefined || text === '' ? [] : [[f.line, text]];
  return { frame, file: f.file, line: f.line, function: f.function, status: lines.length ? 'ok' : 'missing', lines };
}

type Reply = { message: ReplyMessage; buffer: Float32Array | null };

class LocalError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export class LocalServer {
  constructor(private readonly source: LocalSource) {}

  async handle(request: RequestMessage): Promise<Reply> {
    try {
      return await this.answer(request);
    } catch (err) {
      const code: ErrorCode = err instanceof LocalError ? err.code : 'internal';
      const message = err instanceof Error ? err.message : String(err);
      return { message: { type: REPLY, id: request.id, version: PROTOCOL_VERSION, error: { code, message } }, buffer: null };
    }
  }

  private reply(request: RequestMessage, result: unknown, array: Float32Array | null = null, shape?: number[]): Reply {
    const message: ReplyMessage = { type: REPLY, id: request.id, version: PROTOCOL_VERSION, result, kernel_ms: 0 };
    if (array) message.array = { dtype: 'float32', shape: shape ?? [array.length], offset: 0, step: 1 };
    return { message, buffer: array };
  }

  private async entry(request: RequestMessage): Promise<[string, LocalEntry]> {
    const params = request.params as { layer?: unknown; tensor?: unknown };
    if (params.tensor === 'gradient') throw new LocalError('no_grad', 'gradients are not kept in this file');
    const label = String(params.layer);
    const entry = await this.source.load(label);
    if (!entry) throw new LocalError('not_saved', `${label}: ${this.source.missing}`);
    return [label, entry];
  }

  private async answer(request: RequestMessage): Promise<Reply> {
    switch (request.method) {
      case 'grad_norms':
        return this.reply(request, { count: 0 }, new Float32Array(this.source.labels().length).fill(Number.NaN));
      case 'grad_flow':
        return this.reply(request, { count: 0, median: 0, factor: 100, vanishing: 0, exploding: 0 }, new Float32Array(this.source.labels().length).fill(Number.NaN));
      case 'all_stats':
        return this.allStats(request);
      case 'source':
        return this.reply(request, localSource(this.source.code, Number((request.params as { frame?: unknown }).frame)));
      case 'stats': {
        const [label, e] = await this.entry(request);
        const stats = e.stats ?? (e.tensor && isFull(e.tensor) ? statsOf(e.tensor.data) : null);
        if (!stats) throw new LocalError('not_saved', `${label}: ${this.source.missing}`);
        return this.reply(request, { layer: label, shape: [...(e.tensor?.shape ?? e.shape ?? [])], dtype: e.tensor?.dtype ?? e.dtype ?? '', ...stats });
      }
      case 'histogram': {
        const [label, e] = await this.entry(request);
        const bins = Number((request.params as { bins?: unknown }).bins) || 64;
        const h = e.histogram && e.histogram.counts.length === bins ? e.histogram : e.tensor ? histogramOf(e.tensor.data, bins) : null;
        if (!h) throw new LocalError('not_saved', `${label}: ${this.source.missing}`);
        return this.reply(request, { layer: label, lo: h.lo, hi: h.hi, nan: h.nan, inf: h.inf }, h.counts);
      }
      case 'slice':
      case 'tiles': {
        const [label, e] = await this.entry(request);
        if (!e.tensor) throw new LocalError('not_saved', `${label}: ${this.source.missing}`);
        const p = request.params as { axes: number[]; index: number[]; limit: number[]; start?: number; count?: number };
        const s = sliceOf(e.tensor, p.axes, p.index, p.limit, p.start ?? 0, p.count ?? Infinity);
        const result = { layer: label, shape: [...e.tensor.shape], dtype: e.tensor.dtype, source_shape: s.sourceShape, step: s.step, downsample: 'block-mean' };
        return this.reply(request, result, s.values, s.shape);
      }
    }
    throw new LocalError('bad_message', `unknown method ${String(request.method)}`);
  }

  private async allStats(request: RequestMessage): Promise<Reply> {
    const labels = this.source.labels();
    const rows = new Float32Array(labels.length * 8).fill(Number.NaN);
    if ((request.params as { tensor?: unknown }).tensor !== 'gradient') {
      for (let i = 0; i < labels.length; i++) {
        const e = await this.source.load(labels[i]!);
        const s = e?.stats ?? (e?.tensor && isFull(e.tensor) ? statsOf(e.tensor.data) : null);
        if (!s) continue;
        const row = [s.numel, s.mean, s.std, s.min, s.max, s.zeros, s.nan, s.inf];
        row.forEach((v, k) => (rows[i * 8 + k] = v === null ? Number.NaN : v));
      }
    }
    return this.reply(request, { columns: ['numel', 'mean', 'std', 'min', 'max', 'zeros', 'nan', 'inf'] }, rows, [labels.length, 8]);
  }
}

const isFull = (t: LocalTensor): boolean => t.step.every((s) => s === 1);
