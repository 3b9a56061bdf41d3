// Indexes over a hierarchy, built once per hierarchy on first use, so the selection path (select,
// describe, reveal, tensor lookup) never scans every node of a 30k-op graph.
import type { Hierarchy, Item, Scope } from './hierarchy.ts';

interface Indexes {
  readonly itemById: ReadonlyMap<string, number>;
  readonly scopeByNode: ReadonlyMap<string, Scope>;
  /** First item (id) directly in each scope, counting buffers / without them. */
  readonly firstItem: ReadonlyMap<string, string>;
  readonly firstShownItem: ReadonlyMap<string, string>;
}

const built = new WeakMap<Hierarchy, Indexes>();

function indexes(h: Hierarchy): Indexes {
  let ix = built.get(h);
  if (ix) return ix;
  const itemById = new Map<string, number>();
  const firstItem = new Map<string, string>();
  const firstShownItem = new Map<string, string>();
  h.items.forEach((it, i) => {
    itemById.set(it.id, i);
    if (it.scope === null) return;
    if (!firstItem.has(it.scope)) firstItem.set(it.scope, it.id);
    if (!h.bufferItems.has(i) && !firstShownItem.has(it.scope)) firstShownItem.set(it.scope, it.id);
  });
  const scopeByNode = new Map<string, Scope>();
  for (const s of h.scopes.values()) if (!scopeByNode.has(s.nodeId)) scopeByNode.set(s.nodeId, s);
  ix = { itemById, scopeByNode, firstItem, firstShownItem };
  built.set(h, ix);
  return ix;
}

/** Position of the item drawn as node `id`, or -1. */
export function itemIndexOf(h: Hierarchy, id: string): number {
  return indexes(h).itemById.get(id) ?? -1;
}

export function itemOf(h: Hierarchy, id: string): Item | undefined {
  return h.items[itemIndexOf(h, id)];
}

/** The scope a module (or function group, or fold) node id stands for. */
export function scopeOfNode(h: Hierarchy, id: string): Scope | undefined {
  return indexes(h).scopeByNode.get(id);
}

/** The first item directly inside a scope (buffers skipped unless shown). */
export function firstItemIn(h: Hierarchy, scope: string, showBuffers: boolean): string | undefined {
  return (showBuffers ? indexes(h).firstItem : indexes(h).firstShownItem).get(scope);
}
