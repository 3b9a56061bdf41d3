// The visible graph: which nodes are drawn for a view state, inside which module boxes, and the
// op edges remapped onto those nodes (deduplicated). DOM-free and pure.
import type { Trace } from '../model/trace.ts';
import { formatCount, formatShape, opTitle, pairKey } from '../model/trace.ts';
import type { Direction, ViewState } from '../model/view-state.ts';
import { focusGraph } from './focus.ts';
import type { Hierarchy, Item, Scope } from './hierarchy.ts';
import { foldGroupTitle, foldNode } from './fold-view.ts';
import { standInFinder } from './fold.ts';
import { outsTitle } from './outputs.ts';
import { runTitle } from './op-folds.ts';
import type { WireBranchEdge, WireOp } from '../protocol/schema.ts';

export type NodeRole = 'input' | 'output' | 'params' | 'plain' | 'bool' | 'buffer' | 'module' | 'failed';
export type BranchKind = '' | WireBranchEdge['kind'];

/** See VisibleNode.kind; 'function' and 'fold' are pseudo-scopes that open like modules. */
export type NodeKind = 'op' | 'module' | 'function' | 'fold' | 'outputs';

export interface VisibleNode {
  readonly id: string;
  /** What the node stands for: an op, a module, a Python function (caller group or call), a
   *  fold of repeated blocks, or a group of model outputs. Read this, never the id's prefix. */
  readonly kind: NodeKind;
  /** Key of the innermost drawn module box containing the node, or null at top level. */
  readonly group: string | null;
  readonly role: NodeRole;
  /** oval: inputs, outputs, plain ops; box: ops with params or drawn as their module; stack: closed module. */
  readonly shape: 'oval' | 'box' | 'stack';
  /** Internally generated (no input ancestor): drawn with a dashed border. */
  readonly dashed: boolean;
  /** Text lines, title first. */
  readonly lines: readonly string[];
  readonly tooltip: string;
  /** Representative op (op nodes), or the module's output op, or -1. */
  readonly op: number;
  /** Scope key a module node stands for (null for op nodes). */
  readonly scope: string | null;
  /** Rolled view: the layer feeds itself across passes. */
  readonly selfLoop: boolean;
  /** Module nodes: the module has parameters (drawn shaded). */
  readonly hasParams: boolean;
  /** Unrolled view: the layer of a multi-pass op, shared by all its passes (else ""). */
  readonly passGroup: string;
}

export interface VisibleEdge {
  readonly from: string;
  readonly to: string;
  /** Argument slots ("arg 0", "arg 1[0]") for non-commutative multi-input ops and, rolled, pass
   *  ranges ("passes 1-3 \u2192 2-4"), joined by " \u00b7 "; "" when none. */
  readonly label: string;
  readonly branch: BranchKind;
  readonly dashed: boolean;
}

export interface VisibleGroup {
  readonly key: string;
  readonly parent: string | null;
  readonly address: string;
  /** `@address` (plus `:call` or `(xN)`), then `(Type)`. */
  readonly title: string;
  readonly subtitle: string;
  /** Id of the node this box turns into when collapsed. */
  readonly nodeId: string;
  readonly depth: number;
}

export interface VisibleGraph {
  readonly nodes: readonly VisibleNode[];
  readonly edges: readonly VisibleEdge[];
  /** Drawn module boxes, parents before children. */
  readonly groups: readonly VisibleGroup[];
  /** Layout direction (top to bottom when absent). */
  readonly direction?: Direction;
}

/** Pass sets of edges in the unrolled view (never filled there): one shared empty set. */
const NO_PASSES: Set<number> = new Set();

/** Rolled view: more labelled inputs than this and pass ranges replace argument slots. */
const CROWDED = 3;

/** Ops whose inputs can be swapped; their incoming edges get no argument labels. */
const COMMUTATIVE = new Set([
  'add', 'iadd', 'radd', 'mul', 'imul', 'rmul', 'cat', 'concat', 'concatenate', 'stack', 'hstack',
  'vstack', 'eq', 'ne', 'maximum', 'minimum', 'and', 'or', 'xor', 'logicaland', 'logicalor',
  'bitwiseand', 'bitwiseor', 'bitwisexor', 'hypot', 'output',
]);

/**
 * A leaf module call holding a single op is drawn as that op (TorchLens' atomic module box).
 * Hidden buffers do not count: a BatchNorm is its batch_norm op unless buffers are shown.
 */
export function isAtomic(h: Hierarchy, scope: Scope, showBuffers = false): boolean {
  const hidden = showBuffers ? 0 : (h.directBuffers.get(scope.key) ?? 0);
  return (h.directItems.get(scope.key) ?? 0) - hidden === 1 && !h.childScopes.has(scope.key);
}

/** Whether an item is drawn at all in this view (buffers only when asked for). */
export function itemShown(h: Hierarchy, item: number, showBuffers: boolean): boolean {
  return showBuffers || !h.bufferItems.has(item);
}

/** The outermost collapsed scope on an item's path, or null when every scope is open. */
export function collapsedScopeFinder(
  h: Hierarchy, expanded: ReadonlySet<string>, picks?: ReadonlyMap<string, number>,
): (scope: string | null) => Scope | null {
  const memo = new Map<string, Scope | null>();
  const standIn = picks && picks.size > 0 ? standInFinder(h, picks) : null;
  return (key) => {
    if (key === null) return null;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let found: Scope | null = null;
    for (const k of h.scopes.get(key)?.chain ?? []) {
      const s = h.scopes.get(k);
      // An opened fold showing one member: the other members are drawn as stand-ins.
      const other = s && standIn ? standIn(s) : null;
      if (other) {
        found = other;
        break;
      }
      if (s && !expanded.has(s.address)) {
        found = s;
        break;
      }
    }
    memo.set(key, found);
    return found;
  };
}

export function buildVisibleGraph(trace: Trace, h: Hierarchy, state: ViewState): VisibleGraph {
  const collapsedOf = collapsedScopeFinder(h, state.expanded, state.foldPick);
  const nodeIdOfItem: (string | undefined)[] = [];
  /** Per item, the position of its node in `nodes` (edges are keyed by these numbers). */
  const nodeAtOfItem = new Int32Array(h.items.length).fill(-1);
  const nodes = new Map<string, VisibleNode>();
  const nodeAt = new Map<string, number>();
  const selfLoops = new Set<string>();
  const show = state.showBuffers;
  h.items.forEach((item, index) => {
    if (!itemShown(h, index, show)) {
      nodeIdOfItem.push(undefined);
      return;
    }
    const closed = collapsedOf(item.scope);
    const id = closed ? closed.nodeId : item.id;
    nodeIdOfItem.push(id);
    if (!closed || !nodes.has(id)) {
      nodes.set(id, closed ? moduleNode(trace, h, closed) : opNode(trace, h, item, show));
      if (!nodeAt.has(id)) nodeAt.set(id, nodeAt.size);
    }
    nodeAtOfItem[index] = nodeAt.get(id) ?? -1;
  });
  const branchChildren = childrenWithBranches(trace);

  interface EdgeAcc { from: string; to: string; labels: string[]; branch: BranchKind; dashed: boolean; outs: Set<number>; ins: Set<number>; fromItem: number; toItem: number }
  const edges = new Map<number, EdgeAcc>();
  trace.ops.forEach((op, i) => {
    const toItem = h.itemOfOp[i] ?? -1;
    const to = nodeIdOfItem[toItem];
    if (to === undefined) return;
    const toIsOp = h.items[toItem]?.id === to;
    // Argument slots matter only when more than one drawn input arrives (hidden buffers do not count).
    const drawnParents = toIsOp ? op.parents.filter((p) => nodeIdOfItem[h.itemOfOp[p] ?? -1] !== undefined).length : 0;
    const labelled = drawnParents > 1 && !COMMUTATIVE.has(op.type);
    op.parents.forEach((p, k) => {
      const fromItem = h.itemOfOp[p] ?? -1;
      const from = nodeIdOfItem[fromItem];
      if (from === undefined) return;
      if (from === to) {
        if (toIsOp || (h.rolled && crossesCalls(trace, h, from, p, i))) selfLoops.add(to);
        return;
      }
      const key = (nodeAtOfItem[fromItem] ?? 0) * nodeAt.size + (nodeAtOfItem[toItem] ?? 0);
      let e = edges.get(key);
      if (!e) {
        const fromIsOp = h.items[fromItem]?.id === from;
        e = { from, to, labels: [], branch: '', dashed: fromIsOp && trace.ops[p]?.has_input_ancestor === false, outs: h.rolled ? new Set() : NO_PASSES, ins: h.rolled ? new Set() : NO_PASSES, fromItem: fromIsOp ? fromItem : -1, toItem: toIsOp ? toItem : -1 };
        edges.set(key, e);
      }
      if (h.rolled) {
        e.outs.add(trace.ops[p]?.pass_index ?? 1);
        e.ins.add(op.pass_index);
      }
      const slots = op.parent_args[k];
      if (labelled && slots) addSlots(e.labels, slots);
      if (e.branch === '' && branchChildren.has(i)) e.branch = trace.branchKinds.get(pairKey(p, i)) ?? '';
    });
  });

  const used = new Set<string>();
  for (const n of nodes.values()) {
    for (let g = n.group; g !== null && !used.has(g); g = h.scopes.get(g)?.parent ?? null) used.add(g);
  }
  const groups: VisibleGroup[] = [];
  for (const key of h.scopeOrder) {
    const s = h.scopes.get(key);
    if (s && used.has(key)) groups.push(groupOf(trace, h, s));
  }
  // Rolled view: pass ranges where only some passes use an edge. Into a crowded node (more than
  // three labelled inputs) an edge with a pass range drops its argument slots, so labels stay short.
  const acc = [...edges.values()];
  const passes = acc.map((e) => (h.rolled ? passRangeLabel(passCount(h, e.fromItem), e.outs, passCount(h, e.toItem), e.ins) : ''));
  const labelledIn = new Map<string, number>();
  acc.forEach((e, i) => {
    if (e.labels.length > 0 || passes[i]) labelledIn.set(e.to, (labelledIn.get(e.to) ?? 0) + 1);
  });
  const graph: VisibleGraph = {
    direction: state.direction,
    nodes: [...nodes.values()].map((n) => (selfLoops.has(n.id) ? { ...n, selfLoop: true } : n)),
    edges: acc.map((e, i) => {
      const range = passes[i] ?? '';
      const slots = range && (labelledIn.get(e.to) ?? 0) > CROWDED ? '' : e.labels.join(', ');
      return { from: e.from, to: e.to, branch: e.branch, dashed: e.dashed, label: [slots, range].filter(Boolean).join(' \u00b7 ') };
    }),
    groups,
  };
  return state.focus ? focusGraph(graph, h, state.focus) : graph;
}

/** A parent fed to several slots lists them ("0,1"): each slot's label, once. */
function addSlots(labels: string[], slots: string): void {
  for (const slot of slots.split(',')) {
    const text = slotLabel(slot);
    if (!labels.includes(text)) labels.push(text);
  }
}

const branchChildrenOf = new WeakMap<Trace, Set<number>>();

/** Ops that some branch edge leads into (most ops have none: no lookup for their edges). */
function childrenWithBranches(trace: Trace): Set<number> {
  let out = branchChildrenOf.get(trace);
  if (!out) {
    out = new Set(trace.graph.branch_edges.map((b) => b.child));
    branchChildrenOf.set(trace, out);
  }
  return out;
}

const moduleAddressByNode = new WeakMap<Hierarchy, Map<string, string>>();

/**
 * Rolled view, a closed module node: whether the edge from op `from` to op `to` runs from one call
 * of the module into another (recurrence: a cell's state fed to its next call), not inside a call.
 */
function crossesCalls(trace: Trace, h: Hierarchy, nodeId: string, from: number, to: number): boolean {
  let byNode = moduleAddressByNode.get(h);
  if (!byNode) {
    byNode = new Map();
    for (const s of h.scopes.values()) if (!s.fn) byNode.set(s.nodeId, s.address);
    moduleAddressByNode.set(h, byNode);
  }
  const address = byNode.get(nodeId);
  if (address === undefined) return false;
  const callAt = (op: number): number => {
    let c = trace.ops[op]?.module_call ?? -1;
    while (c >= 0 && trace.calls[c]?.address !== address) c = trace.calls[c]?.parent ?? -1;
    return c;
  };
  const a = callAt(from);
  return a >= 0 && a !== callAt(to);
}

/**
 * The edge label of one argument slot, as TorchLens writes it: positional "0" → "arg 0"; an
 * item of a tuple or list argument "1.0" → "arg 1[0]"; keyword arguments keep their name.
 */
export function slotLabel(slot: string): string {
  if (/^\d+$/.test(slot)) return `arg ${slot}`;
  if (/^\d+(\.\d+)+$/.test(slot)) {
    const [head, ...rest] = slot.split('.');
    return `arg ${head}${rest.map((r) => `[${r}]`).join('')}`;
  }
  return slot;
}

/** Compact pass ranges: [1, 2, 3, 5] → "1-3,5". */
export function compactRange(values: Iterable<number>): string {
  const v = [...new Set(values)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < v.length; ) {
    let j = i;
    while (j + 1 < v.length && (v[j + 1] ?? 0) === (v[j] ?? 0) + 1) j += 1;
    parts.push(j > i ? `${v[i]}-${v[j]}` : String(v[i]));
    i = j + 1;
  }
  return parts.join(',');
}

function passCount(h: Hierarchy, item: number): number {
  return h.items[item]?.ops.length ?? 0;
}

/**
 * Rolled view: which passes use an edge, when that is not all of them. `outs` are the passes of
 * the source that feed it, `ins` the passes of the target it feeds (counts of 0 or 1: a node with
 * one pass). One multi-pass end: "pass 1", "passes 1-3". Two: "passes 1-3 → 2-4" (source's
 * passes, then the target's), or "passes 2-3" when they are the same. "" when every pass connects.
 */
export function passRangeLabel(fromPasses: number, outs: ReadonlySet<number>, toPasses: number, ins: ReadonlySet<number>): string {
  const partial = (n: number, used: ReadonlySet<number>): boolean => n > 1 && used.size > 0 && used.size < n;
  if (!partial(fromPasses, outs) && !partial(toPasses, ins)) return '';
  const word = (used: ReadonlySet<number>): string => (used.size === 1 ? 'pass' : 'passes');
  if (fromPasses > 1 && toPasses > 1) {
    const a = compactRange(outs);
    const b = compactRange(ins);
    return a === b ? `${word(outs)} ${a}` : `passes ${a} \u2192 ${b}`;
  }
  const used = fromPasses > 1 ? outs : ins;
  return `${word(used)} ${compactRange(used)}`;
}

/** Function groups: `ƒ caller` (plus ` #call` for one call); subtitle `N calls · M ops`. */
export function fnTitle(s: Scope): string {
  if (!s.fn) return '';
  return s.fn.call > 0 ? `\u0192 ${s.fn.caller} #${s.fn.call}` : `\u0192 ${s.fn.caller}`;
}

export function fnSubtitle(s: Scope): string {
  if (!s.fn) return '';
  const ops = `${s.fn.ops} op${s.fn.ops === 1 ? '' : 's'}`;
  return s.fn.call > 0 ? ops : `${s.fn.calls} call${s.fn.calls === 1 ? '' : 's'} \u00b7 ${ops}`;
}

/**
 * A closed module drawn inside its parent's open box: its address relative to the parent
 * ("@downsample" inside "@layer1.0"), so deep models keep short box titles; the tooltip keeps
 * the full address.
 */
export function shortTitle(h: Hierarchy, s: Scope, full: string): string {
  const parent = s.parent === null ? undefined : h.scopes.get(s.parent);
  if (!parent || parent.fn || parent.fold || parent.outs || parent.run || s.fold || s.fn || s.outs || s.run) return full;
  const prefix = `@${parent.address}.`;
  return full.startsWith(prefix) ? `@${full.slice(prefix.length)}` : full;
}

function scopeTitle(trace: Trace, h: Hierarchy, s: Scope): string {
  if (s.fn) return fnTitle(s);
  if (s.fold) return foldGroupTitle(s);
  if (s.outs) return outsTitle(s);
  if (s.run) return runTitle(s);
  const calls = trace.modules.get(s.address)?.num_calls ?? 1;
  if (h.rolled) return calls > 1 ? `@${s.address} (x${calls})` : `@${s.address}`;
  return calls > 1 ? `@${s.address}:${s.call}` : `@${s.address}`;
}

/** An open box's subtitle: `(Type)`; a function group's calls; a block's op types. */
function scopeSubtitle(trace: Trace, s: Scope): string {
  if (s.fn) return fnSubtitle(s);
  if (s.outs) return '(outputs)';
  const ops = s.run?.pattern ?? (s.fold?.kind === 'ops' ? s.fold.span : null);
  if (ops !== null) return `(${ops})`;
  return `(${s.fold?.type ?? trace.modules.get(s.address)?.type ?? '?'})`;
}

function groupOf(trace: Trace, h: Hierarchy, s: Scope): VisibleGroup {
  return {
    key: s.key,
    parent: s.parent,
    address: s.address,
    title: scopeTitle(trace, h, s),
    subtitle: scopeSubtitle(trace, s),
    nodeId: s.nodeId,
    depth: s.depth,
  };
}

function moduleNode(trace: Trace, h: Hierarchy, s: Scope): VisibleNode {
  if (s.fold) return foldNode(trace, h, s);
  if (s.outs) return outputsNode(s);
  if (s.run) return runNode(trace, s);
  if (s.fn) {
    const lines = [fnTitle(s), fnSubtitle(s)];
    return {
      id: s.nodeId, kind: 'function', group: s.parent, role: 'module', shape: 'stack', dashed: false,
      lines, tooltip: `${lines.join('\n')}\nPython function (no module)\nclick to expand`, op: s.outputOp, scope: s.key,
      selfLoop: false, hasParams: false, passGroup: '',
    };
  }
  const mod = trace.modules.get(s.address);
  const numParams = mod?.num_params ?? 0;
  const shape = formatShape(trace.ops[s.outputOp]?.shape ?? null);
  const full = scopeTitle(trace, h, s);
  const lines = [shortTitle(h, s, full), `(${mod?.type ?? '?'})`];
  if (shape) lines.push(shape);
  if (numParams > 0) lines.push(`params: ${formatCount(numParams)}`);
  return {
    id: s.nodeId,
    kind: 'module',
    group: s.parent,
    role: 'module',
    shape: 'stack',
    dashed: false,
    lines,
    tooltip: `${[full, ...lines.slice(1)].join('\n')}\nclick to expand`,
    op: s.outputOp,
    scope: s.key,
    selfLoop: false,
    hasParams: numParams > 0,
    passGroup: '',
  };
}

/** A closed block of a fold of loose ops: `block #3`, its op types, its output shape. */
function runNode(trace: Trace, s: Scope): VisibleNode {
  const lines = [runTitle(s), s.run?.pattern ?? ''];
  const shape = formatShape(trace.ops[s.outputOp]?.shape ?? null);
  if (shape) lines.push(shape);
  return {
    id: s.nodeId, kind: 'module', group: s.parent, role: 'module', shape: 'stack', dashed: false,
    lines, tooltip: `${lines.join('\n')}\n${s.run?.ops ?? 0} ops, repeated (no module)\nclick to expand`,
    op: s.outputOp, scope: s.key, selfLoop: false, hasParams: false, passGroup: '',
  };
}

/** A closed output group: one output node, `cache ×338`. */
function outputsNode(s: Scope): VisibleNode {
  const lines = [outsTitle(s), 'outputs'];
  return {
    id: s.nodeId, kind: 'outputs', group: s.parent, role: 'output', shape: 'stack', dashed: false,
    lines, tooltip: `${lines[0]}\n${s.outs?.count ?? 0} model outputs under "${s.outs?.name ?? ''}"\nclick to expand`,
    op: s.outputOp, scope: s.key, selfLoop: false, hasParams: false, passGroup: '',
  };
}

function roleOf(op: WireOp): NodeRole {
  if (op.role === 'input') return 'input';
  if (op.role === 'output') return 'output';
  if (op.role === 'buffer') return 'buffer';
  if (op.bool_value !== null) return 'bool';
  return op.num_params > 0 || op.params.length > 0 ? 'params' : 'plain';
}

function opNode(trace: Trace, h: Hierarchy, item: Item, showBuffers: boolean): VisibleNode {
  const op = trace.ops[item.ops[0] ?? -1];
  if (!op) throw new Error(`item ${item.id} has no op`);
  const role = roleOf(op);
  const passes = item.ops.length;
  const title = h.rolled ? (passes > 1 ? `${op.layer} (x${passes})` : op.layer) : opTitle(op);
  const lines: string[] = [];
  if (role === 'bool') lines.push(op.bool_value ? 'TRUE' : 'FALSE');
  lines.push(title);
  const shape = formatShape(op.shape);
  if (shape) lines.push(shape);
  // A leaf module that ran a single op is drawn as that op, with the module's address.
  const scope = item.scope === null ? undefined : h.scopes.get(item.scope);
  const atomic = scope !== undefined && isAtomic(h, scope, showBuffers);
  if (atomic) lines.push(`@${scope.address}`);
  const where = scope ? `\n@${scope.address}` : '';
  const tip = `${op.label}\n${op.func}  ${shape} ${op.dtype}${where}${op.source ? `\n${op.source}` : ''}`;
  return {
    id: item.id,
    kind: 'op',
    group: atomic ? scope.parent : item.scope,
    role,
    shape: role === 'params' || role === 'bool' || role === 'buffer' || atomic ? 'box' : 'oval',
    dashed: !op.has_input_ancestor,
    lines,
    tooltip: tip,
    op: item.ops[0] ?? -1,
    scope: null,
    selfLoop: false,
    hasParams: role === 'params',
    passGroup: !h.rolled && op.num_passes > 1 ? op.layer : '',
  };
}
