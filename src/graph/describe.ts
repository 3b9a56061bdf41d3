// What the inspector and the hover card show for a node: rows of (name, value) text and links
// to other nodes, DOM-free.
import type { Trace } from '../model/trace.ts';
import { formatCount, formatShape } from '../model/trace.ts';
import type { FnInfo, Hierarchy, Item, Scope } from './hierarchy.ts';
import { moduleAddressOf } from './search.ts';
import { formatMetric, outputBytes } from './overlay.ts';
import { describeFold } from './fold-describe.ts';
import { describeOutputs } from './outputs.ts';
import { describeRun } from './op-folds.ts';
import { itemOf, scopeOfNode } from './index.ts';

export interface NodeLink {
  /** Node id in the current view (the view reveals it when followed). */
  readonly id: string;
  readonly text: string;
}

export interface NodeDescription {
  readonly id: string;
  readonly title: string;
  readonly rows: readonly (readonly [string, string])[];
  /** Named lists of related nodes: parents, children, submodules. */
  readonly links: readonly (readonly [string, readonly NodeLink[]])[];
}

export function formatSeconds(s: number): string {
  if (s >= 1) return `${s.toFixed(2)} s`;
  if (s >= 1e-3) return `${(s * 1e3).toFixed(2)} ms`;
  return `${(s * 1e6).toFixed(1)} \u00b5s`;
}

function callStack(trace: Trace, call: number): string {
  const parts: string[] = [];
  for (let c = call; c >= 0; c = trace.calls[c]?.parent ?? -1) {
    const mc = trace.calls[c];
    if (mc?.address) parts.unshift(`${mc.address}:${mc.call}`);
  }
  return parts.join(' \u203a ');
}

function findItem(h: Hierarchy, id: string): Item | undefined {
  return itemOf(h, id);
}

function findScope(h: Hierarchy, id: string): Scope | undefined {
  return scopeOfNode(h, id);
}

/** Items (ids, in order) holding the given ops, without repeats and without `self`. */
function itemLinks(h: Hierarchy, ops: Iterable<number>, self: string): NodeLink[] {
  const seen = new Set<string>([self]);
  const links: NodeLink[] = [];
  for (const o of ops) {
    const item = h.items[h.itemOfOp[o] ?? -1];
    if (item && !seen.has(item.id)) {
      seen.add(item.id);
      links.push({ id: item.id, text: item.id });
    }
  }
  return links;
}

/** Items whose scope is `key` or lies inside it. */
export function itemsInScope(h: Hierarchy, key: string): Item[] {
  return h.items.filter((it) => it.scope !== null && (h.scopes.get(it.scope)?.chain.includes(key) ?? false));
}

/**
 * The facts of node `id`. `pass` (1-based) picks which pass a rolled layer node with several
 * passes describes (its shape, module call, source line, time, parents and children are that
 * pass's); other nodes ignore it.
 */
export function describeNode(trace: Trace, h: Hierarchy, id: string, pass = 1): NodeDescription | null {
  const item = findItem(h, id);
  if (item) return describeItem(trace, h, item, pass);
  const scope = findScope(h, id);
  return scope ? describeScope(trace, h, scope) : null;
}

/** The op a node's facts describe: pass `pass` of a rolled layer, else the node's first op. */
export function shownOp(h: Hierarchy, item: Item, pass: number): number {
  const k = h.rolled ? Math.max(1, Math.min(item.ops.length, Math.round(pass))) : 1;
  return item.ops[k - 1] ?? -1;
}

function describeItem(trace: Trace, h: Hierarchy, item: Item, pass: number): NodeDescription | null {
  const at = shownOp(h, item, pass);
  const op = trace.ops[at];
  if (!op) return null;
  const rolledPasses = h.rolled && item.ops.length > 1;
  const rows: [string, string][] = [
    ['label', h.rolled ? op.layer : op.label],
    ['type', op.type],
    ['func', op.func],
    ['shape', formatShape(op.shape) || '\u2014'],
    ['dtype', op.dtype || '\u2014'],
    ['module', callStack(trace, op.module_call) || '(top level)'],
    ['params', op.params.length ? `${op.params.join(', ')} (${formatCount(op.num_params)})` : '\u2014'],
    ['source', op.source || '\u2014'],
    ['time', formatSeconds(op.time_s)],
  ];
  if (rolledPasses) {
    rows.push(['pass', `${item.ops.indexOf(at) + 1} of ${item.ops.length} (${op.label})`]);
    rows.push(['time, all passes', formatSeconds(item.ops.reduce((t, i) => t + (trace.ops[i]?.time_s ?? 0), 0))]);
  } else if (op.num_passes > 1) rows.push(['passes', `${op.pass_index} of ${op.num_passes}`]);
  rows.push(...opRows(trace, at));
  const links: [string, NodeLink[]][] = [
    ['parents', itemLinks(h, op.parents, item.id)],
    ['children', itemLinks(h, trace.children[at] ?? [], item.id)],
  ];
  if (!h.rolled && op.num_passes > 1) {
    const passes = (trace.opsByLayer.get(op.layer) ?? []).filter((i) => i !== at);
    links.push(['other passes', itemLinks(h, passes, item.id)]);
  }
  return { id: item.id, title: rows[0]?.[1] ?? item.id, rows, links };
}

/** The rows only some ops have: caller, FLOPs, autograd node (grad_fn), sizes, value, origin, role, intervened. */
function opRows(trace: Trace, at: number): [string, string][] {
  const op = trace.ops[at];
  if (!op) return [];
  const rows: [string, string][] = [];
  const caller = (op as { caller?: unknown }).caller;
  if (typeof caller === 'string' && caller) rows.push(['caller', caller]);
  if (op.flops > 0) rows.push(['flops', formatCount(op.flops)]);
  if (op.grad_fn) rows.push(['grad_fn', op.grad_fn]);
  if (op.shape !== null && op.role !== 'output') rows.push(['size', formatMetric('size', outputBytes(op))]);
  const saved = trace.graph.saved_bytes?.[at];
  if (saved !== undefined) rows.push(['kept for backward', formatMetric('size', saved)]);
  if (op.bool_value !== null) rows.push(['value', op.bool_value ? 'TRUE' : 'FALSE']);
  if (!op.has_input_ancestor) rows.push(['origin', 'internally generated (no input ancestor)']);
  if (op.role !== 'op') rows.push(['role', op.role]);
  if (trace.graph.intervened?.includes(at)) rows.push(['intervened', 'output replaced by lens(intervene=)']);
  return rows;
}

/** A composite torch function's frame (h.frames in Python): the function, the user line that
 *  called it, its module, ops and time; links to what it read, returned and its inner frames. */
function describeFrame(trace: Trace, h: Hierarchy, s: Scope, fn: FnInfo): NodeDescription {
  const ops = itemsInScope(h, s.key).flatMap((it) => it.ops);
  const inScope = new Set(ops);
  const name = fn.caller.replace(/\(\)$/, '');
  const calls = (trace.graph.function_calls ?? []).filter((c) => c.name === name && inScope.has(c.first_op));
  const where = moduleAddressOf(h, s.parent);
  const rows: [string, string][] = [
    ['function', name],
    ['called at', trace.ops[Math.min(...ops)]?.source || '\u2014'],
    ['module', where ? `@${where}` : '(top level)'],
    ['calls', String(calls.length)],
    ['ops', String(ops.length)],
    ['time', formatSeconds(ops.reduce((t, i) => t + (trace.ops[i]?.time_s ?? 0), 0))],
  ];
  const parents = ops.flatMap((i) => (trace.ops[i]?.parents ?? []).filter((p) => !inScope.has(p)));
  const children = ops.flatMap((i) => (trace.children[i] ?? []).filter((c) => !inScope.has(c)));
  const inner = (h.childScopes.get(s.key) ?? []).flatMap((k) => {
    const c = h.scopes.get(k);
    return c?.fn?.frame ? [{ id: c.nodeId, text: `\u0192 ${c.fn.caller}` }] : [];
  });
  const links: [string, NodeLink[]][] = [
    ['inputs from', itemLinks(h, parents, s.nodeId)],
    ['outputs to', itemLinks(h, children, s.nodeId)],
    ['returns', itemLinks(h, calls.flatMap((c) => c.outputs), s.nodeId)],
    ['inner frames', inner],
  ];
  return { id: s.nodeId, title: `\u0192 ${fn.caller}`, rows, links };
}

/** A function group (or one call of it): caller, calls, ops, time, source file. */
function describeFunction(trace: Trace, h: Hierarchy, s: Scope, fn: FnInfo): NodeDescription {
  if (fn.frame) return describeFrame(trace, h, s, fn);
  const ops = itemsInScope(h, s.key).flatMap((it) => it.ops);
  const time = ops.reduce((t, i) => t + (trace.ops[i]?.time_s ?? 0), 0);
  const source = trace.ops[ops[0] ?? -1]?.source ?? '';
  const file = source.replace(/:\d+$/, '');
  const where = moduleAddressOf(h, s.parent);
  const rows: [string, string][] = [
    ['caller', fn.caller],
    ['calls', String(fn.calls)],
  ];
  if (fn.call > 0) rows.push(['call', String(fn.call)]);
  rows.push(
    ['ops', String(ops.length)],
    ['time', formatSeconds(time)],
    ['source', file || '\u2014'],
    ['module', where ? `@${where}` : '(top level)'],
  );
  const inScope = new Set(ops);
  const parents = ops.flatMap((i) => (trace.ops[i]?.parents ?? []).filter((p) => !inScope.has(p)));
  const children = ops.flatMap((i) => (trace.children[i] ?? []).filter((c) => !inScope.has(c)));
  const calls = (h.childScopes.get(s.key) ?? []).flatMap((k) => {
    const c = h.scopes.get(k);
    return c ? [{ id: c.nodeId, text: `#${c.fn?.call ?? ''}` }] : [];
  });
  const links: [string, NodeLink[]][] = [
    ['inputs from', itemLinks(h, parents, s.nodeId)],
    ['outputs to', itemLinks(h, children, s.nodeId)],
  ];
  if (calls.length) links.push(['calls', calls]);
  const title = fn.call > 0 ? `\u0192 ${fn.caller} #${fn.call}` : `\u0192 ${fn.caller}`;
  return { id: s.nodeId, title, rows, links };
}

function describeScope(trace: Trace, h: Hierarchy, s: Scope): NodeDescription {
  if (s.fn) return describeFunction(trace, h, s, s.fn);
  if (s.fold) return describeFold(trace, h, s, formatSeconds);
  if (s.outs) return describeOutputs(trace, h, s);
  if (s.run) return describeRun(trace, h, s);
  const mod = trace.modules.get(s.address);
  const out = trace.ops[s.outputOp];
  const inside = itemsInScope(h, s.key);
  const ops = inside.flatMap((it) => it.ops);
  const time = ops.reduce((t, i) => t + (trace.ops[i]?.time_s ?? 0), 0);
  const rows: [string, string][] = [
    ['module', s.address],
    ['type', mod?.type ?? '?'],
    ['calls', String(mod?.num_calls ?? 1)],
  ];
  if (!h.rolled && (mod?.num_calls ?? 1) > 1) rows.push(['call', String(s.call)]);
  rows.push(
    ['params', formatCount(mod?.num_params ?? 0)],
    ['ops', String(ops.length)],
    ['time', formatSeconds(time)],
    ['output', out ? `${out.label} ${formatShape(out.shape)}` : '\u2014'],
  );
  const inScope = new Set(ops);
  const parents = ops.flatMap((i) => (trace.ops[i]?.parents ?? []).filter((p) => !inScope.has(p)));
  const children = ops.flatMap((i) => (trace.children[i] ?? []).filter((c) => !inScope.has(c)));
  const subs = (h.childScopes.get(s.key) ?? []).flatMap((k) => {
    const c = h.scopes.get(k);
    return c && !c.fn ? [{ id: c.nodeId, text: c.nodeId.slice('module:'.length) }] : [];
  });
  const links: [string, NodeLink[]][] = [
    ['inputs from', itemLinks(h, parents, s.nodeId)],
    ['outputs to', itemLinks(h, children, s.nodeId)],
    ['submodules', subs],
  ];
  return { id: s.nodeId, title: `@${s.address}`, rows, links };
}

/** The hover card: title plus op, shape, module and time (a short form of describeNode). */
export function hoverSummary(trace: Trace, h: Hierarchy, id: string, pass = 1): NodeDescription | null {
  const d = describeNode(trace, h, id, pass);
  if (!d) return null;
  const keep = new Set(['caller', 'function', 'called at', 'type', 'shape', 'dtype', 'module', 'time', 'passes', 'pass', 'value', 'calls', 'params', 'ops', 'output']);
  return { ...d, rows: d.rows.filter(([k]) => keep.has(k)), links: [] };
}
