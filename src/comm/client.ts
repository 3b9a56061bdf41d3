// The request/response client of one widget: ids, replies matched by id, an LRU cache of
// answers, one request in flight per view channel (a newer request supersedes the older
// one), and a "busy" status when the kernel takes long (a cell is running). DOM-free.
import { PROTOCOL_VERSION, REPLY, REQUEST } from '../protocol/messages.ts';
import type { ArrayHeader, ErrorCode, Method, MethodParams, MethodResults, ReplyMessage, RequestMessage } from '../protocol/messages.ts';
import { decodeArray, isArrayHeader } from './decode.ts';
import { LruCache } from './lru.ts';

/** How messages reach the kernel: anywidget's model.send / model.on('msg:custom'). */
export interface Transport {
  send(message: RequestMessage): void;
  /** Calls `receive` for every custom message; returns the unsubscribe function. */
  listen(receive: (message: unknown, buffers: readonly (ArrayBuffer | ArrayBufferView)[]) => void): () => void;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const REAL_TIMERS: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface DataReply<M extends Method> {
  readonly result: MethodResults[M];
  readonly array: Float32Array | null;
  readonly header: ArrayHeader | null;
  /** Handler time in the kernel. */
  readonly kernelMs: number;
}

/** What to tell the user when the kernel answers in another protocol version. */
export function versionMismatch(theirs: unknown): string {
  const kernel = typeof theirs === 'number' ? `version ${theirs}` : 'version 1 (no version field)';
  return (
    `the kernel speaks data protocol ${kernel}, this front end speaks version ${PROTOCOL_VERSION}: ` +
    'they come from different lenslab versions. Reinstall lenslab (pip install -U lenslab), restart the kernel and reload the page.'
  );
}

export class DataError extends Error {
  override name = 'DataError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const isCancelled = (err: unknown): boolean => err instanceof DataError && err.code === 'cancelled';

/** idle: nothing pending; waiting: replies due soon; busy: a reply is overdue (kernel busy). */
export type ClientStatus = 'idle' | 'waiting' | 'busy';

export interface ClientOptions {
  /** A reply later than this marks the kernel busy. */
  busyAfterMs?: number;
  cacheEntries?: number;
  cacheBytes?: number;
  timers?: Timers;
}

interface Pending {
  readonly id: number;
  readonly key: string;
  readonly waiters: { resolve: (r: DataReply<Method>) => void; reject: (e: unknown) => void }[];
  timer: unknown;
  overdue: boolean;
}

interface Queued {
  readonly method: Method;
  readonly params: MethodParams[Method];
  readonly key: string;
  readonly resolve: (r: DataReply<Method>) => void;
  readonly reject: (e: unknown) => void;
}

/** The cache key of a request: method, params (keys sorted) and, for gradients, their version. */
export function requestKey(method: Method, params: object, version = 0): string {
  const record = params as Record<string, unknown>;
  const sorted = Object.keys(params).sort().map((k) => [k, record[k]]);
  const gradient = method === 'grad_norms' || method === 'grad_flow' || record['tensor'] === 'gradient';
  return `${method}|${gradient ? version : 0}|${JSON.stringify(sorted)}`;
}

export class DataClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly byKey = new Map<string, Pending>();
  /** Per channel: the request in flight and the newest one waiting behind it. */
  private readonly inFlight = new Map<string, number>();
  private readonly queued = new Map<string, Queued>();
  private readonly cache: LruCache<string, DataReply<Method>>;
  private readonly listeners = new Set<(s: ClientStatus) => void>();
  private readonly timers: Timers;
  private readonly busyAfterMs: number;
  private readonly unlisten: () => void;
  private status: ClientStatus = 'idle';
  /** Bumped when gradients change: part of every cache key. */
  version = 0;

  constructor(
    private readonly transport: Transport | null,
    options: ClientOptions = {},
  ) {
    this.timers = options.timers ?? REAL_TIMERS;
    this.busyAfterMs = options.busyAfterMs ?? 600;
    this.cache = new LruCache(options.cacheEntries ?? 500, options.cacheBytes ?? 64 * 1024 * 1024);
    this.unlisten = transport ? transport.listen((m, b) => this.receive(m, b)) : () => {};
  }

  dispose(): void {
    this.unlisten();
    for (const p of this.pending.values()) this.settle(p, new DataError('cancelled', 'the widget was closed'));
    for (const q of this.queued.values()) q.reject(new DataError('cancelled', 'the widget was closed'));
    this.queued.clear();
  }

  get connected(): boolean {
    return this.transport !== null;
  }

  onStatus(listener: (s: ClientStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A cached reply, without asking the kernel (tables read what views already fetched). */
  peek<M extends Method>(method: M, params: MethodParams[M]): DataReply<M> | undefined {
    return this.cache.get(requestKey(method, params, this.version)) as DataReply<M> | undefined;
  }

  /**
   * Asks the kernel (or the cache). With a `channel`, an older request of the same channel that
   * was not sent yet is dropped (rejected as cancelled), and one in flight no longer resolves.
   */
  request<M extends Method>(method: M, params: MethodParams[M], channel?: string): Promise<DataReply<M>> {
    const key = requestKey(method, params, this.version);
    const hit = this.cache.get(key);
    if (channel !== undefined) this.supersede(channel);
    if (hit) return Promise.resolve(hit as DataReply<M>);
    if (!this.transport) {
      return Promise.reject(new DataError('no_kernel', 'tensor data needs a running kernel: re-run the cell that shows this widget'));
    }
    return new Promise<DataReply<M>>((resolve, reject) => {
      const q: Queued = { method, params, key, resolve: resolve as Queued['resolve'], reject };
      if (channel !== undefined && this.inFlight.has(channel)) this.queued.set(channel, q);
      else this.dispatch(q, channel);
    });
  }

  private supersede(channel: string): void {
    this.queued.get(channel)?.reject(new DataError('cancelled', 'superseded by a newer request'));
    this.queued.delete(channel);
    const id = this.inFlight.get(channel);
    const p = id === undefined ? undefined : this.pending.get(id);
    // The reply still fills the cache; nobody waits for it any more.
    if (p) for (const w of p.waiters.splice(0)) w.reject(new DataError('cancelled', 'superseded by a newer request'));
  }

  private dispatch(q: Queued, channel: string | undefined): void {
    const shared = this.byKey.get(q.key);
    if (shared) {
      shared.waiters.push({ resolve: q.resolve, reject: q.reject });
      if (channel !== undefined) this.inFlight.set(channel, shared.id);
      return;
    }
    const id = this.nextId++;
    const p: Pending = { id, key: q.key, waiters: [{ resolve: q.resolve, reject: q.reject }], timer: null, overdue: false };
    p.timer = this.timers.setTimeout(() => {
      p.overdue = true;
      this.updateStatus();
    }, this.busyAfterMs);
    this.pending.set(id, p);
    this.byKey.set(q.key, p);
    if (channel !== undefined) this.inFlight.set(channel, id);
    this.updateStatus();
    try {
      this.transport?.send({ type: REQUEST, id, version: PROTOCOL_VERSION, method: q.method, params: q.params } as RequestMessage);
    } catch (err) {
      this.settle(p, new DataError('no_kernel', `could not reach the kernel: ${String(err)}`));
    }
  }

  private receive(message: unknown, buffers: readonly (ArrayBuffer | ArrayBufferView)[]): void {
    if (message === null || typeof message !== 'object' || (message as { type?: unknown }).type !== REPLY) return;
    const reply = message as ReplyMessage;
    const p = typeof reply.id === 'number' ? this.pending.get(reply.id) : undefined;
    if (!p) return; // a reply to a request of an earlier page, or a garbled id
    if (reply.version !== PROTOCOL_VERSION) {
      this.settle(p, new DataError('version_mismatch', versionMismatch(reply.version)));
      return;
    }
    if (reply.error) {
      this.settle(p, new DataError(reply.error.code, reply.error.message));
      return;
    }
    try {
      const header = reply.array === undefined ? null : reply.array;
      if (header !== null && !isArrayHeader(header)) throw new DataError('bad_message', 'the reply has a malformed array header');
      const array = header ? decodeArray(header, buffers[0]) : null;
      const data: DataReply<Method> = { result: reply.result as MethodResults[Method], array, header, kernelMs: reply.kernel_ms ?? 0 };
      this.cache.set(p.key, data, (array?.byteLength ?? 0) + 256);
      this.settle(p, null, data);
    } catch (err) {
      this.settle(p, err instanceof DataError ? err : new DataError('bad_message', String(err)));
    }
  }

  private settle(p: Pending, error: unknown, data?: DataReply<Method>): void {
    this.timers.clearTimeout(p.timer);
    this.pending.delete(p.id);
    if (this.byKey.get(p.key) === p) this.byKey.delete(p.key);
    for (const w of p.waiters.splice(0)) {
      if (error === null && data) w.resolve(data);
      else w.reject(error);
    }
    for (const [channel, id] of this.inFlight) {
      if (id !== p.id) continue;
      this.inFlight.delete(channel);
      const next = this.queued.get(channel);
      if (next) {
        this.queued.delete(channel);
        const hit = this.cache.get(next.key);
        if (hit) next.resolve(hit);
        else this.dispatch(next, channel);
      }
    }
    this.updateStatus();
  }

  private updateStatus(): void {
    let s: ClientStatus = 'idle';
    for (const p of this.pending.values()) s = p.overdue ? 'busy' : s === 'busy' ? s : 'waiting';
    if (s === this.status) return;
    this.status = s;
    for (const l of this.listeners) l(s);
  }

  get currentStatus(): ClientStatus {
    return this.status;
  }
}
