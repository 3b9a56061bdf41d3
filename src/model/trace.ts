// The immutable trace store: the wire graph, checked once, plus the indexes every view needs.
import { expandWire } from '../protocol/compact.ts';
import { SCHEMA_VERSION } from '../protocol/schema.ts';
import type { WireBranchEdge, WireGraph, WireModule, WireModuleCall, WireOp } from '../protocol/schema.ts';

/** A graph the widget cannot show; the message is meant for the notebook user. */
export class TraceError extends Error {
  override name = 'TraceError';
}

export interface Trace {
  readonly graph: WireGraph;
  readonly ops: readonly WireOp[];
  readonly calls: readonly WireModuleCall[];
  /** Module info by address; synthesised ({type: '?'}) when the wire graph lacks it. */
  readonly modules: ReadonlyMap<string, WireModule>;
  /** op position by `label` and by `layer` (first pass). */
  readonly opByLabel: ReadonlyMap<string, number>;
  readonly opsByLayer: ReadonlyMap<string, readonly number[]>;
  /** The "parent → child" op pairs recorded as branch edges, with their kind. */
  readonly branchKinds: ReadonlyMap<string, WireBranchEdge['kind']>;
  /** Consumers of each op's output (the inverse of `parents`), in execution order. */
  readonly children: readonly (readonly number[])[];
}

export const pairKey = (parent: number, child: number): string => `${parent}>${child}`;

/** Checks the untyped trait value and builds the indexes. Throws TraceError when it is unusable. */
export function createTrace(raw: unknown): Trace {
  const graph = checkGraph(raw);
  const opByLabel = new Map<string, number>();
  const opsByLayer = new Map<string, number[]>();
  graph.ops.forEach((op, i) => {
    if (opByLabel.has(op.label)) throw new TraceError(`duplicate op label "${op.label}"`);
    opByLabel.set(op.label, i);
    const passes = opsByLayer.get(op.layer);
    if (passes) passes.push(i);
    else opsByLayer.set(op.layer, [i]);
  });
  const modules = new Map<string, WireModule>();
  for (const m of graph.modules) modules.set(m.address, m);
  const callCounts = new Map<string, number>();
  for (const c of graph.module_calls) callCounts.set(c.address, (callCounts.get(c.address) ?? 0) + 1);
  for (const [address, n] of callCounts) {
    if (!modules.has(address)) {
      modules.set(address, { address, type: '?', num_calls: n, children: [], num_params: 0 });
    }
  }
  const branchKinds = new Map<string, WireBranchEdge['kind']>();
  for (const b of graph.branch_edges) branchKinds.set(pairKey(b.parent, b.child), b.kind);
  const children: number[][] = graph.ops.map(() => []);
  graph.ops.forEach((op, i) => {
    for (const p of op.parents) {
      const list = children[p];
      if (list && list[list.length - 1] !== i) list.push(i);
    }
  });
  return {
    graph,
    ops: graph.ops,
    calls: graph.module_calls,
    modules,
    opByLabel,
    opsByLayer,
    branchKinds,
    children,
  };
}

function checkGraph(sent: unknown): WireGraph {
  let raw: unknown;
  try {
    raw = expandWire(sent);
  } catch (error) {
    throw new TraceError((error as Error).message);
  }
  if (raw === null || typeof raw !== 'object') throw new TraceError('no graph data (expected an object)');
  const g = raw as Partial<WireGraph>;
  if (g.schema_version !== SCHEMA_VERSION) {
    throw new TraceError(
      `graph schema version ${String(g.schema_version)} is not supported (this widget reads ${SCHEMA_VERSION}); ` +
        'reinstall lenslab so the Python package and the widget match',
    );
  }
  for (const key of ['ops', 'module_calls', 'modules', 'branch_edges'] as const) {
    if (!Array.isArray(g[key])) throw new TraceError(`graph field "${key}" is missing or not a list`);
  }
  const graph = g as WireGraph;
  const nOps = graph.ops.length;
  const nCalls = graph.module_calls.length;
  graph.ops.forEach((op, i) => {
    if (typeof op?.label !== 'string' || typeof op.layer !== 'string') {
      throw new TraceError(`op ${i} has no label`);
    }
    if (!Array.isArray(op.parents) || op.parents.some((p) => !isIndex(p, nOps) || p === i)) {
      throw new TraceError(`op "${op.label}" has a parent index out of range`);
    }
    if (!Number.isInteger(op.module_call) || op.module_call < -1 || op.module_call >= nCalls) {
      throw new TraceError(`op "${op.label}" points to module call ${String(op.module_call)}, which does not exist`);
    }
  });
  graph.module_calls.forEach((c, i) => {
    if (typeof c?.address !== 'string') throw new TraceError(`module call ${i} has no address`);
    // Calls are recorded on entry, so a parent call always comes first; this also rules out cycles.
    if (!Number.isInteger(c.parent) || c.parent < -1 || c.parent >= i) {
      throw new TraceError(`module call ${c.address}:${c.call} has an invalid parent call`);
    }
  });
  for (const b of graph.branch_edges) {
    if (!isIndex(b?.parent, nOps) || !isIndex(b.child, nOps)) throw new TraceError('branch edge out of range');
  }
  return graph;
}

function isIndex(v: unknown, n: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < n;
}

/** Display title of an op in the unrolled view: the layer label, plus `:pass` for multi-pass layers. */
export function opTitle(op: WireOp): string {
  return op.num_passes > 1 ? op.label : op.layer;
}

export function formatShape(shape: readonly number[] | null): string {
  if (shape === null) return '';
  return shape.length === 0 ? 'scalar' : shape.join('x');
}

export function formatCount(n: number): string {
  if (n < 1000) return String(n);
  const units = ['K', 'M', 'B', 'T'];
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u += 1;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)}${units[u] ?? ''}`;
}
