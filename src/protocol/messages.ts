// The widget ↔ kernel data channel. The message types come from one schema, Python's
// python_pkg/lenslab/widget/data/protocol.py, rendered as messages.gen.ts by
// scripts/gen_protocol.py (a test fails when that file is stale); this module adds what only
// the front end needs. Requests go out as anywidget custom messages; each reply echoes the
// request id, carries the kernel's PROTOCOL_VERSION and at most one binary buffer, described
// by `array`. Tensors never travel in synced traits.

import type { ErrorCode as KernelErrorCode, Method, MethodParams, RequestEnvelope } from './messages.gen.ts';

export { NON_FINITE_CODE, PROTOCOL_VERSION, REPLY, REQUEST } from './messages.gen.ts';
export type {
  AllStatsParams,
  ArrayHeader,
  Encoding,
  HistogramParams,
  HistogramResult,
  Method,
  MethodParams,
  MethodResults,
  ReplyMessage,
  SliceParams,
  SliceResult,
  SourceParams,
  SourceResult,
  Stats,
  StatsParams,
  TensorKind,
  TensorStats,
  TilesParams,
} from './messages.gen.ts';

export type ErrorCode =
  | KernelErrorCode
  /** Client-side: the reply never came, or the request was superseded. */
  | 'no_kernel'
  | 'cancelled';

/** A request for method `M`, its params typed by method. */
export interface RequestMessage<M extends Method = Method> extends Omit<RequestEnvelope, 'method' | 'params'> {
  method: M;
  params: MethodParams[M];
}
