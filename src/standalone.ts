// Entry of a standalone HTML file (h.to_html): no kernel, no network. The page embeds the wire
// graph (compact form, zlib-compressed JSON in base64: `graph_z`; older pages: JSON `graph`) in
// <script type="application/json" id="lenslab-data"> and, per
// saved activation, statistics and a downsampled preview as one line "label<TAB>json" of the text
// element id="lenslab-tensors", found and parsed only when that tensor is asked for, so a big page
// draws its graph first and a selection parses one tensor; this renders the same widget view
// (src/widget.ts) against a stand-in anywidget model whose messages a LocalServer answers.
import widget, { inflateGraph } from './widget.ts';
import { LocalServer } from './local/server.ts';
import { routeSides } from './local/sides.ts';
import { isCompact } from './protocol/compact.ts';
import type { LocalEntry, LocalSource } from './local/server.ts';
import type { WireFrame } from './protocol/schema.ts';
import type { LocalHistogram } from './local/tensor-math.ts';
import type { RequestMessage, TensorStats } from './protocol/messages.ts';

interface EmbeddedTensor {
  stats?: TensorStats;
  hist?: { counts: number[]; lo: number; hi: number; nan: number; inf: number };
  preview?: { step: number[]; offset: number; scale: number; data: string };
}

interface EmbeddedGraph {
  ops: { label: string; shape: number[] | null; dtype: string }[];
  frames?: WireFrame[];
  source_text?: string[];
}

interface Embedded {
  /** The wire graph, or its compact form (older pages; unpacked from `graph_z` before use). */
  graph: EmbeddedGraph | Record<string, unknown>;
  /** The compact graph as base64 of zlib-compressed JSON (what h.to_html writes). */
  graph_z?: string;
  view_options?: Record<string, unknown>;
  /** Inline, or read one by one on first use (`tensor` argument of renderEmbedded). */
  tensors?: Record<string, EmbeddedTensor>;
  missing: string;
  /** A comparison's page (Comparison.to_html): the compare trait and run b / b - a by a's labels. */
  compare?: unknown;
  sides?: { b?: Record<string, EmbeddedTensor>; diff?: Record<string, EmbeddedTensor> };
}

/** The tensor of `label` in the "\nlabel<TAB>json" lines of a page, parsed; undefined if absent. */
export function tensorLine(lines: string, label: string): EmbeddedTensor | undefined {
  const key = `\n${label}\t`;
  const at = lines.indexOf(key);
  if (at < 0) return undefined;
  const end = lines.indexOf('\n', at + key.length);
  return JSON.parse(lines.slice(at + key.length, end < 0 ? undefined : end)) as EmbeddedTensor;
}

type OpInfo = { shape: number[] | null; dtype: string };
const indexes = new WeakMap<object, Map<string, OpInfo>>();

/** Label → shape and dtype of every op, read from the records or the compact columns. */
function opIndex(graph: Embedded['graph']): Map<string, OpInfo> {
  let index = indexes.get(graph);
  if (index) return index;
  index = new Map();
  const ops = (graph as { ops?: unknown }).ops;
  if (Array.isArray(ops)) {
    for (const op of ops as EmbeddedGraph['ops']) index.set(op.label, { shape: op.shape, dtype: op.dtype });
  } else if (isCompact(graph)) {
    const col = (name: string): unknown[] => {
      const c = graph.ops[name];
      if (!c) return [];
      return Array.isArray(c) ? c : c.codes.map((k) => c.table[k]);
    };
    const [labels, shapes, dtypes] = [col('label'), col('shape'), col('dtype')];
    labels.forEach((l, i) => index?.set(String(l), { shape: (shapes[i] as number[] | null) ?? null, dtype: String(dtypes[i] ?? '') }));
  }
  indexes.set(graph, index);
  return index;
}

/** uint8 codes → values (255: NaN), as the kernel's uint8 encoding. */
function decodePreview(p: NonNullable<EmbeddedTensor['preview']>): Float32Array {
  const bytes = Uint8Array.from(atob(p.data), (c) => c.charCodeAt(0));
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i] === 255 ? Number.NaN : p.offset + bytes[i]! * p.scale;
  return out;
}

export function embeddedSource(data: Embedded, readTensor: (label: string) => EmbeddedTensor | undefined = (l) => data.tensors?.[l]): LocalSource {
  // Indexed on first use, from the label, shape and dtype columns only: the first draw does not wait.
  const index = (): Map<string, OpInfo> => opIndex(data.graph);
  const cache = new Map<string, LocalEntry | null>();
  const entry = (label: string): LocalEntry | null => {
    const raw = readTensor(label);
    const op = index().get(label);
    if (!raw || !op) return null;
    const e: LocalEntry = { shape: op.shape ?? [], dtype: op.dtype };
    if (raw.stats) e.stats = raw.stats;
    if (raw.hist) e.histogram = { ...raw.hist, counts: Float32Array.from(raw.hist.counts) } satisfies LocalHistogram;
    if (raw.preview && op.shape) e.tensor = { shape: op.shape, dtype: op.dtype, step: raw.preview.step, data: decodePreview(raw.preview) };
    return e;
  };
  return {
    labels: () => [...index().keys()],
    load: async (label) => {
      if (!cache.has(label)) cache.set(label, entry(label));
      return cache.get(label) ?? null;
    },
    missing: data.missing,
    get code() {
      const g = data.graph as EmbeddedGraph;
      return { frames: g.frames ?? [], text: g.source_text ?? [] };
    },
  };
}

type Handler = (...args: unknown[]) => void;

/** The part of anywidget's model the view uses, answered in the page. */
export function localModel(traits: Record<string, unknown>, server: LocalServer | null): unknown {
  const handlers = new Map<string, Set<Handler>>();
  const emit = (event: string, ...args: unknown[]): void => handlers.get(event)?.forEach((h) => h(...args));
  const model = {
    get: (name: string): unknown => traits[name],
    on: (event: string, h: Handler): void => void (handlers.get(event) ?? handlers.set(event, new Set()).get(event))?.add(h),
    off: (event: string, h: Handler): void => void handlers.get(event)?.delete(h),
    send: (message: RequestMessage): void => {
      void server?.handle(message).then(({ message: reply, buffer }) => emit('msg:custom', reply, buffer ? [new DataView(buffer.buffer)] : []));
    },
  };
  if (!server) return { get: model.get, on: model.on, off: model.off };
  return model;
}

/** Answers each request from the side it names (compare pages), else from run a. */
function sideServer(data: Embedded, tensor?: (label: string) => EmbeddedTensor | undefined): LocalServer {
  const a = new LocalServer(embeddedSource(data, tensor));
  const sides = data.sides;
  if (!sides) return a;
  const of = (side: Record<string, EmbeddedTensor> | undefined): LocalServer => new LocalServer(embeddedSource(data, (l) => side?.[l]));
  return routeSides(a, of(sides.b), of(sides.diff));
}

/** Renders the view into `el` from `data`; returns the cleanup function. */
export function renderEmbedded(el: HTMLElement, data: Embedded, tensor?: (label: string) => EmbeddedTensor | undefined): () => void {
  const server = sideServer(data, tensor);
  const traits = { graph: data.graph, view_options: data.view_options ?? {}, grads_version: 0, compare: data.compare ?? null };
  const model = localModel(traits, server);
  return widget.render({ model: model as Parameters<typeof widget.render>[0]['model'], el });
}

/** The embedded data with its graph unpacked (pages written with `graph_z`). */
export async function unpackEmbedded(data: Embedded): Promise<Embedded> {
  if (typeof data.graph_z !== 'string') return data;
  const text = atob(data.graph_z);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  const { graph_z: _, ...rest } = data;
  return { ...rest, graph: (await inflateGraph(bytes)) as Embedded['graph'] };
}

function main(): void {
  const script = document.getElementById('lenslab-data');
  const el = document.getElementById('lenslab-app');
  if (!script || !el) return;
  let lines: string | null = null;
  const tensor = (label: string): EmbeddedTensor | undefined => {
    lines ??= document.getElementById('lenslab-tensors')?.textContent ?? '';
    return tensorLine(lines, label);
  };
  const idle = (globalThis as { requestIdleCallback?: (f: () => void) => void }).requestIdleCallback ?? ((f: () => void) => setTimeout(f, 200));
  const raw = JSON.parse(script.textContent ?? '{}') as Embedded;
  unpackEmbedded(raw).then(
    (data) => {
      renderEmbedded(el, data, data.tensors ? undefined : tensor);
      idle(() => opIndex(data.graph)); // the first selection finds its op's shape at once
    },
    (error: unknown) => {
      el.textContent = `lenslab: this page's graph could not be unpacked (${String(error)}); open it in a current browser (it needs DecompressionStream).`;
    },
  );
  // Read the tensor lines once the page is idle (after the first draw), so the first selection
  // does not wait for a multi-megabyte string.
  idle(() => {
    lines ??= document.getElementById('lenslab-tensors')?.textContent ?? '';
  });
}

if (typeof document !== 'undefined') main();
