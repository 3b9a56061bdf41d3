// A comparison without a kernel (Comparison.to_html pages, compare bundles in the .lens
// viewer): each data request is answered from the side it names (params.side: 'a', 'b',
// 'diff'), and b − a can be computed in the page from the two runs' tensors. DOM-free.
import type { LocalEntry, LocalServer, LocalSource } from './server.ts';

/** One server that hands each request to the server of the side it names (else run a's). */
export function routeSides(a: LocalServer, b: LocalServer, diff: LocalServer): LocalServer {
  const routed = Object.create(a) as LocalServer;
  routed.handle = (request) => {
    const side = (request.params as { side?: unknown }).side;
    return (side === 'b' ? b : side === 'diff' ? diff : a).handle(request);
  };
  return routed;
}

/** b − a by label, from the two sides' tensors; null where either is missing or shapes differ. */
export function differenceSource(a: LocalSource, b: LocalSource): LocalSource {
  return {
    labels: a.labels,
    missing: 'no difference: a side did not run this op, or its shapes differ',
    load: async (label) => {
      const [x, y] = await Promise.all([a.load(label), b.load(label)]);
      return difference(x, y);
    },
  };
}

function difference(x: LocalEntry | null, y: LocalEntry | null): LocalEntry | null {
  const tx = x?.tensor;
  const ty = y?.tensor;
  if (!tx || !ty || tx.shape.length !== ty.shape.length || tx.shape.some((d, i) => d !== ty.shape[i])) return null;
  if (tx.data.length !== ty.data.length) return null;
  const data = new Float32Array(tx.data.length);
  for (let i = 0; i < data.length; i++) data[i] = (ty.data[i] ?? 0) - (tx.data[i] ?? 0);
  const shape = [...tx.shape];
  return { shape, dtype: 'float32', tensor: { shape, dtype: 'float32', step: shape.map(() => 1), data } };
}
