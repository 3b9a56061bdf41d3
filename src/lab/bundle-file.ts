// Reads a .lens bundle (a safetensors file, python_pkg/lenslab/export/bundle.py) in the page:
// the wire graph (bundle version 2: the uint8 tensor the manifest names; version 1: the
// header's metadata), each tensor decoded on first use. DOM-free.
//
// Lazy: a safetensors file is `u64 N | N bytes of JSON header | tensor bytes`, so opening a
// bundle reads 8 bytes, then the header; a tensor's bytes are read when the view first asks
// for it (`openBundle` with a byte-range reader, e.g. HTTP Range on Jupyter's /files/).
// `readBundle` does the same over bytes already in memory.
import type { LocalEntry, LocalSource } from '../local/server.ts';
import { differenceSource } from '../local/sides.ts';
import type { WireFrame } from '../protocol/schema.ts';

interface TensorInfo {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

type Wire = { ops: { label: string; shape: number[] | null; dtype: string }[] } & Record<string, unknown>;

export interface BundleFile {
  graph: Wire;
  /** Run a's tensors (a comparison's: by the drawn labels). */
  source: LocalSource;
  /** A comparison (Comparison.save): the compare trait, and run b and b − a by the drawn labels. */
  compare?: { trait: unknown; b: LocalSource; diff: LocalSource };
}

const listOf = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);

/** Reads bytes [start, end) of the file. */
export type ReadRange = (start: number, end: number) => Promise<Uint8Array>;

/** The largest header (or graph, version 2) read: 256 MiB. */
export const MAX_HEADER_BYTES = 256 * 1024 * 1024;
/** The largest single tensor decoded in the page (float32 copy: 4 bytes per element). */
export const MAX_TENSOR_ELEMENTS = 64 * 1024 * 1024;

const BYTES: Record<string, number> = { F64: 8, F32: 4, BF16: 2, F16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

function decode(info: TensorInfo, raw: Uint8Array): Float32Array {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
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

/** Checks a tensor's entry against the file; the reason it is unusable, or null. */
function badTensor(info: TensorInfo, dataBytes: number | null): string | null {
  const [begin, end] = info.data_offsets ?? [];
  if (!Array.isArray(info.shape) || !info.shape.every((d) => Number.isInteger(d) && d >= 0)) return 'a bad shape';
  if (!Number.isInteger(begin) || !Number.isInteger(end) || begin! < 0 || end! < begin!) return 'bad data offsets';
  if (dataBytes !== null && end! > dataBytes) return 'data past the end of the file (truncated?)';
  const n = info.shape.reduce((a, b) => a * b, 1);
  const width = BYTES[info.dtype];
  if (width === undefined) return `an unsupported dtype ${String(info.dtype)}`;
  if (end! - begin! !== n * width) return 'a size that does not match its shape';
  if (n > MAX_TENSOR_ELEMENTS) return `${n} elements, over the ${MAX_TENSOR_ELEMENTS} the viewer decodes`;
  return null;
}

interface BundleGraph {
  wire: Wire;
  tensors: Record<string, { activation?: string }>;
  encoded?: Record<string, string>; // tensors stored as raw bytes -> their real dtype
}

/** A compare bundle's graph (compare/bundle.py): both runs, and the view the viewer draws. */
interface CompareGraph {
  kind: 'compare';
  a: BundleGraph;
  b: BundleGraph;
  view: { wire: Wire; compare: { labels_b?: unknown } & Record<string, unknown> };
}

function parseManifest(text: string | undefined): { graph?: { tensor?: unknown } } | null {
  try {
    return JSON.parse(text ?? 'null') as { graph?: { tensor?: unknown } } | null;
  } catch {
    throw new Error('the bundle manifest is not valid JSON (corrupted?)');
  }
}

/** The graph's JSON text: in the metadata (version 1) or the tensor the manifest names. */
async function graphText(header: Record<string, unknown>, read: ReadRange, dataBytes: number | null): Promise<string> {
  const meta = header['__metadata__'] as Record<string, string> | undefined;
  const inline = meta?.['lenslab.graph'];
  if (typeof inline === 'string') return inline;
  const name = parseManifest(meta?.['lenslab.manifest'])?.graph?.tensor;
  const info = typeof name === 'string' ? (header[name] as TensorInfo | undefined) : undefined;
  if (!info || info.dtype !== 'U8') throw new Error('this safetensors file is not a lenslab bundle');
  const [begin, end] = info.data_offsets ?? [];
  const ok = Number.isInteger(begin) && Number.isInteger(end) && begin! >= 0 && end! >= begin!;
  if (!ok || (dataBytes !== null && end! > dataBytes)) throw new Error('the bundle graph lies outside the file (truncated?)');
  if (end! - begin! > MAX_HEADER_BYTES) throw new Error(`the bundle graph is over ${MAX_HEADER_BYTES} bytes`);
  return new TextDecoder().decode(await read(begin!, end!));
}

/** Header bytes → bundle, tensors read through `read` (offsets relative to the data section). */
async function fromHeader(headerBytes: Uint8Array, read: ReadRange, dataBytes: number | null): Promise<BundleFile> {
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(headerBytes)) as Record<string, unknown>;
  } catch {
    throw new Error('the bundle header is not valid JSON (corrupted?)');
  }
  let graph: BundleGraph | CompareGraph;
  try {
    graph = JSON.parse(await graphText(header, read, dataBytes)) as BundleGraph | CompareGraph;
  } catch (err) {
    if (err instanceof SyntaxError) throw new Error('the bundle graph is not valid JSON (corrupted?)');
    throw err;
  }
  if (graph && 'kind' in graph && graph.kind === 'compare') return compareBundle(graph, header, read, dataBytes);
  const part = graph as BundleGraph;
  return { graph: part.wire, source: partSource(part, header, read, dataBytes) };
}

/** Run a's and run b's tensors, by the labels of the drawn graph (a's ops, and "b/…" for the
 *  ops only b ran: compare/union.py), and b − a computed in the page. */
function compareBundle(graph: CompareGraph, header: Record<string, unknown>, read: ReadRange, dataBytes: number | null): BundleFile {
  const wire = graph.view?.wire;
  if (!wire || !Array.isArray(wire.ops) || !graph.a || !graph.b) throw new Error('the compare bundle has no graph');
  const a = partSource(graph.a, header, read, dataBytes);
  const b = partSource(graph.b, header, read, dataBytes);
  const labelsB = listOf<unknown>(graph.view.compare?.labels_b);
  const drawn = new Map(wire.ops.map((op, i) => [op.label, i]));
  const labels = (): readonly string[] => wire.ops.map((op) => op.label);
  const code = { frames: listOf<WireFrame>(wire['frames']), text: listOf<string>(wire['source_text']) };
  const source: LocalSource = { labels, load: (label) => a.load(label), missing: 'a did not run this op', code };
  const inB: LocalSource = {
    labels,
    missing: 'b did not run this op',
    code,
    load: async (label) => {
      const other = labelsB[drawn.get(label) ?? -1];
      return typeof other === 'string' && other !== '' ? b.load(other) : null;
    },
  };
  return { graph: wire, source, compare: { trait: graph.view.compare, b: inB, diff: { ...differenceSource(source, inB), code } } };
}

/** One run's tensors, by its own labels, each read and decoded on first use. */
function partSource(graph: BundleGraph, header: Record<string, unknown>, read: ReadRange, dataBytes: number | null): LocalSource {
  if (!graph?.wire || !Array.isArray(graph.wire.ops)) throw new Error('the bundle has no graph');
  const ops = graph.wire.ops;
  const index = new Map(ops.map((op, i) => [op.label, i]));
  const cache = new Map<string, Promise<LocalEntry | null>>();
  const entry = async (label: string): Promise<LocalEntry | null> => {
    const i = index.get(label);
    if (i === undefined) return null;
    const name = graph.tensors?.[String(i)]?.activation;
    const info = name ? (header[name] as TensorInfo | undefined) : undefined;
    const dtype = ops[i]?.dtype ?? '';
    if (!info) return null;
    const stored = name ? graph.encoded?.[name] : undefined;
    if (stored) throw new Error(`${stored} values are not shown in the viewer (open the bundle with lenslab.load)`);
    const bad = badTensor(info, dataBytes);
    if (bad) throw new Error(`tensor ${name} has ${bad}`);
    const raw = await read(info.data_offsets[0], info.data_offsets[1]);
    return { shape: info.shape, dtype, tensor: { shape: info.shape, dtype, step: info.shape.map(() => 1), data: decode(info, raw) } };
  };
  const source: LocalSource = {
    labels: () => ops.map((op) => op.label),
    load: (label) => {
      let hit = cache.get(label);
      if (!hit) {
        hit = entry(label);
        cache.set(label, hit);
        hit.catch(() => cache.delete(label)); // a failed read may be retried
      }
      return hit;
    },
    missing: 'not saved in this bundle',
    code: { frames: listOf<WireFrame>(graph.wire['frames']), text: listOf<string>(graph.wire['source_text']) },
  };
  return source;
}

function headerSize(first8: Uint8Array): number {
  if (first8.byteLength < 8) throw new Error('the file is truncated: no bundle header');
  const size = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (size > BigInt(MAX_HEADER_BYTES)) throw new Error(`the bundle header claims ${size} bytes (corrupted, or over ${MAX_HEADER_BYTES})`);
  return Number(size);
}

/**
 * Opens a bundle of `fileSize` bytes (null: unknown) through a byte-range reader: reads only the
 * header now, each tensor when first asked for.
 */
export async function openBundle(read: ReadRange, fileSize: number | null): Promise<BundleFile> {
  const size = headerSize(await read(0, 8));
  if (fileSize !== null && size + 8 > fileSize) throw new Error('the file is truncated: the header is cut short');
  const headerBytes = await read(8, 8 + size);
  if (headerBytes.byteLength < size) throw new Error('the file is truncated: the header is cut short');
  const data = 8 + size;
  return fromHeader(headerBytes, (a, b) => read(data + a, data + b), fileSize === null ? null : fileSize - data);
}

/** Parses a bundle whose bytes are all in memory; rejects with a readable message on anything malformed. */
export async function readBundle(bytes: Uint8Array): Promise<BundleFile> {
  const size = headerSize(bytes.subarray(0, 8));
  if (size + 8 > bytes.byteLength) throw new Error('the file is truncated: the header is cut short');
  const data = bytes.subarray(8 + size);
  return fromHeader(bytes.subarray(8, 8 + size), async (a, b) => data.subarray(a, b), data.byteLength);
}
