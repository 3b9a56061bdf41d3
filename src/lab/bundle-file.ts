// Reads a .lens bundle (a safetensors file, python_pkg/lenslab/export/bundle.py) in the page:
// the wire graph from the header's metadata, tensors decoded on first use. DOM-free.
import type { LocalEntry, LocalSource } from '../local/server.ts';

interface TensorInfo {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export interface BundleFile {
  graph: { ops: { label: string; shape: number[] | null; dtype: string }[] } & Record<string, unknown>;
  source: LocalSource;
}

function decode(info: TensorInfo, bytes: Uint8Array): Float32Array {
  const [begin, end] = info.data_offsets;
  const raw = bytes.slice(begin, end);
  const view = new DataView(raw.buffer);
  const n = info.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const size = n === 0 ? 1 : raw.byteLength / n;
  for (let i = 0; i < n; i++) {
    const o = i * size;
    switch (info.dtype) {
      case 'F64': out[i] = view.getFloat64(o, true); break;
      case 'F32': out[i] = view.getFloat32(o, true); break;
      case 'BF16': out[i] = new Float32Array(new Uint32Array([view.getUint16(o, true) << 16]).buffer)[0]!; break;
      case 'F16': out[i] = half(view.getUint16(o, true)); break;
      case 'I64': out[i] = Number(view.getBigInt64(o, true)); break;
      case 'I32': out[i] = view.getInt32(o, true); break;
      case 'I16': out[i] = view.getInt16(o, true); break;
      case 'I8': out[i] = view.getInt8(o); break;
      default: out[i] = view.getUint8(o); // U8, BOOL
    }
  }
  return out;
}

function half(h: number): number {
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  const s = h & 0x8000 ? -1 : 1;
  if (e === 0) return s * 2 ** -14 * (m / 1024);
  if (e === 31) return m ? Number.NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + m / 1024);
}

/** Parses a bundle's bytes; throws with a readable message on anything malformed. */
export function readBundle(bytes: Uint8Array): BundleFile {
  if (bytes.byteLength < 8) throw new Error('the file is truncated: no bundle header');
  const size = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (size + 8 > bytes.byteLength) throw new Error('the file is truncated: the header is cut short');
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + size))) as Record<string, unknown>;
  const meta = header['__metadata__'] as Record<string, string> | undefined;
  const text = meta?.['lenslab.graph'];
  if (typeof text !== 'string') throw new Error('this safetensors file is not a lenslab bundle');
  const graph = JSON.parse(text) as { wire: BundleFile['graph']; tensors: Record<string, { activation?: string }> };
  const data = bytes.subarray(8 + size);
  const ops = graph.wire.ops;
  const cache = new Map<string, LocalEntry | null>();
  const entry = (label: string): LocalEntry | null => {
    const index = ops.findIndex((op) => op.label === label);
    const name = graph.tensors[String(index)]?.activation;
    const info = name ? (header[name] as TensorInfo | undefined) : undefined;
    if (!info) return null;
    return { shape: info.shape, dtype: ops[index]?.dtype ?? '', tensor: { shape: info.shape, dtype: ops[index]?.dtype ?? '', step: info.shape.map(() => 1), data: decode(info, data) } };
  };
  const source: LocalSource = {
    labels: () => ops.map((op) => op.label),
    load: async (label) => {
      if (!cache.has(label)) cache.set(label, entry(label));
      return cache.get(label) ?? null;
    },
    missing: 'not saved in this bundle',
  };
  return { graph: graph.wire, source };
}
