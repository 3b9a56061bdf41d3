// Search over the current view's nodes, visible or hidden inside a closed module.
import type { Trace } from '../model/trace.ts';
import { formatShape } from '../model/trace.ts';
import type { Hierarchy } from './hierarchy.ts';

/**
 * Ids of op nodes (label / layer) whose label, type, function, module or output shape
 * ("1x64x56x56") matches, then ids of module nodes whose address or class name matches.
 * Case-insensitive substring match. Buffers are skipped while they are hidden (`showBuffers`).
 */
export function searchNodes(trace: Trace, h: Hierarchy, query: string, showBuffers = true): string[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const hits: string[] = [];
  for (const [index, item] of h.items.entries()) {
    if (!showBuffers && h.bufferItems.has(index)) continue;
    const op = trace.ops[item.ops[0] ?? -1];
    if (!op) continue;
    const where = item.scope === null ? '' : (h.scopes.get(item.scope)?.address ?? '');
    const text = `${op.label} ${op.type} ${op.func} @${where} ${formatShape(op.shape)}`.toLowerCase();
    if (text.includes(q)) hits.push(item.id);
  }
  for (const key of h.scopeOrder) {
    const s = h.scopes.get(key);
    if (!s) continue;
    const type = trace.modules.get(s.address)?.type ?? '';
    if (`@${s.address} ${type}`.toLowerCase().includes(q)) hits.push(s.nodeId);
  }
  return hits;
}

/** Scope keys that must be open for a node id to be drawn as itself (outermost first). */
export function scopesToReveal(h: Hierarchy, id: string): string[] {
  const item = h.items.find((it) => it.id === id);
  if (item) return item.scope === null ? [] : [...(h.scopes.get(item.scope)?.chain ?? [])];
  for (const s of h.scopes.values()) {
    if (s.nodeId === id) return s.chain.slice(0, -1);
  }
  return [];
}
