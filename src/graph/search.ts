// Search over the current view's nodes, visible or hidden inside a closed module.
import type { Trace } from '../model/trace.ts';
import { formatShape } from '../model/trace.ts';
import type { Hierarchy } from './hierarchy.ts';
import { itemOf, scopeOfNode } from './index.ts';

/**
 * Ids of op nodes (label / layer) whose label, type, function, module or output shape
 * ("1x64x56x56") matches, then ids of module nodes whose address or class name matches.
 * Case-insensitive substring match. Buffers are skipped while they are hidden (`showBuffers`).
 */
/** The last search, by identity of its inputs: the view asks for the same hits when it searches
 *  and again when it redraws the panels, and a search scans every node. */
let last: { trace: Trace; h: Hierarchy; query: string; showBuffers: boolean; hits: string[] } | null = null;

export function searchNodes(trace: Trace, h: Hierarchy, query: string, showBuffers = true): string[] {
  if (last && last.trace === trace && last.h === h && last.query === query && last.showBuffers === showBuffers) {
    return [...last.hits];
  }
  const hits = scanNodes(trace, h, query, showBuffers);
  last = { trace, h, query, showBuffers, hits };
  return [...hits];
}

/** Lower-cased search text of every item and scope, built once per hierarchy. */
interface SearchIndex {
  readonly items: readonly string[];
  readonly scopes: readonly (readonly [string, string])[];
}
const indexes = new WeakMap<Hierarchy, SearchIndex>();

function searchIndex(trace: Trace, h: Hierarchy): SearchIndex {
  let ix = indexes.get(h);
  if (ix) return ix;
  const where = new Map<string | null, string>();
  const items = h.items.map((item) => {
    const op = trace.ops[item.ops[0] ?? -1];
    if (!op) return '';
    let at = where.get(item.scope);
    if (at === undefined) where.set(item.scope, (at = moduleAddressOf(h, item.scope)));
    return `${op.label} ${op.type} ${op.func} @${at} ${formatShape(op.shape)}`.toLowerCase();
  });
  const scopes: [string, string][] = [];
  for (const key of h.scopeOrder) {
    const s = h.scopes.get(key);
    if (!s) continue;
    if (s.fn) {
      if (s.fn.call === 0) scopes.push([s.nodeId, `\u0192 ${s.fn.caller}`.toLowerCase()]);
      continue;
    }
    if (s.outs) {
      scopes.push([s.nodeId, `${s.outs.name} outputs`.toLowerCase()]);
      continue;
    }
    if (s.run) continue; // a block: its ops are found, and its fold by its op types

    const type = s.fold?.type ?? trace.modules.get(s.address)?.type ?? '';
    scopes.push([s.nodeId, `@${s.fold?.span ?? s.address} ${type}`.toLowerCase()]);
  }
  ix = { items, scopes };
  indexes.set(h, ix);
  return ix;
}

function scanNodes(trace: Trace, h: Hierarchy, query: string, showBuffers: boolean): string[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const ix = searchIndex(trace, h);
  const hits: string[] = [];
  ix.items.forEach((text, index) => {
    if (!showBuffers && h.bufferItems.has(index)) return;
    if (text.includes(q)) hits.push(h.items[index]?.id ?? '');
  });
  for (const [id, text] of ix.scopes) if (text.includes(q)) hits.push(id);
  return hits;
}

/** Address of the innermost module around a scope (function groups skipped); '' at top level. */
export function moduleAddressOf(h: Hierarchy, scope: string | null): string {
  for (let k = scope; k !== null; ) {
    const s = h.scopes.get(k);
    if (!s) return '';
    if (!s.fn && !s.outs && !s.run && s.fold?.kind !== 'ops') return s.address;
    k = s.parent;
  }
  return '';
}

/** Scope keys that must be open for a node id to be drawn as itself (outermost first). */
export function scopesToReveal(h: Hierarchy, id: string): string[] {
  const item = itemOf(h, id);
  if (item) return item.scope === null ? [] : [...(h.scopes.get(item.scope)?.chain ?? [])];
  return scopeOfNode(h, id)?.chain.slice(0, -1) ?? [];
}
