// How folds look: the closed fold node (`GPT2Block ×12`, `@h.0–11`, output shape, parameters of
// all copies) and the stand-ins around a picked member.
import type { Trace } from '../model/trace.ts';
import { formatCount, formatShape } from '../model/trace.ts';
import type { Hierarchy, Scope } from './hierarchy.ts';
import type { VisibleNode } from './visible.ts';
import { foldSubtitle, foldTitle } from './fold.ts';

export { foldGroupTitle } from './fold.ts';

/** Parameters of the members (elements; a shared module's passes count once). */
export function foldParams(trace: Trace, h: Hierarchy, s: Scope): number {
  const f = s.fold;
  if (!f) return 0;
  const addresses = new Set(f.members.map((m) => h.scopes.get(m)?.address ?? ''));
  let n = 0;
  for (const a of addresses) n += trace.modules.get(a)?.num_params ?? 0;
  return f.range ? Math.round((n * (f.range[1] - f.range[0] + 1)) / f.members.length) : n;
}

export function foldNode(trace: Trace, h: Hierarchy, s: Scope): VisibleNode {
  const params = foldParams(trace, h, s);
  const lines = [foldTitle(s), foldSubtitle(s)];
  const shape = formatShape(trace.ops[s.outputOp]?.shape ?? null);
  if (shape) lines.push(shape);
  if (params > 0) lines.push(`params: ${formatCount(params)}`);
  const kind = s.fold?.kind;
  const what = kind === 'passes' ? 'one module called repeatedly' : kind === 'ops' ? 'repeated blocks of ops (no module)' : 'repeated blocks of one structure';
  return {
    id: s.nodeId, kind: 'fold', group: s.parent, role: 'module', shape: 'stack', dashed: false,
    lines, tooltip: `${lines.join('\n')}\n${what}\nclick to expand`, op: s.outputOp, scope: s.key,
    selfLoop: false, hasParams: params > 0, passGroup: '',
  };
}
