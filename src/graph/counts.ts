// One counting vocabulary, shared with Python's repr and summary (trace/table.py `describe`):
// a *layer pass* is every recorded entry (inputs, outputs and buffers included); an *op* is a
// tensor operation the model ran (role "op").

const counted = new WeakMap<readonly { role: string }[], number>();

/** Number of ops (role "op") among the layer passes; cached per ops array (drawn every frame). */
export function opCount(passes: readonly { role: string }[]): number {
  let n = counted.get(passes);
  if (n === undefined) {
    n = 0;
    for (const p of passes) if (p.role === 'op') n++;
    counted.set(passes, n);
  }
  return n;
}

/** "111 layer passes (69 ops)", the footer's words for what Python's repr says. */
export function countLine(passes: readonly { role: string }[]): string {
  const ops = opCount(passes);
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : word.endsWith('s') ? 'es' : 's'}`;
  return `${plural(passes.length, 'layer pass')} (${plural(ops, 'op')})`;
}
