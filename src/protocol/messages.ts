// The widget ↔ kernel data channel (mirror of python_pkg/lenslab/widget/data/messages.py).
// Requests go out as anywidget custom messages; each reply echoes the request id and carries
// at most one binary buffer, described by `array`. Tensors never travel in synced traits.

export const REQUEST = 'lenslab:request';
export const REPLY = 'lenslab:reply';

export type TensorKind = 'activation' | 'gradient';
export type Encoding = 'float32' | 'uint8';

export type ErrorCode =
  | 'bad_message'
  | 'unknown_layer'
  | 'not_saved'
  | 'no_grad'
  | 'out_of_range'
  | 'too_large'
  | 'bad_dtype'
  | 'internal'
  /** Client-side: the reply never came, or the request was superseded. */
  | 'no_kernel'
  | 'cancelled';

interface TensorParams {
  /** A layer pass label, e.g. "conv2d_1_1:1". */
  layer: string;
  tensor?: TensorKind;
  encoding?: Encoding;
  /** Compare widgets: run a (default), run b's matching op, or b - a. */
  side?: 'a' | 'b' | 'diff';
}

export interface StatsParams extends TensorParams {}
export interface HistogramParams extends TensorParams {
  bins: number;
}
/** One or two axes; `index` has one position per dim (ignored on the axes); `limit` per axis. */
export interface SliceParams extends TensorParams {
  axes: number[];
  index: number[];
  limit: number[];
}
/** `count` 2-D slices along axes[0] from `start` (channel grids, RGB). */
export interface TilesParams extends TensorParams {
  axes: [number, number, number];
  index: number[];
  start: number;
  count: number;
  limit: [number, number];
}
export interface AllStatsParams {
  tensor?: TensorKind;
}
/** Lines of user code around one frame (a position in WireGraph.frames). */
export interface SourceParams {
  frame: number;
  /** Lines before and after the frame's line (default 6). */
  context?: number;
  /** The whole function the frame is in (a module's forward) instead of `context` lines. */
  function?: boolean;
}
export interface SourceResult {
  frame: number;
  file: string;
  line: number;
  function: string;
  /** ok; changed: the file changed since the capture (no lines sent); missing: it is gone. */
  status: 'ok' | 'changed' | 'missing';
  /** [line number, text] pairs; text, never HTML. */
  lines: [number, string][];
}

export interface MethodParams {
  stats: StatsParams;
  histogram: HistogramParams;
  slice: SliceParams;
  tiles: TilesParams;
  grad_norms: Record<string, never>;
  all_stats: AllStatsParams;
  source: SourceParams;
}
export type Method = keyof MethodParams;

/** Statistics of a tensor's values (the kernel's, or computed in the page: local/tensor-math.ts). */
export interface TensorStats {
  numel: number;
  /** Over finite values; null when there are none. */
  mean: number | null;
  std: number | null;
  min: number | null;
  max: number | null;
  zeros: number;
  nan: number;
  inf: number;
}
export interface Stats extends TensorStats {
  layer: string;
  shape: number[];
  dtype: string;
}
export interface HistogramResult {
  layer: string;
  lo: number;
  hi: number;
  nan: number;
  inf: number;
}
export interface SliceResult {
  layer: string;
  shape: number[];
  dtype: string;
  /** Size along the requested axes before downsampling. */
  source_shape: number[];
  /** Block size per axis (1: full resolution). */
  step: number[];
  downsample: 'block-mean';
}
export interface MethodResults {
  stats: Stats;
  histogram: HistogramResult;
  slice: SliceResult;
  tiles: SliceResult;
  grad_norms: { count: number };
  all_stats: { columns: string[] };
  source: SourceResult;
}

export interface RequestMessage<M extends Method = Method> {
  type: typeof REQUEST;
  id: number;
  method: M;
  params: MethodParams[M];
}

/** How the buffer of a reply encodes its array: value = offset + code × step for uint8. */
export interface ArrayHeader {
  dtype: Encoding;
  shape: number[];
  offset: number;
  step: number;
}

export interface ReplyMessage {
  type: typeof REPLY;
  id: number | null;
  result?: unknown;
  array?: ArrayHeader;
  error?: { code: ErrorCode; message: string };
  kernel_ms?: number;
}

/** The uint8 code of NaN and ±Inf. */
export const NON_FINITE_CODE = 255;
