// The call that raised in a partial capture (WireGraph.failure), drawn as one more node: red,
// fed by the ops it was given, in the box of its first parent, carrying the error message.
import type { Trace } from '../model/trace.ts';
import type { Hierarchy } from './hierarchy.ts';
import { drawnNodeOfOp } from './player.ts';
import type { VisibleGraph, VisibleNode } from './visible.ts';

export const FAILED_ID = 'failed:1';

/** `graph` plus the failed call's node and its edges; `graph` itself when nothing failed. */
export function withFailure(trace: Trace, h: Hierarchy, expanded: ReadonlySet<string>, graph: VisibleGraph): VisibleGraph {
  const failure = trace.graph.failure;
  if (!failure) return graph;
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const froms = [...new Set(failure.parents.map((p) => drawnNodeOfOp(h, expanded, p)).filter((id): id is string => id !== null && byId.has(id)))];
  const first = froms[0] === undefined ? undefined : byId.get(froms[0]);
  const where = failure.frame >= 0 ? trace.graph.frames?.[failure.frame] : undefined;
  const node: VisibleNode = {
    id: FAILED_ID,
    kind: 'op',
    group: first?.kind === 'op' ? first.group : (first?.group ?? null),
    role: 'failed',
    shape: 'box',
    dashed: false,
    lines: [`\u2717 ${failure.func} failed`, ...wrap(failure.message, 44, 3)],
    tooltip: `${failure.func} raised\n${failure.message}${where ? `\n${where.file}:${where.line}` : ''}`,
    op: -1,
    scope: null,
    selfLoop: false,
    hasParams: false,
    passGroup: '',
  };
  return {
    ...graph,
    nodes: [...graph.nodes, node],
    edges: [...graph.edges, ...froms.map((from) => ({ from, to: FAILED_ID, label: '', branch: '' as const, dashed: false }))],
  };
}

/** The message's first line in lines of at most `width` characters, `max` lines at most. */
export function wrap(text: string, width: number, max: number): string[] {
  const words = (text.split('\n')[0] ?? '').split(' ');
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  if (lines.length > max) {
    const last = lines[max - 1] ?? '';
    return [...lines.slice(0, max - 1), `${last.slice(0, width - 1)}\u2026`];
  }
  return lines.map((l) => (l.length > width ? `${l.slice(0, width - 1)}\u2026` : l));
}
