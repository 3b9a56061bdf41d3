// Folded repeats: runs of sibling module calls with the same structure (WireGraph.folds, found in
// Python by transforms/folds.py) become one pseudo-scope, the fold, drawn closed as `Type ×N`.
// Opened, it shows all its members, or one chosen member (ViewState.foldPick) between two
// stand-in nodes for the members before and after it.
import type { Trace } from '../model/trace.ts';
import type { WireFold } from '../protocol/schema.ts';
import type { Hierarchy, Scope } from './hierarchy.ts';

/**
 * Fold node ids (an addition to CONTRACT's node ids): `"fold:" + first + "/" + N`, `first` being the
 * first member's module node id without "module:" ("h.0", or "block:1" for the passes of a module
 * called several times; the same rolled and unrolled) and N the member count. A fold id is
 * also its "address" in ViewState.expanded. The stand-ins around a picked member are
 * `foldId + "~before"` and `foldId + "~after"`.
 */
export const FOLD_PREFIX = 'fold:';

export interface FoldInfo {
  /** 'ops': blocks of loose ops (op-folds.ts), not module calls. */
  readonly kind: WireFold['kind'] | 'ops';
  /** Member scope keys, in execution order. */
  readonly members: readonly string[];
  /** Module class of the members ('block' for blocks of ops). */
  readonly type: string;
  /** `h.0–11` for copies, the shared address for passes, the op types of a block of ops. */
  readonly span: string;
  /** Stand-ins only: the member indices this node stands for. */
  readonly range?: readonly [number, number];
}

/** The parts of a hierarchy being built that folding rewrites. */
export interface FoldBuilding {
  scopes: Map<string, Scope>;
  scopeOrder: string[];
  childScopes: Map<string | null, string[]>;
}

/** Fold where it helps: some run of at least this many repeated blocks. */
export const AUTO_FOLD_MIN = 3;

/** `h.show(fold=...)`: true or false as asked; unset, fold when some run is long enough. */
export function foldOption(trace: Trace, asked: unknown): boolean {
  if (typeof asked === 'boolean') return asked;
  const long = (n: number): boolean => n >= AUTO_FOLD_MIN;
  return (trace.graph.folds ?? []).some((f) => long(f.calls.length)) || (trace.graph.op_folds ?? []).some((f) => long(f.starts.length));
}

export function isFoldId(id: string): boolean {
  return id.startsWith(FOLD_PREFIX);
}

/** Adds one fold scope per usable WireGraph.folds entry, then re-derives chains and order. */
export function applyFolds(trace: Trace, b: FoldBuilding, callScope: readonly (string | null)[], rolled: boolean): void {
  const folds = trace.graph.folds ?? [];
  let changed = false;
  for (const f of folds) {
    if (rolled && f.kind === 'passes') continue; // the rolled view already merges the passes
    const keys = f.calls.map((c) => callScope[c] ?? null);
    const members = [...new Set(keys)].filter((k): k is string => k !== null);
    const first = b.scopes.get(members[0] ?? '');
    if (!first || members.length < 2 || members.length !== keys.length) continue;
    const parent = first.parent;
    const siblings = b.childScopes.get(parent) ?? [];
    const at = siblings.indexOf(members[0] ?? '');
    if (at < 0 || members.some((m, i) => siblings[at + i] !== m || b.scopes.get(m)?.fold)) continue;
    const id = `${FOLD_PREFIX}${first.nodeId.slice(first.nodeId.indexOf(':') + 1)}/${members.length}`;
    if (b.scopes.has(id)) continue;
    const last = b.scopes.get(members[members.length - 1] ?? '');
    b.scopes.set(id, {
      key: id, address: id, call: 0, parent, depth: first.depth, nodeId: id, outputOp: last?.outputOp ?? -1, chain: [],
      fold: { kind: f.kind, members, type: trace.modules.get(first.address)?.type ?? '?', span: spanOf(b, members) },
    });
    siblings.splice(at, members.length, id);
    b.childScopes.set(id, members);
    members.forEach((m, index) => {
      const s = b.scopes.get(m);
      if (s) b.scopes.set(m, { ...s, parent: id, member: { fold: id, index } });
    });
    changed = true;
  }
  if (changed) rechain(b);
}

/** `h.0–11` (copies of one container), or the one address of a shared module's passes. */
function spanOf(b: FoldBuilding, members: readonly string[]): string {
  const addresses = members.map((m) => b.scopes.get(m)?.address ?? '');
  const first = addresses[0] ?? '';
  const last = addresses[addresses.length - 1] ?? '';
  if (first === last) return first;
  const cut = first.lastIndexOf('.') + 1;
  return last.slice(0, cut) === first.slice(0, cut) ? `${first}\u2013${last.slice(cut)}` : `${first}\u2013${last}`;
}

/** Chains and creation order again, parents before children, after scopes moved under folds. */
function rechain(b: FoldBuilding): void {
  const order: string[] = [];
  const visit = (parent: string | null, chain: readonly string[]): void => {
    for (const key of b.childScopes.get(parent) ?? []) {
      const s = b.scopes.get(key);
      if (!s) continue;
      const own = [...chain, key];
      b.scopes.set(key, { ...s, chain: own });
      order.push(key);
      visit(key, own);
    }
  };
  visit(null, []);
  b.scopeOrder.splice(0, b.scopeOrder.length, ...order);
}

/** Closed fold: `GPT2Block ×12`; opened, its box is titled `@h.0–11 ×12`. */
export function foldTitle(s: Scope): string {
  const f = s.fold;
  if (!f) return '';
  if (f.range) return `${f.type} \u00d7${f.range[1] - f.range[0] + 1}`;
  return `${f.type} \u00d7${f.members.length}`;
}

export function foldSubtitle(s: Scope): string {
  const f = s.fold;
  if (!f) return '';
  const where = f.kind === 'passes' ? `@${f.span} \u00b7 passes` : f.kind === 'ops' ? f.span : `@${f.span}`;
  if (!f.range) return where;
  const [a, b] = f.range;
  return a === b ? `#${a}` : `#${a}\u2013${b}`;
}

/** Box title of an opened fold. */
export function foldGroupTitle(s: Scope): string {
  const f = s.fold;
  if (f?.kind === 'ops') return `${f.type} \u00d7${f.members.length}`;
  return f ? `@${f.span} \u00d7${f.members.length}${f.kind === 'passes' ? ' passes' : ''}` : '';
}

/** Stand-in scopes for the members of an opened fold before and after its picked member. */
export function standIns(fold: Scope, pick: number): Scope[] {
  const f = fold.fold;
  if (!f) return [];
  const out: Scope[] = [];
  const add = (suffix: string, a: number, z: number): void => {
    if (a > z) return;
    const key = `${fold.key}~${suffix}`;
    out.push({
      key, address: key, call: 0, parent: fold.key, depth: fold.depth, nodeId: key, outputOp: -1,
      chain: [...fold.chain, key], fold: { ...f, range: [a, z] },
    });
  };
  add('before', 0, pick - 1);
  add('after', pick + 1, f.members.length - 1);
  return out;
}

/** For a fold member not picked in its opened fold: the stand-in it is drawn as; else null. */
export function standInFinder(h: Hierarchy, picks: ReadonlyMap<string, number>): (s: Scope) => Scope | null {
  const made = new Map<string, Scope[]>();
  return (s) => {
    if (!s.member) return null;
    const pick = picks.get(s.member.fold);
    if (pick === undefined || pick === s.member.index) return null;
    let pair = made.get(s.member.fold);
    if (!pair) {
      const fold = h.scopes.get(s.member.fold);
      pair = fold ? standIns(fold, pick) : [];
      made.set(s.member.fold, pair);
    }
    const suffix = s.member.index < pick ? '~before' : '~after';
    return pair.find((p) => p.key.endsWith(suffix)) ?? null;
  };
}

/** Outline row name of a fold: `h.0–11 ×12` (last address segments), `block ×4 passes`. */
export function foldOutlineName(s: Scope): string {
  const f = s.fold;
  if (!f) return '';
  if (f.kind === 'ops') return `${f.type} \u00d7${f.members.length}`;
  const dot = f.span.lastIndexOf('.', f.span.indexOf('\u2013') >= 0 ? f.span.indexOf('\u2013') : undefined);
  const name = f.span.slice(dot + 1);
  return f.kind === 'passes' ? `${name} \u00d7${f.members.length} passes` : `${name} \u00d7${f.members.length}`;
}
