// Binary buffers of replies → Float32Array. float32 buffers are used in place when aligned;
// uint8 codes are expanded with the header's scale, NON_FINITE_CODE becoming NaN.
import { NON_FINITE_CODE } from '../protocol/messages.ts';
import type { ArrayHeader } from '../protocol/messages.ts';

export class DecodeError extends Error {
  override name = 'DecodeError';
}

type Buffer = ArrayBuffer | ArrayBufferView;

function bytesOf(buffer: Buffer): Uint8Array {
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function isArrayHeader(h: unknown): h is ArrayHeader {
  if (h === null || typeof h !== 'object') return false;
  const r = h as Record<string, unknown>;
  return (
    (r['dtype'] === 'float32' || r['dtype'] === 'uint8') &&
    Array.isArray(r['shape']) &&
    r['shape'].every((n) => Number.isInteger(n) && (n as number) >= 0) &&
    typeof r['offset'] === 'number' &&
    typeof r['step'] === 'number'
  );
}

export function decodeArray(header: ArrayHeader, buffer: Buffer | undefined): Float32Array {
  if (!buffer) throw new DecodeError('the reply announced an array but carried no buffer');
  const bytes = bytesOf(buffer);
  const n = elementCount(header.shape);
  if (header.dtype === 'float32') {
    if (bytes.byteLength !== n * 4) throw new DecodeError(`expected ${n * 4} bytes for ${header.shape.join('x')} float32, got ${bytes.byteLength}`);
    if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, n);
    return new Float32Array(bytes.slice().buffer); // unaligned view: copy once
  }
  if (bytes.byteLength !== n) throw new DecodeError(`expected ${n} bytes for ${header.shape.join('x')} uint8, got ${bytes.byteLength}`);
  const out = new Float32Array(n);
  const { offset, step } = header;
  for (let i = 0; i < n; i++) {
    const code = bytes[i] ?? NON_FINITE_CODE;
    out[i] = code === NON_FINITE_CODE ? Number.NaN : offset + code * step;
  }
  return out;
}
