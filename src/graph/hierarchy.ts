// The nesting a view is built from: items (ops, or layers when rolled) inside scopes (module
// calls, or modules when rolled). Module paths are the one source of nesting.
import type { Trace } from '../model/trace.ts';
import { applyFolds, FOLD_PREFIX } from './fold.ts';
import type { FoldInfo } from './fold.ts';
import { applyOutputGroups, OUT_PREFIX } from './outputs.ts';
import type { OutInfo } from './outputs.ts';
import { applyOpFolds, RUN_PREFIX } from './op-folds.ts';
import type { RunInfo } from './op-folds.ts';

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
  /** Set for function groups and their calls (pseudo-scopes; see groupLooseItems). */
  readonly fn?: FnInfo;
  /** Set for folds of repeated blocks and their stand-ins (pseudo-scopes; see fold.ts). */
  readonly fold?: FoldInfo;
  /** Set for the members of a fold: the fold's key and this member's position in it. */
  readonly member?: { readonly fold: string; readonly index: number };
  /** Set for output groups (pseudo-scopes; see outputs.ts). */
  readonly outs?: OutInfo;
  /** Set for the blocks of a fold of loose ops (pseudo-scopes; see op-folds.ts). */
  readonly run?: RunInfo;
}

/** A function group (loose ops of one caller at one level) or one call of it. */
export interface FnInfo {
  /** Qualified name of the calling Python function. */
  readonly caller: string;
  /** Calls (consecutive runs) of the caller at this level. */
  readonly calls: number;
  /** 0 for the group; 1-based call number for a call box inside it. */
  readonly call: number;
  /** Ops inside (all passes). */
  readonly ops: number;
  /** A composite torch function call (WireFunctionCall): a real nesting level, opened by depth. */
  readonly frame?: boolean;
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
/**
 * Function groups (an addition to CONTRACT's node ids). When one level — the top level or one open
 * module call (one module when rolled) — holds more than FN_GROUP_THRESHOLD loose ops (ops directly
 * at that level, in no child module), they are grouped by the Python function that called them
 * (`WireOp.caller`): a group `"fn:" + scopeId + ":" + caller`, where scopeId is '' at top level or
 * the module node id of the level ("module:roi_heads"). Consecutive runs (execution order) of one
 * caller are its calls; a large call of a group with several calls is a box of its own,
 * `groupId + "#" + call`. Qualified names hold no ":" or "#", so the ids are unique and the same
 * for every capture of the same model. A group id is also its "address" in ViewState.expanded.
 */
export const FN_PREFIX = 'fn:';
export const FN_GROUP_THRESHOLD = 150;
/** A caller with fewer loose ops than this at a level stays loose. */
const FN_MIN_ITEMS = 3;
/** A call with at least this many ops (in a group of several calls) gets a box of its own. */
const FN_CALL_MIN_ITEMS = 12;

/** Whether a node id stands for a collapsible scope (module, function group or call). */
export function isScopeNodeId(id: string): boolean {
  return id.startsWith(MODULE_PREFIX) || id.startsWith(FN_PREFIX) || id.startsWith(FOLD_PREFIX) || id.startsWith(OUT_PREFIX) || id.startsWith(RUN_PREFIX);
}

export function moduleNodeId(address: string, call: number, numCalls: number): string {
  return call > 0 && numCalls > 1 ? `${MODULE_PREFIX}${address}:${call}` : `${MODULE_PREFIX}${address}`;
}

/** The module address named by a module node id ("module:a.b" or "module:a.b:2"), or null. */
export function addressOfModuleId(id: string): string | null {
  if (id.startsWith(FN_PREFIX) || id.startsWith(FOLD_PREFIX) || id.startsWith(OUT_PREFIX) || id.startsWith(RUN_PREFIX)) return id; // pseudo-scopes: keyed by id
  if (!id.startsWith(MODULE_PREFIX)) return null;
  return id.slice(MODULE_PREFIX.length).replace(/:\d+$/, '');
}

/** `fold`: draw runs of repeated blocks (WireGraph.folds) as one fold each (see fold.ts). */
export function buildHierarchy(trace: Trace, rolled: boolean, fold = false): Hierarchy {
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
  const building = { items, scopes, scopeOrder, childScopes, directItems, bufferItems };
  const frameDepth = addFunctionFrames(trace, building, itemOfOp, (c) => (c < 0 ? null : callScope[effective(c)] ?? null), rolled);
  maxDepth = Math.max(maxDepth, frameDepth);
  if (fold) {
    const scopeOfCall = (c: number): string | null => (c < 0 ? null : (callScope[c] ?? null));
    maxDepth = Math.max(maxDepth, applyOpFolds(trace, building, itemOfOp, scopeOfCall, rolled));
    applyFolds(trace, building, callScope, rolled);
  }
  applyOutputGroups(trace, building, itemOfOp);
  groupLooseItems(trace, building);
  return { rolled, items, itemOfOp, scopes, scopeOrder, directItems, directBuffers, bufferItems, childScopes, maxDepth };
}

interface Building {
  items: Item[];
  scopes: Map<string, Scope>;
  scopeOrder: string[];
  childScopes: Map<string | null, string[]>;
  directItems: Map<string, number>;
  bufferItems: ReadonlySet<number>;
}

function addScope(b: Building, s: Scope): void {
  b.scopes.set(s.key, s);
  b.scopeOrder.push(s.key);
  const siblings = b.childScopes.get(s.parent);
  if (siblings) siblings.push(s.key);
  else b.childScopes.set(s.parent, [s.key]);
}

function moveItem(b: Building, i: number, key: string): void {
  const item = b.items[i];
  if (!item) return;
  if (item.scope !== null) b.directItems.set(item.scope, (b.directItems.get(item.scope) ?? 0) - 1);
  b.items[i] = { ...item, scope: key };
  b.directItems.set(key, (b.directItems.get(key) ?? 0) + 1);
}

/**
 * Composite torch function calls (`WireGraph.function_calls`, e.g. multi_head_attention_forward)
 * become scopes nested in the module call (or function call) they ran in: id
 * `"fn:" + parentNodeId + ":" + name + "()"`, plus `"#" + k` when that level holds several calls
 * of the function (unrolled; the rolled view merges them like module calls). Returns the deepest
 * frame depth.
 */
function addFunctionFrames(
  trace: Trace, b: Building, itemOfOp: readonly number[], scopeOfCall: (c: number) => string | null, rolled: boolean,
): number {
  const frames = trace.graph.function_calls ?? [];
  const parentKey = (f: number, keys: readonly string[]): string | null => {
    const fc = frames[f];
    if (!fc) return null;
    return fc.parent >= 0 ? (keys[fc.parent] ?? null) : scopeOfCall(fc.module_call);
  };
  const keys: string[] = [];
  // Calls of one function at one level, by level identity (parent call, or module scope).
  const levelOf = (f: number): string => {
    const fc = frames[f];
    return fc ? `${fc.parent >= 0 ? `f${fc.parent}` : `m${scopeOfCall(fc.module_call) ?? ''}`}\u0000${fc.name}` : '';
  };
  const counts = new Map<string, number>();
  frames.forEach((_, f) => counts.set(levelOf(f), (counts.get(levelOf(f)) ?? 0) + 1));
  const seen = new Map<string, number>();
  let maxDepth = 0;
  frames.forEach((fc, f) => {
    const parent = parentKey(f, keys);
    const level = levelOf(f);
    const total = counts.get(level) ?? 1;
    const k = (seen.get(level) ?? 0) + 1;
    seen.set(level, k);
    const base = `${FN_PREFIX}${parent === null ? '' : (b.scopes.get(parent)?.nodeId ?? parent)}:${fc.name}()`;
    const split = !rolled && total > 1;
    const key = split ? `${base}#${k}` : base;
    keys.push(key);
    const parentScope = parent === null ? undefined : b.scopes.get(parent);
    const depth = (parentScope?.depth ?? 0) + 1;
    maxDepth = Math.max(maxDepth, depth);
    let opsInside = 0;
    for (let i = fc.first_op; i < fc.end_op; i += 1) {
      const it = itemOfOp[i] ?? -1;
      const item = b.items[it];
      if (item && item.ops[0] === i && item.scope === parent) moveItem(b, it, key);
      if (item) opsInside += 1;
    }
    const existing = b.scopes.get(key);
    if (existing?.fn) {
      b.scopes.set(key, { ...existing, fn: { ...existing.fn, calls: existing.fn.calls + 1, ops: existing.fn.ops + opsInside } });
      return;
    }
    addScope(b, {
      key, address: key, call: split ? k : 0, parent, depth, nodeId: key,
      outputOp: fc.outputs[fc.outputs.length - 1] ?? fc.end_op - 1,
      chain: [...(parentScope?.chain ?? []), key],
      fn: { caller: `${fc.name}()`, calls: split ? total : 1, call: split ? k : 0, ops: opsInside, frame: true },
    });
  });
  return maxDepth;
}

/** `WireOp.caller`, '' when unknown (graphs written before the field existed lack it). */
function callerOf(trace: Trace, item: Item): string {
  const op = trace.ops[item.ops[0] ?? -1];
  if (op?.role !== 'op') return '';
  const c = (op as { caller?: unknown }).caller;
  return typeof c === 'string' ? c : '';
}

/** Moves the loose items of crowded levels into function-group scopes (see FN_PREFIX). */
function groupLooseItems(trace: Trace, b: Building): void {
  const byLevel = new Map<string | null, number[]>();
  b.items.forEach((it, i) => {
    if (b.bufferItems.has(i)) return;
    const list = byLevel.get(it.scope);
    if (list) list.push(i);
    else byLevel.set(it.scope, [i]);
  });
  for (const [level, list] of byLevel) {
    if (list.length <= FN_GROUP_THRESHOLD) continue;
    const parent = level === null ? undefined : b.scopes.get(level);
    // Runs of one caller, consecutive among this level's loose items.
    const runs = new Map<string, number[][]>();
    let prev = '';
    for (const i of list) {
      const item = b.items[i];
      const caller = item ? callerOf(trace, item) : '';
      if (caller) {
        const own = runs.get(caller) ?? [];
        if (!runs.has(caller)) runs.set(caller, own);
        const last = own[own.length - 1];
        if (caller === prev && last) last.push(i);
        else own.push([i]);
      }
      prev = caller;
    }
    for (const [caller, calls] of runs) {
      const count = calls.reduce((n, r) => n + r.length, 0);
      if (count < FN_MIN_ITEMS) continue;
      const id = `${FN_PREFIX}${parent?.nodeId ?? ''}:${caller}`;
      const depth = (parent?.depth ?? 0) + 1;
      const chain = [...(parent?.chain ?? []), id];
      const opsIn = (run: readonly number[]): number => run.reduce((n, i) => n + (b.items[i]?.ops.length ?? 0), 0);
      const lastRun = calls[calls.length - 1] ?? [];
      const lastItem = b.items[lastRun[lastRun.length - 1] ?? -1];
      addScope(b, {
        key: id, address: id, call: 0, parent: level, depth, nodeId: id,
        outputOp: calls.length === 1 ? (lastItem?.ops[0] ?? -1) : -1,
        chain, fn: { caller, calls: calls.length, call: 0, ops: calls.reduce((n, r) => n + opsIn(r), 0) },
      });
      calls.forEach((run, k) => {
        let key = id;
        if (calls.length > 1 && run.length >= FN_CALL_MIN_ITEMS) {
          key = `${id}#${k + 1}`;
          const out = b.items[run[run.length - 1] ?? -1];
          addScope(b, {
            key, address: key, call: k + 1, parent: id, depth: depth + 1, nodeId: key,
            outputOp: out?.ops[0] ?? -1, chain: [...chain, key],
            fn: { caller, calls: calls.length, call: k + 1, ops: opsIn(run) },
          });
        }
        for (const i of run) moveItem(b, i, key);
      });
    }
  }
}
