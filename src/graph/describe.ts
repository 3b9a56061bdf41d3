// What the inspector shows for a node: rows of (name, value) text, DOM-free.
import type { Trace } from '../model/trace.ts';
import { formatCount, formatShape } from '../model/trace.ts';
import type { Hierarchy } from './hierarchy.ts';

export interface NodeDescription {
  readonly id: string;
  readonly title: string;
  readonly rows: readonly (readonly [string, string])[];
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
    if (mc && mc.address) parts.unshift(`${mc.address}:${mc.call}`);
  }
  return parts.join(' \u203a ');
}

export function describeNode(trace: Trace, h: Hierarchy, id: string): NodeDescription | null {
  const item = h.items.find((it) => it.id === id);
  if (item) {
    const op = trace.ops[item.ops[0] ?? -1];
    if (!op) return null;
    const time = item.ops.reduce((t, i) => t + (trace.ops[i]?.time_s ?? 0), 0);
    const rows: [string, string][] = [
      ['label', h.rolled ? op.layer : op.label],
      ['func', op.func],
      ['shape', formatShape(op.shape) || '\u2014'],
      ['dtype', op.dtype || '\u2014'],
      ['module', callStack(trace, op.module_call) || '(top level)'],
      ['params', op.params.length ? `${op.params.join(', ')} (${formatCount(op.num_params)})` : '\u2014'],
      ['source', op.source || '\u2014'],
      ['time', formatSeconds(time)],
    ];
    if (item.ops.length > 1 || op.num_passes > 1) rows.push(['passes', h.rolled ? String(item.ops.length) : `${op.pass_index} of ${op.num_passes}`]);
    if (op.flops > 0) rows.push(['flops', formatCount(op.flops)]);
    if (op.bool_value !== null) rows.push(['value', op.bool_value ? 'TRUE' : 'FALSE']);
    if (!op.has_input_ancestor) rows.push(['origin', 'internally generated (no input ancestor)']);
    return { id, title: rows[0]?.[1] ?? id, rows };
  }
  for (const s of h.scopes.values()) {
    if (s.nodeId !== id) continue;
    const mod = trace.modules.get(s.address);
    const out = trace.ops[s.outputOp];
    const rows: [string, string][] = [
      ['module', s.address],
      ['type', mod?.type ?? '?'],
      ['calls', String(mod?.num_calls ?? 1)],
      ['params', formatCount(mod?.num_params ?? 0)],
      ['output', out ? `${out.label} ${formatShape(out.shape)}` : '\u2014'],
    ];
    return { id, title: `@${s.address}`, rows };
  }
  return null;
}
