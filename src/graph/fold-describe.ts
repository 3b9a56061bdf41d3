// What the inspector shows for a fold: its copies, their totals, and per-copy statistics (time;
// the output op of each copy, whose norms the data panels fetch) for the per-block plot.
import type { Trace } from '../model/trace.ts';
import { formatCount, formatShape } from '../model/trace.ts';
import type { Hierarchy, Scope } from './hierarchy.ts';
import type { NodeDescription, NodeLink } from './describe.ts';
import { foldParams } from './fold-view.ts';
import { foldTitle } from './fold.ts';

/** One member of a fold: where it is, how long its ops took, and its output op. */
export interface FoldMemberStats {
  readonly index: number;
  readonly nodeId: string;
  readonly address: string;
  readonly ops: number;
  readonly time_s: number;
  /** Output op position of the member call, -1 when none. */
  readonly outputOp: number;
}

const cache = new WeakMap<Hierarchy, Map<string, FoldMemberStats[]>>();

/** Per-member statistics, in member order: one pass over the items (then cached). */
export function foldMemberStats(trace: Trace, h: Hierarchy, fold: Scope): FoldMemberStats[] {
  let byFold = cache.get(h);
  if (!byFold) cache.set(h, (byFold = new Map()));
  const hit = byFold.get(fold.key);
  if (hit) return hit;
  const stats = memberStats(trace, h, fold);
  byFold.set(fold.key, stats);
  return stats;
}

function memberStats(trace: Trace, h: Hierarchy, fold: Scope): FoldMemberStats[] {
  const members = fold.fold?.members ?? [];
  const index = new Map(members.map((m, i) => [m, i]));
  const ops = members.map(() => 0);
  const time = members.map(() => 0);
  const memberOf = new Map<string, number>();
  const find = (scope: string): number => {
    const hit = memberOf.get(scope);
    if (hit !== undefined) return hit;
    const chain = h.scopes.get(scope)?.chain ?? [];
    const at = chain.indexOf(fold.key);
    const m = at >= 0 ? (index.get(chain[at + 1] ?? '') ?? -1) : -1;
    memberOf.set(scope, m);
    return m;
  };
  for (const item of h.items) {
    if (item.scope === null) continue;
    const m = find(item.scope);
    if (m < 0) continue;
    ops[m] = (ops[m] ?? 0) + item.ops.length;
    time[m] = (time[m] ?? 0) + item.ops.reduce((t, i) => t + (trace.ops[i]?.time_s ?? 0), 0);
  }
  return members.map((key, i) => {
    const s = h.scopes.get(key);
    return {
      index: i, nodeId: s?.nodeId ?? '', address: s?.address ?? '', ops: ops[i] ?? 0, time_s: time[i] ?? 0,
      outputOp: s?.outputOp ?? -1,
    };
  });
}

export function describeFold(trace: Trace, h: Hierarchy, s: Scope, seconds: (t: number) => string): NodeDescription {
  const f = s.fold;
  const stats = foldMemberStats(trace, h, s);
  const out = trace.ops[s.outputOp];
  const rows: [string, string][] = [
    ['type', f?.type ?? '?'],
    [f?.kind === 'passes' ? 'passes' : 'copies', String(f?.members.length ?? 0)],
    [f?.kind === 'ops' ? 'pattern' : 'module', f?.span ?? ''],
    ['params', formatCount(foldParams(trace, h, s))],
    ['ops', String(stats.reduce((n, m) => n + m.ops, 0))],
    ['time', seconds(stats.reduce((t, m) => t + m.time_s, 0))],
    ['output', out ? `${out.label} ${formatShape(out.shape)}` : '\u2014'],
  ];
  const members: NodeLink[] = stats.map((m) => ({ id: m.nodeId, text: `#${m.index} ${m.nodeId.replace(/^(module|run):/, '')}` }));
  return { id: s.nodeId, title: foldTitle(s), rows, links: [[f?.kind === 'passes' ? 'passes' : 'copies', members]] };
}
