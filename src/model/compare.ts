// A comparison of two runs (lenslab.compare(a, b), or activation patching's scores), as the
// widget's `compare` trait carries it: one value and one status letter per drawn op (run a's
// ops plus, as nodes of their own, the ops only b ran: compare/union.py), the branches taken
// differently. DOM-free.

export type CompareKind = 'compare' | 'scores';
/** Per drawn op: s(ame), c(hanged), a (only in a), b (only in b), u(nsaved). */
export type OpStatus = 's' | 'c' | 'a' | 'b' | 'u';

export interface OnlyB {
  /** Its label in b. */
  readonly label: string;
  readonly type: string;
  readonly module: string;
  /** Its position among the drawn ops (labelled "b/" + label there). */
  readonly index: number;
}

export interface CompareData {
  readonly kind: CompareKind;
  /** Legend title: what the values mean. */
  readonly title: string;
  /** Per drawn op: the difference (or score); NaN where there is none. */
  readonly values: Float64Array;
  readonly status: string;
  /** Per drawn op: its label in b ('' if b did not run it). */
  readonly labelsB: readonly string[];
  readonly onlyB: readonly OnlyB[];
  /** Drawn ops (terminal bools) whose branch went the other way in b. */
  readonly branches: ReadonlySet<number>;
  /** Values at or below this are drawn as unchanged. */
  readonly threshold: number;
  readonly modelB: string;
  readonly firstDivergence: string | null;
  readonly counts: Readonly<Record<string, number>>;
}

/** The trait value, checked; null when there is no comparison (an ordinary widget). */
export function parseCompare(raw: unknown, numOps: number): CompareData | null {
  if (raw === null || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  if (r['kind'] !== 'compare' && r['kind'] !== 'scores') return null;
  const rawValues = Array.isArray(r['values']) ? r['values'] : [];
  const values = new Float64Array(numOps).fill(Number.NaN);
  rawValues.forEach((v, i) => {
    if (i < numOps && typeof v === 'number') values[i] = v;
  });
  const status = typeof r['status'] === 'string' ? r['status'] : '';
  const labelsB = Array.isArray(r['labels_b']) ? r['labels_b'].map((x) => (typeof x === 'string' ? x : '')) : [];
  const onlyB = (Array.isArray(r['only_b']) ? r['only_b'] : []).filter(isOnlyB);
  const branches = new Set((Array.isArray(r['branches']) ? r['branches'] : []).filter((x): x is number => typeof x === 'number'));
  const counts = typeof r['counts'] === 'object' && r['counts'] !== null ? (r['counts'] as Record<string, number>) : {};
  return {
    kind: r['kind'],
    title: typeof r['title'] === 'string' ? r['title'] : 'difference',
    values,
    status,
    labelsB,
    onlyB,
    branches,
    threshold: typeof r['threshold'] === 'number' ? r['threshold'] : 0,
    modelB: typeof r['model_b'] === 'string' ? r['model_b'] : '',
    firstDivergence: typeof r['first_divergence'] === 'string' ? r['first_divergence'] : null,
    counts,
  };
}

function isOnlyB(x: unknown): x is OnlyB {
  if (x === null || typeof x !== 'object') return false;
  const o = x as Record<string, unknown>;
  return typeof o['label'] === 'string' && typeof o['index'] === 'number';
}

export function statusOf(c: CompareData, op: number): OpStatus {
  const s = c.status[op];
  return s === 'c' || s === 'a' || s === 'b' || s === 'u' ? s : 's';
}

/** How the node of some ops compares: the largest value, and whether all of them ran in one run only. */
export interface NodeDiff {
  readonly value: number;
  readonly onlyA: boolean;
  readonly branch: boolean;
  /** Every op of the node ran only in b (drawn as a node of its own). */
  readonly onlyB: boolean;
}

export function nodeDiff(c: CompareData, ops: readonly number[]): NodeDiff {
  let value = Number.NaN;
  let onlyA = ops.length > 0;
  let onlyB = ops.length > 0;
  let branch = false;
  for (const o of ops) {
    const v = c.values[o];
    if (v !== undefined && !Number.isNaN(v) && !(v <= value)) value = v;
    const s = statusOf(c, o);
    if (s !== 'a') onlyA = false;
    if (s !== 'b') onlyB = false;
    if (c.branches.has(o)) branch = true;
  }
  return { value, onlyA, branch, onlyB };
}
