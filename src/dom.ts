// Small DOM helpers, below render/ and panels/ (both build elements with them). Text from user
// code (addresses, types, labels) only ever goes through textContent, never through markup.

export const SVG_NS = 'http://www.w3.org/2000/svg';

export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
  parent?: Element,
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  parent?.appendChild(el);
  return el;
}

export function html<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = '',
  parent?: Element,
  text?: string,
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  parent?.appendChild(el);
  return el;
}

/** A hover tooltip (SVG <title>). */
export function tooltip(parent: Element, text: string): void {
  svg('title', {}, parent).textContent = text;
}

const r = (v: number): string => (Math.round(v * 10) / 10).toString();

/** A smooth path through route points (uniform B-spline, like dagre-d3's curveBasis). */
export function basisPath(points: readonly { x: number; y: number }[]): string {
  const p = points;
  const first = p[0];
  if (!first) return '';
  if (p.length < 3) return `M${p.map((q) => `${r(q.x)},${r(q.y)}`).join('L')}`;
  let d = `M${r(first.x)},${r(first.y)}`;
  const second = p[1] ?? first;
  d += `L${r((5 * first.x + second.x) / 6)},${r((5 * first.y + second.y) / 6)}`;
  for (let i = 1; i < p.length - 1; i++) {
    const a = p[i - 1] ?? first;
    const b = p[i] ?? first;
    const c = p[i + 1] ?? first;
    d +=
      `C${r((2 * a.x + b.x) / 3)},${r((2 * a.y + b.y) / 3)} ` +
      `${r((a.x + 2 * b.x) / 3)},${r((a.y + 2 * b.y) / 3)} ` +
      `${r((a.x + 4 * b.x + c.x) / 6)},${r((a.y + 4 * b.y + c.y) / 6)}`;
  }
  const y = p[p.length - 2] ?? first;
  const z = p[p.length - 1] ?? first;
  d += `C${r((2 * y.x + z.x) / 3)},${r((2 * y.y + z.y) / 3)} ${r((y.x + 2 * z.x) / 3)},${r((y.y + 2 * z.y) / 3)} ${r(z.x)},${r(z.y)}`;
  return d;
}

/** Arrowhead triangle at the end of a route, pointing along its last segment. */
export function arrowHead(points: readonly { x: number; y: number }[], size = 7): string {
  const end = points[points.length - 1];
  const prev = points[points.length - 2];
  if (!end || !prev) return '';
  let dx = end.x - prev.x;
  let dy = end.y - prev.y;
  const len = Math.hypot(dx, dy) || 1;
  dx /= len;
  dy /= len;
  const bx = end.x - dx * size;
  const by = end.y - dy * size;
  const hw = size * 0.45;
  return `${r(end.x)},${r(end.y)} ${r(bx - dy * hw)},${r(by + dx * hw)} ${r(bx + dy * hw)},${r(by - dx * hw)}`;
}
