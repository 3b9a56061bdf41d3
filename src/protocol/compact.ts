// Reads the compact transport form (columns, interned strings; see schema.py) back into a
// WireGraph of records. Anything malformed is left for the trace checks to reject with a message.
import type { CompactWireGraph, InternedColumn, WireGraph, WireModule } from './schema.ts';

export function isCompact(raw: unknown): raw is CompactWireGraph {
  return typeof raw === 'object' && raw !== null && (raw as { encoding?: unknown }).encoding === 'columns';
}

/** Columns a writer leaves out when every op has this value (compact.py COLUMN_DEFAULTS). */
const COLUMN_DEFAULTS: Readonly<Record<string, unknown>> = { pass_index: 1, num_passes: 1, bool_value: null, grad_fn: '' };

/** grad_fn travels without its usual "Backward0" ending; names with another ending after "=". */
export function gradFnName(sent: unknown): string {
  if (typeof sent !== 'string' || sent === '') return '';
  return sent.startsWith('=') ? sent.slice(1) : `${sent}Backward0`;
}

/** Returns `raw` unchanged unless it is the compact form, which it expands. */
export function expandWire(raw: unknown): unknown {
  if (!isCompact(raw)) return raw;
  const n = raw.num_ops;
  if (!Number.isInteger(n) || n < 0 || typeof raw.ops !== 'object' || raw.ops === null) {
    throw new Error('compact graph: "num_ops" or "ops" is malformed');
  }
  const columns = Object.entries(raw.ops).map(([field, col]) => {
    const values = decodeColumn(field, col, n);
    return [field, field === 'grad_fn' ? values.map(gradFnName) : values] as const;
  });
  const absent = Object.entries(COLUMN_DEFAULTS).filter(([field]) => !(field in raw.ops));
  const frames = Array.isArray(raw.frames) ? raw.frames : [];
  const sourceColumn = 'source' in raw.ops;
  const fields = [...columns.map(([field]) => field), ...absent.map(([field]) => field), 'layer', ...(sourceColumn ? [] : ['source'])];
  const template = recordTemplate(fields);
  const ops = Array.from({ length: n }, (_, i) => {
    // Copies of one template share one fast object shape; fields added one by one with computed
    // names would leave each op a slow dictionary (every later read of a field a hash lookup).
    const op: Record<string, unknown> = { ...template };
    for (const [field, values] of columns) op[field] = values[i];
    for (const [field, value] of absent) op[field] = value;
    op['layer'] = layerOf(op['label']);
    // "source" travels as a frame position (older writers sent the column itself).
    if (!sourceColumn) {
      const f = typeof op['frame'] === 'number' ? frames[op['frame']] : undefined;
      op['source'] = f ? `${f.file}:${f.line}` : '';
    }
    return op;
  });
  const modules = Array.isArray(raw.modules) ? raw.modules : [];
  const graph = { ...raw, ops, modules: withChildren(modules) };
  delete (graph as { encoding?: unknown }).encoding;
  delete (graph as { num_ops?: unknown }).num_ops;
  return graph as unknown as WireGraph;
}

/** An object with these fields (in this order, each null) and fast properties: JSON.parse
 *  builds one, where adding computed names one by one turns an object into a dictionary. */
function recordTemplate(fields: readonly string[]): Record<string, unknown> {
  return JSON.parse(JSON.stringify(Object.fromEntries(fields.map((f) => [f, null])))) as Record<string, unknown>;
}

/** A label always ends in ":pass"; the layer label is what comes before it. */
function layerOf(label: unknown): unknown {
  if (typeof label !== 'string') return label;
  const colon = label.lastIndexOf(':');
  return colon > 0 ? label.slice(0, colon) : label;
}

function decodeColumn(field: string, col: unknown[] | InternedColumn, n: number): unknown[] {
  if (Array.isArray(col)) {
    if (col.length !== n) throw new Error(`compact graph: column "${field}" has ${col.length} values for ${n} ops`);
    return col;
  }
  const { table, codes } = col;
  if (!Array.isArray(table) || !Array.isArray(codes) || codes.length !== n) {
    throw new Error(`compact graph: column "${field}" is malformed`);
  }
  return codes.map((c) => table[c]);
}

/** Module children from addresses: the nearest recorded ancestor address is the parent. */
function withChildren(modules: Record<string, unknown>[]): WireModule[] {
  const out = modules.map((m) => ({ ...m, children: [] as string[] }) as unknown as WireModule);
  const byAddress = new Map(out.map((m) => [m.address, m]));
  for (const m of out) {
    if (typeof m.address !== 'string') continue;
    let parent = m.address;
    while (parent.includes('.')) {
      parent = parent.slice(0, parent.lastIndexOf('.'));
      const p = byAddress.get(parent);
      if (p) {
        p.children.push(m.address);
        break;
      }
    }
  }
  return out;
}
