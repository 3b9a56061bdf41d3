// Output groups: the model outputs under one top-level field of the returned value
// (WireGraph.output_groups, found in Python by transforms/outputs.py; a transformers KV cache,
// "cache.layers.0.keys", ...) become one pseudo-scope, drawn closed as one output node
// `cache ×338`. Like caller groups, no depth opens it: only expand, select or search.
import type { Trace } from '../model/trace.ts';
import { formatShape } from '../model/trace.ts';
import type { NodeDescription, NodeLink } from './describe.ts';
import type { Hierarchy, Item, Scope } from './hierarchy.ts';
import { formatMetric, outputBytes } from './overlay.ts';

/**
 * Output group node ids (an addition to CONTRACT's node ids): `"out:" + name`, name being the
 * field of the returned value ("cache"). Also the group's "address" in ViewState.expanded.
 */
export const OUT_PREFIX = 'out:';

export interface OutInfo {
  /** The field of the returned value: "cache", "hidden_states". */
  readonly name: string;
  /** Outputs inside (items). */
  readonly count: number;
  /** Each output's path in the returned value, by op position. */
  readonly paths: ReadonlyMap<number, string>;
}

/** The parts of a hierarchy being built that output grouping rewrites. */
export interface OutBuilding {
  items: Item[];
  scopes: Map<string, Scope>;
  scopeOrder: string[];
  childScopes: Map<string | null, string[]>;
  directItems: Map<string, number>;
}

/** Adds one closed scope per usable WireGraph.output_groups entry and moves its outputs in. */
export function applyOutputGroups(trace: Trace, b: OutBuilding, itemOfOp: readonly number[]): void {
  for (const g of trace.graph.output_groups ?? []) {
    const key = `${OUT_PREFIX}${g.name}`;
    const found = [...new Set(g.ops.map((o) => itemOfOp[o] ?? -1))].filter((i) => trace.ops[b.items[i]?.ops[0] ?? -1]?.role === 'output');
    const parent = b.items[found[0] ?? -1]?.scope ?? null;
    if (found.length < 2 || b.scopes.has(key) || found.some((i) => b.items[i]?.scope !== parent)) continue;
    const up = parent === null ? undefined : b.scopes.get(parent);
    const last = b.items[found[found.length - 1] ?? -1];
    const paths = new Map(g.ops.map((o, k) => [o, g.paths?.[k] ?? ''] as const));
    const scope: Scope = {
      key, address: key, call: 0, parent, depth: (up?.depth ?? 0) + 1, nodeId: key, outputOp: last?.ops[0] ?? -1,
      chain: [...(up?.chain ?? []), key], outs: { name: g.name, count: found.length, paths },
    };
    b.scopes.set(key, scope);
    b.scopeOrder.push(key);
    const siblings = b.childScopes.get(parent);
    if (siblings) siblings.push(key);
    else b.childScopes.set(parent, [key]);
    for (const i of found) {
      const item = b.items[i];
      if (!item) continue;
      if (item.scope !== null) b.directItems.set(item.scope, (b.directItems.get(item.scope) ?? 0) - 1);
      b.items[i] = { ...item, scope: key };
    }
    b.directItems.set(key, found.length);
  }
}

/** Closed: `cache ×338`. */
export function outsTitle(s: Scope): string {
  return s.outs ? `${s.outs.name} \u00d7${s.outs.count}` : '';
}

/** The path of an output in its group ("cache.layers.0.keys"), or ''. */
export function outPath(s: Scope, op: number): string {
  return s.outs?.paths.get(op) ?? '';
}

/** The inspector for an output group: its field, how many outputs, their bytes, and each one
 *  listed by its path (a link that reveals it). */
export function describeOutputs(trace: Trace, h: Hierarchy, s: Scope): NodeDescription {
  const ops = (s.outs ? [...s.outs.paths.keys()] : []).filter((o) => trace.ops[o]?.role === 'output');
  const bytes = ops.reduce((n, o) => n + (trace.ops[o] ? outputBytes(trace.ops[o]) : 0), 0);
  const shapes = new Set(ops.map((o) => formatShape(trace.ops[o]?.shape ?? null)));
  const rows: [string, string][] = [
    ['outputs', String(ops.length)],
    ['field', s.outs?.name ?? ''],
    ['shape', shapes.size === 1 ? [...shapes][0] ?? '' : `${shapes.size} shapes`],
    ['size', formatMetric('size', bytes)],
  ];
  const links: NodeLink[] = ops.flatMap((o) => {
    const item = h.items[h.itemOfOp[o] ?? -1];
    return item ? [{ id: item.id, text: outPath(s, o) || item.id }] : [];
  });
  return { id: s.nodeId, title: outsTitle(s), rows, links: [['outputs', links]] };
}
