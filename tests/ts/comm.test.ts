import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataClient, DataError, isCancelled, requestKey } from '../../src/comm/client.ts';
import type { ClientStatus, Timers, Transport } from '../../src/comm/client.ts';
import { decodeArray, DecodeError } from '../../src/comm/decode.ts';
import { LruCache } from '../../src/comm/lru.ts';
import { PROTOCOL_VERSION, REPLY } from '../../src/protocol/messages.ts';
import type { RequestMessage } from '../../src/protocol/messages.ts';

/** A kernel in a box: records requests; the test answers them when it wants. */
class FakeKernel implements Transport {
  sent: RequestMessage[] = [];
  private receive: ((m: unknown, b: readonly (ArrayBuffer | ArrayBufferView)[]) => void) | null = null;
  send(message: RequestMessage): void {
    this.sent.push(message);
  }
  listen(receive: (m: unknown, b: readonly (ArrayBuffer | ArrayBufferView)[]) => void): () => void {
    this.receive = receive;
    return () => (this.receive = null);
  }
  reply(id: number, result: unknown, array?: Float32Array): void {
    const header = array ? { dtype: 'float32', shape: [array.length], offset: 0, step: 1 } : undefined;
    this.receive?.({ type: REPLY, id, version: PROTOCOL_VERSION, result, array: header, kernel_ms: 1 }, array ? [new DataView(array.buffer)] : []);
  }
  fail(id: number | null, code: string, message: string): void {
    this.receive?.({ type: REPLY, id, version: PROTOCOL_VERSION, error: { code, message } }, []);
  }
  raw(message: unknown, buffers: (ArrayBuffer | ArrayBufferView)[] = []): void {
    this.receive?.(message, buffers);
  }
}

class FakeTimers implements Timers {
  private fns = new Map<number, () => void>();
  private next = 1;
  setTimeout(fn: () => void): unknown {
    const h = this.next++;
    this.fns.set(h, fn);
    return h;
  }
  clearTimeout(h: unknown): void {
    this.fns.delete(h as number);
  }
  fire(): void {
    const fns = [...this.fns.values()];
    this.fns.clear();
    for (const f of fns) f();
  }
}

const stats = { layer: 'conv', shape: [2], dtype: 'float32', numel: 2, mean: 1, std: 0, min: 1, max: 1, zeros: 0, nan: 0, inf: 0 };
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('requests carry increasing ids and replies are matched by id', async () => {
  const k = new FakeKernel();
  const c = new DataClient(k, { timers: new FakeTimers() });
  const a = c.request('stats', { layer: 'a' });
  const b = c.request('stats', { layer: 'b' });
  assert.deepEqual(k.sent.map((m) => [m.id, m.type, m.method]), [[1, 'lenslab:request', 'stats'], [2, 'lenslab:request', 'stats']]);
  k.reply(2, { ...stats, layer: 'b' });
  k.reply(1, { ...stats, layer: 'a' });
  assert.equal((await a).result.layer, 'a');
  assert.equal((await b).result.layer, 'b');
});

test('replies with arrays are decoded from the binary buffer', async () => {
  const k = new FakeKernel();
  const c = new DataClient(k, { timers: new FakeTimers() });
  const p = c.request('grad_norms', {});
  k.reply(1, { count: 3 }, new Float32Array([1, Number.NaN, 3]));
  const r = await p;
  assert.deepEqual([...(r.array ?? [])].map((v) => (Number.isNaN(v) ? 'nan' : v)), [1, 'nan', 3]);
  assert.equal(r.kernelMs, 1);
});

test('error replies reject with their code and message; garbled replies are ignored', async () => {
  const k = new FakeKernel();
  const c = new DataClient(k, { timers: new FakeTimers() });
  const p = c.request('stats', { layer: 'nope' });
  k.raw(null);
  k.raw({ type: REPLY, id: 'x' });
  k.raw({ type: 'other', id: 1 });
  k.fail(99, 'internal', 'not ours');
  k.fail(1, 'unknown_layer', 'no layer named nope');
  await assert.rejects(p, (e: unknown) => e instanceof DataError && e.code === 'unknown_layer' && /nope/.test(e.message));
});

test('a kernel of another protocol version is refused with a message that says what to do', async () => {
  const k = new FakeKernel();
  const c = new DataClient(k, { timers: new FakeTimers() });
  const p = c.request('stats', { layer: 'conv' });
  assert.equal((k.sent[0] as { version?: unknown }).version, PROTOCOL_VERSION);
  k.raw({ type: REPLY, id: 1, result: stats, kernel_ms: 1 }); // an old kernel: no version field
  await assert.rejects(
    p,
    (e: unknown) =>
      e instanceof DataError && e.code === 'version_mismatch' && /no version field/.test(e.message) && /pip install -U lenslab/.test(e.message),
  );
  const q = c.request('stats', { layer: 'other' });
  k.raw({ type: REPLY, id: 2, version: PROTOCOL_VERSION + 1, result: stats });
  await assert.rejects(q, (e: unknown) => e instanceof DataError && e.code === 'version_mismatch' && /restart the kernel/.test(e.message));
});

test('a reply whose buffer does not match its header is an error, not a crash', async () => {
  const k = new FakeKernel();
  const c = new DataClient(k, { timers: new FakeTimers() });
  const p = c.request('grad_norms', {});
  k.raw({ type: REPLY, id: 1, version: PROTOCOL_VERSION, result: {}, array: { dtype: 'float32', shape: [4], offset: 0, step: 1 } }, [new Uint8Array(3)]);
  await assert.rejects(p, (e: unknown) => e instanceof DataError && e.code === 'bad_message');
  const q = c.request('grad_norms', {});
  k.raw({ type: REPLY, id: 2, version: PROTOCOL_VERSION, result: {}, array: { dtype: 'complex', shape: [1] } }, [new Uint8Array(8)]);
  await assert.rejects(q, (e: unknown) => e instanceof DataError && e.code === 'bad_message');
});

test('a revisited view comes from the cache without a message', async () => {
  const k = new FakeKernel();
  const c = new DataClient(k, { timers: new FakeTimers() });
  const p = c.request('stats', { layer: 'a', tensor: 'activation' });
  k.reply(1, stats);
  await p;
  const again = await c.request('stats', { tensor: 'activation', layer: 'a' }); // key order does not matter
  assert.equal(again.result.mean, 1);
  assert.equal(k.sent.length, 1);
  assert.ok(c.peek('stats', { layer: 'a', tensor: 'activation' }));
});

test('identical requests in flight share one message', async () => {
  const k = new FakeKernel();
  const c = new DataClient(k, { timers: new FakeTimers() });
  const a = c.request('stats', { layer: 'a' });
  const b = c.request('stats', { layer: 'a' });
  assert.equal(k.sent.length, 1);
  k.reply(1, stats);
  assert.equal((await a).result, (await b).result);
});

test('a newer request on a channel supersedes the older: queued ones are never sent', async () => {
  const k = new FakeKernel();
  const c = new DataClient(k, { timers: new FakeTimers() });
  const first = c.request('stats', { layer: 'a' }, 'heatmap');
  const second = c.request('stats', { layer: 'b' }, 'heatmap');
  const third = c.request('stats', { layer: 'c' }, 'heatmap');
  assert.equal(k.sent.length, 1, 'one request in flight per channel');
  await assert.rejects(first, isCancelled);
  await assert.rejects(second, isCancelled);
  k.reply(1, { ...stats, layer: 'a' });
  await tick();
  assert.deepEqual(k.sent.map((m) => (m.params as { layer: string }).layer), ['a', 'c'], 'b was dropped');
  k.reply(2, { ...stats, layer: 'c' });
  assert.equal((await third).result.layer, 'c');
  // the superseded reply still filled the cache
  assert.equal((await c.request('stats', { layer: 'a' })).result.layer, 'a');
  assert.equal(k.sent.length, 2);
});

test('the status turns busy when a reply is overdue and idle when it arrives', async () => {
  const k = new FakeKernel();
  const timers = new FakeTimers();
  const c = new DataClient(k, { timers });
  const seen: ClientStatus[] = [];
  c.onStatus((s) => seen.push(s));
  const p = c.request('stats', { layer: 'a' });
  timers.fire();
  assert.equal(c.currentStatus, 'busy');
  k.reply(1, stats);
  await p;
  assert.deepEqual(seen, ['waiting', 'busy', 'idle']);
});

test('gradient requests are keyed by the gradient version; activations are not', () => {
  assert.notEqual(requestKey('stats', { layer: 'a', tensor: 'gradient' }, 1), requestKey('stats', { layer: 'a', tensor: 'gradient' }, 2));
  assert.equal(requestKey('stats', { layer: 'a' }, 1), requestKey('stats', { layer: 'a' }, 2));
  assert.notEqual(requestKey('grad_norms', {}, 1), requestKey('grad_norms', {}, 2));
});

test('without a kernel, requests fail at once with a message that says so', async () => {
  const c = new DataClient(null);
  await assert.rejects(c.request('stats', { layer: 'a' }), (e: unknown) => e instanceof DataError && e.code === 'no_kernel');
});

test('dispose rejects what is pending', async () => {
  const k = new FakeKernel();
  const c = new DataClient(k, { timers: new FakeTimers() });
  const p = c.request('stats', { layer: 'a' });
  c.dispose();
  await assert.rejects(p, isCancelled);
});

test('decodeArray reads float32 in place, uint8 with scale, and NaN codes', () => {
  const f = new Float32Array([1.5, -2, 3]);
  const out = decodeArray({ dtype: 'float32', shape: [3], offset: 0, step: 1 }, new DataView(f.buffer));
  assert.deepEqual([...out], [1.5, -2, 3]);
  assert.equal(out.buffer, f.buffer, 'aligned float32 is not copied');
  const unaligned = new Uint8Array(13);
  unaligned.set(new Uint8Array(f.buffer), 1);
  assert.deepEqual([...decodeArray({ dtype: 'float32', shape: [3], offset: 0, step: 1 }, new DataView(unaligned.buffer, 1, 12))], [1.5, -2, 3]);
  const q = decodeArray({ dtype: 'uint8', shape: [2, 2], offset: -1, step: 0.5 }, new Uint8Array([0, 2, 4, 255]));
  assert.deepEqual([...q].map((v) => (Number.isNaN(v) ? 'nan' : v)), [-1, 0, 1, 'nan']);
  assert.throws(() => decodeArray({ dtype: 'uint8', shape: [5], offset: 0, step: 1 }, new Uint8Array(4)), DecodeError);
  assert.throws(() => decodeArray({ dtype: 'float32', shape: [1], offset: 0, step: 1 }, undefined), DecodeError);
});

test('the LRU cache evicts the least recently used entry by count and by bytes', () => {
  const lru = new LruCache<string, number>(3, 100);
  lru.set('a', 1, 10);
  lru.set('b', 2, 10);
  lru.set('c', 3, 10);
  assert.equal(lru.get('a'), 1); // a is now the most recent
  lru.set('d', 4, 10);
  assert.equal(lru.has('b'), false, 'b was least recently used');
  assert.deepEqual(['a', 'c', 'd'].map((k) => lru.has(k)), [true, true, true]);
  lru.set('big', 5, 90);
  assert.equal(lru.bytes <= 100, true);
  assert.equal(lru.has('big'), true);
  lru.set('huge', 6, 1000);
  assert.equal(lru.has('huge'), false, 'an entry larger than the budget is not kept');
  assert.deepEqual(['a', 'c', 'd'].map((k) => lru.has(k)), [false, false, true], 'big evicted c, then a');
  lru.deleteWhere((k) => k === 'big');
  assert.equal(lru.has('big'), false);
  assert.equal(lru.size, 1);
  assert.equal(lru.bytes, 10);
});
