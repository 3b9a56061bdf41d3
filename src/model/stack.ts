// Call stacks of ops and the ops of a line of code, DOM-free. An op's stack is the frames that
// called `lens`, then each module call's frames (outer → inner), then the op's own line — the
// same join as LayerPass.stack in Python (python_pkg/lenslab/trace/stack.py).
import type { WireFrame } from '../protocol/schema.ts';
import type { Trace } from './trace.ts';

/** Frame positions (WireGraph.frames) of op `index`'s stack, outermost first, no repeats. */
export function stackOf(trace: Trace, index: number): number[] {
  const op = trace.ops[index];
  if (!op) return [];
  const chain: number[] = [];
  for (let c = op.module_call; c >= 0; c = trace.calls[c]?.parent ?? -1) chain.push(c);
  const all = [...(trace.graph.caller_frames ?? [])];
  for (const c of chain.reverse()) all.push(...(trace.calls[c]?.frames ?? []));
  if (op.frame !== undefined && op.frame >= 0) all.push(op.frame);
  return all.filter((f, i) => i === 0 || all[i - 1] !== f);
}

export function frameAt(trace: Trace, frame: number): WireFrame | undefined {
  return trace.graph.frames?.[frame];
}

/** Frame positions whose file and line are `file`:`line`. */
export function framesAt(trace: Trace, file: string, line: number): Set<number> {
  const out = new Set<number>();
  (trace.graph.frames ?? []).forEach((f, i) => {
    if (f.file === file && f.line === line) out.add(i);
  });
  return out;
}

/**
 * The ops a line ran, in execution order: every op whose stack passes through that line (a
 * line that calls a module ran all of the module's ops; a loop body's line, every pass).
 */
export function opsOfLine(trace: Trace, file: string, line: number): number[] {
  const frames = framesAt(trace, file, line);
  if (frames.size === 0) return [];
  const out: number[] = [];
  trace.ops.forEach((op, i) => {
    if (op.role === 'input' || op.role === 'output' || op.role === 'buffer') return;
    if (stackOf(trace, i).some((f) => frames.has(f))) out.push(i);
  });
  return out;
}
