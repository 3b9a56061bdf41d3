// Names of a tensor's axes, DOM-free: what a class reads instead of "dim 0". Conv outputs are
// N, C, H, W; attention weights (a softmax over keys) N, heads, query, key; a linear layer's
// output N, (seq,) features. Anything else is d0, d1, … . The names can be edited in the view.

/** What the names are guessed from: the op's callable and, when known, its module's class. */
export interface AxisHint {
  readonly func?: string;
  readonly moduleType?: string;
}

const SPATIAL: Record<number, readonly string[]> = {
  3: ['N', 'C', 'L'],
  4: ['N', 'C', 'H', 'W'],
  5: ['N', 'C', 'D', 'H', 'W'],
};
const CONV_LIKE = /conv|pool|batch_?norm|instance_?norm|upsample|interpolate|pad|dropout2d|relu|gelu|sigmoid|silu|add|mul|cat/;
const CONV_MODULES = /Conv|Pool|BatchNorm\dd|InstanceNorm|Upsample|ReLU|Sequential|Block|Bottleneck/;

/** True when the tensor is attention weights: a softmax over the last axis of a ≥3-D tensor. */
export function isAttention(shape: readonly number[], hint: AxisHint): boolean {
  const f = (hint.func ?? '').toLowerCase();
  return (f === 'softmax' || f === '_softmax') && shape.length >= 3;
}

/** Default axis names for a tensor of `shape` produced by `hint.func`. */
export function axisNames(shape: readonly number[], hint: AxisHint = {}): string[] {
  const n = shape.length;
  const generic = shape.map((_, d) => `d${d}`);
  if (n === 0) return [];
  const f = (hint.func ?? '').toLowerCase();
  const m = hint.moduleType ?? '';
  if (isAttention(shape, hint)) {
    if (n === 3) return ['heads', 'query', 'key'];
    return [...generic.slice(0, n - 4), 'N', 'heads', 'query', 'key'];
  }
  const spatial = SPATIAL[n];
  if (spatial && (/conv|pool/.test(f) || CONV_MODULES.test(m) || (n === 4 && CONV_LIKE.test(f)))) return spatial.slice();
  if (f === 'linear' || f === 'matmul' || m === 'Linear' || f === 'embedding' || /LayerNorm|Embedding/.test(m)) {
    if (n === 2) return ['N', 'features'];
    if (n === 3) return ['N', 'seq', 'features'];
  }
  if (f === 'input' && spatial && n === 4) return spatial.slice();
  return generic;
}

/** Parses an edited "N, C, H, W" back into one name per axis (missing or empty: d<k>). */
export function parseAxisNames(text: string, rank: number): string[] {
  const parts = text.split(',').map((s) => s.trim());
  return Array.from({ length: rank }, (_, d) => parts[d] || `d${d}`);
}

/** Axes worth showing: those longer than 1 (a batch of one is not an axis to look along). */
export function realAxes(shape: readonly number[]): number[] {
  return shape.map((_, d) => d).filter((d) => (shape[d] ?? 0) > 1);
}
