// Folded runs of loose ops: the same block of ops repeated N times in a row at one level, with no
// module around each repeat (WireGraph.op_folds, found in Python by transforms/op_folds.py). Each
// block becomes a pseudo-scope (a member) and the run one fold over them, drawn closed as
// `block ×N` like a fold of module copies (fold.ts does the rest: stand-ins, picks, plots).
import type { Trace } from '../model/trace.ts';
import { formatShape } from '../model/trace.ts';
import type { NodeDescription, NodeLink } from './describe.ts';
import type { Item, Scope } from './hierarchy.ts';
import type { Hierarchy } from './hierarchy.ts';
import { FOLD_PREFIX } from './fold.ts';

/**
 * Block node ids (an addition to CONTRACT's node ids): `"run:" + label` of the block's first op;
 * the fold over the blocks is `"fold:" + label of the first block's first op + "/" + N`. Both are
 * also their "address" in ViewState.expanded.
 */
export const RUN_PREFIX = 'run:';
const PATTERN_TYPES = 4;

export interface RunInfo {
  /** 0-based block number. */
  readonly index: number;
  /** Ops in this block. */
  readonly ops: number;
  /** The block's op types: `mul · add · tanh · sub`. */
  readonly pattern: string;
  /** Op positions [start, stop) of the block. */
  readonly range: readonly [number, number];
}

/** The parts of a hierarchy being built that op folds rewrite. */
export interface OpFoldBuilding {
  items: Item[];
  scopes: Map<string, Scope>;
  scopeOrder: string[];
  childScopes: Map<string | null, string[]>;
  directItems: Map<string, number>;
}

/** Adds a fold and its block scopes per usable op fold (unrolled view only: rolled, the loop's
 *  ops are already one layer each). Returns the deepest depth added (0 if none). */
export function applyOpFolds(
  trace: Trace, b: OpFoldBuilding, itemOfOp: readonly number[], scopeOfCall: (c: number) => string | null, rolled: boolean,
): number {
  if (rolled) return 0;
  let maxDepth = 0;
  for (const f of trace.graph.op_folds ?? []) {
    const level = f.module_call < 0 ? null : scopeOfCall(f.module_call);
    const blocks = f.starts.map((start, k) => itemsBetween(b, itemOfOp, start, f.starts[k + 1] ?? f.end));
    const usable = blocks.length >= 2 && blocks.every((bl) => bl.length > 0 && bl.every((i) => b.items[i]?.scope === level));
    const firstLabel = trace.ops[f.starts[0] ?? -1]?.label;
    const id = `${FOLD_PREFIX}${firstLabel ?? ''}/${blocks.length}`;
    if (!usable || firstLabel === undefined || b.scopes.has(id)) continue;
    const up = level === null ? undefined : b.scopes.get(level);
    const depth = (up?.depth ?? 0) + 1;
    maxDepth = Math.max(maxDepth, depth);
    const chain = [...(up?.chain ?? []), id];
    const pattern = patternOf(trace, b, blocks[0] ?? []);
    const members = f.starts.map((start) => `${RUN_PREFIX}${trace.ops[start]?.label ?? start}`);
    const lastOp = (bl: readonly number[]): number => b.items[bl[bl.length - 1] ?? -1]?.ops[0] ?? -1;
    b.scopes.set(id, {
      key: id, address: id, call: 0, parent: level, depth, nodeId: id, outputOp: lastOp(blocks[blocks.length - 1] ?? []), chain,
      fold: { kind: 'ops', members, type: 'block', span: pattern },
    });
    b.scopeOrder.push(id);
    insertSibling(b, level, id, f.starts[0] ?? 0);
    b.childScopes.set(id, members);
    members.forEach((key, index) => {
      const block = blocks[index] ?? [];
      b.scopes.set(key, {
        key, address: key, call: 0, parent: id, depth, nodeId: key, outputOp: lastOp(block), chain: [...chain, key],
        member: { fold: id, index }, run: { index, ops: block.length, pattern, range: [f.starts[index] ?? 0, f.starts[index + 1] ?? f.end] },
      });
      b.scopeOrder.push(key);
      for (const i of block) moveItem(b, i, key);
    });
  }
  return maxDepth;
}

/** Items whose first op lies in [start, stop). */
function itemsBetween(b: OpFoldBuilding, itemOfOp: readonly number[], start: number, stop: number): number[] {
  const out: number[] = [];
  for (let o = start; o < stop; o += 1) {
    const i = itemOfOp[o] ?? -1;
    if (b.items[i]?.ops[0] === o) out.push(i);
  }
  return out;
}

function patternOf(trace: Trace, b: OpFoldBuilding, block: readonly number[]): string {
  const types = block.map((i) => trace.ops[b.items[i]?.ops[0] ?? -1]?.type ?? '?');
  const shown = types.slice(0, PATTERN_TYPES).join(' \u00b7 ');
  return types.length > PATTERN_TYPES ? `${shown} \u00b7 \u2026` : shown;
}

/** The fold goes among its level's child scopes where it ran (before the first that ends after
 *  its first op), so the outline keeps execution order. */
function insertSibling(b: OpFoldBuilding, level: string | null, id: string, firstOp: number): void {
  const siblings = b.childScopes.get(level) ?? [];
  b.childScopes.set(level, siblings);
  const at = siblings.findIndex((k) => (b.scopes.get(k)?.outputOp ?? -1) > firstOp);
  siblings.splice(at < 0 ? siblings.length : at, 0, id);
}

function moveItem(b: OpFoldBuilding, i: number, key: string): void {
  const item = b.items[i];
  if (!item) return;
  if (item.scope !== null) b.directItems.set(item.scope, (b.directItems.get(item.scope) ?? 0) - 1);
  b.items[i] = { ...item, scope: key };
  b.directItems.set(key, (b.directItems.get(key) ?? 0) + 1);
}

/** A block's title: `block #3`. */
export function runTitle(s: Scope): string {
  return s.run ? `block #${s.run.index}` : '';
}

/** The inspector for one block: where it sits in its fold, its ops and their time. */
export function describeRun(trace: Trace, h: Hierarchy, s: Scope): NodeDescription {
  const [start, stop] = s.run?.range ?? [0, 0];
  const items: Item[] = []; // from the block's op range: no scan of every item
  for (let o = start; o < stop; o += 1) {
    const item = h.items[h.itemOfOp[o] ?? -1];
    if (item?.scope === s.key && item.ops[0] === o) items.push(item);
  }
  const ops = items.flatMap((it) => it.ops);
  const time = ops.reduce((t, i) => t + (trace.ops[i]?.time_s ?? 0), 0);
  const fold = s.member ? h.scopes.get(s.member.fold) : undefined;
  const out = trace.ops[s.outputOp];
  const rows: [string, string][] = [
    ['block', `${(s.run?.index ?? 0)} of ${fold?.fold?.members.length ?? 0}`],
    ['ops', String(ops.length)],
    ['pattern', s.run?.pattern ?? ''],
    ['time', `${(time * 1e3).toFixed(3)} ms`],
    ['output', out ? `${out.label} ${formatShape(out.shape)}` : '\u2014'],
  ];
  const links: NodeLink[] = items.map((it) => ({ id: it.id, text: it.id }));
  const up: NodeLink[] = fold ? [{ id: fold.nodeId, text: `block \u00d7${fold.fold?.members.length ?? 0}` }] : [];
  return { id: s.nodeId, title: runTitle(s), rows, links: [['ops', links], ['fold', up]] };
}
