// The nesting a view is built from: items (ops, or layers when rolled) inside scopes (module
// calls, or modules when rolled). Module paths are the one source of nesting.
import type { Trace } from '../model/trace.ts';

export interface Scope {
  /** Unrolled: "address:call"; rolled: "address". */
  readonly key: string;
  readonly address: string;
  /** 1-based call number (unrolled); 0 in the rolled view, where calls are merged. */
  readonly call: number;
  readonly parent: string | null;
  /** 1 for scopes at top level. */
  readonly depth: number;
  /** Id of the node that stands for this scope when it is collapsed. */
  readonly nodeId: string;
  /** An op whose output is the scope's output (for the collapsed node's shape), or -1. */
  readonly outputOp: number;
  /** Scope keys from the outermost down to this one. */
  readonly chain: readonly string[];
}

export interface Item {
  /** Node id: op `label` (unrolled) or `layer` (rolled). */
  readonly id: string;
  /** Op positions; the first is the representative (first pass). */
  readonly ops: readonly number[];
  /** Innermost scope, or null at top level. */
  readonly scope: string | null;
}

export interface Hierarchy {
  readonly rolled: boolean;
  readonly items: readonly Item[];
  readonly itemOfOp: readonly number[];
  readonly scopes: ReadonlyMap<string, Scope>;
  /** Scope keys in creation order (parents before children). */
  readonly scopeOrder: readonly string[];
  /** Number of items directly inside each scope, and child scopes of each scope. */
  readonly directItems: ReadonlyMap<string, number>;
  /** How many of a scope's direct items are buffers (hidden unless asked for). */
  readonly directBuffers: ReadonlyMap<string, number>;
  /** Items whose op is a buffer (running stats and the like), by item index. */
  readonly bufferItems: ReadonlySet<number>;
  readonly childScopes: ReadonlyMap<string | null, readonly string[]>;
  readonly maxDepth: number;
}

export const MODULE_PREFIX = 'module:';

export function moduleNodeId(address: string, call: number, numCalls: number): string {
  return call > 0 && numCalls > 1 ? `${MODULE_PREFIX}${address}:${call}` : `${MODULE_PREFIX}${address}`;
}

/** The module address named by a module node id ("module:a.b" or "module:a.b:2"), or null. */
export function addressOfModuleId(id: string): string | null {
  if (!id.startsWith(MODULE_PREFIX)) return null;
  return id.slice(MODULE_PREFIX.length).replace(/:\d+$/, '');
}

export function buildHierarchy(trace: Trace, rolled: boolean): Hierarchy {
  // A call with an empty address is the model itself: transparent, its contents sit at top level.
  const effective = (call: number): number => {
    let c = call;
    while (c >= 0 && trace.calls[c]?.address === '') c = trace.calls[c]?.parent ?? -1;
    return c;
  };
  const scopeKeyOfCall = (c: number): string => {
    const call = trace.calls[c];
    if (!call) return '';
    return rolled ? call.address : `${call.address}:${call.call}`;
  };
  const scopes = new Map<string, Scope>();
  const scopeOrder: string[] = [];
  const childScopes = new Map<string | null, string[]>();
  const callScope: (string | null)[] = [];
  let maxDepth = 0;
  trace.calls.forEach((call, c) => {
    const e = effective(c);
    if (e !== c) {
      callScope.push(e < 0 ? null : (callScope[e] ?? null));
      return;
    }
    const key = scopeKeyOfCall(c);
    callScope.push(key);
    if (scopes.has(key)) return; // rolled: later calls merge into the first one's scope
    const pc = effective(call.parent);
    const parent = pc < 0 ? null : (callScope[pc] ?? null);
    const parentScope = parent === null ? undefined : scopes.get(parent);
    const depth = (parentScope?.depth ?? 0) + 1;
    maxDepth = Math.max(maxDepth, depth);
    const numCalls = trace.modules.get(call.address)?.num_calls ?? 1;
    scopes.set(key, {
      key,
      address: call.address,
      call: rolled ? 0 : call.call,
      parent,
      depth,
      nodeId: moduleNodeId(call.address, rolled ? 0 : call.call, numCalls),
      outputOp: call.outputs[call.outputs.length - 1] ?? -1,
      chain: [...(parentScope?.chain ?? []), key],
    });
    scopeOrder.push(key);
    const siblings = childScopes.get(parent);
    if (siblings) siblings.push(key);
    else childScopes.set(parent, [key]);
  });

  const items: Item[] = [];
  const itemOfOp: number[] = new Array<number>(trace.ops.length).fill(-1);
  const itemByLayer = new Map<string, number>();
  const directItems = new Map<string, number>();
  const directBuffers = new Map<string, number>();
  const bufferItems = new Set<number>();
  trace.ops.forEach((op, i) => {
    const existing = rolled ? itemByLayer.get(op.layer) : undefined;
    if (existing !== undefined) {
      (items[existing]?.ops as number[] | undefined)?.push(i);
      itemOfOp[i] = existing;
      return;
    }
    const scope = op.module_call < 0 ? null : (callScope[op.module_call] ?? null);
    if (op.role === 'buffer') {
      bufferItems.add(items.length);
      if (scope !== null) directBuffers.set(scope, (directBuffers.get(scope) ?? 0) + 1);
    }
    itemOfOp[i] = items.length;
    if (rolled) itemByLayer.set(op.layer, items.length);
    items.push({ id: rolled ? op.layer : op.label, ops: [i], scope });
    if (scope !== null) directItems.set(scope, (directItems.get(scope) ?? 0) + 1);
  });
  return { rolled, items, itemOfOp, scopes, scopeOrder, directItems, directBuffers, bufferItems, childScopes, maxDepth };
}
