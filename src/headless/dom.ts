// The few DOM calls the SVG renderer (src/render/scene.ts, svg.ts) makes, for engines without a
// DOM (the embedded JavaScript engine behind h.to_svg): elements that keep attributes, children
// and text, and serialise themselves as XML. Text and attribute values are always escaped.

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
export const escapeXml = (s: string): string => s.replace(/[&<>"]/g, (c) => ESCAPES[c] ?? c);

export class HeadlessElement {
  readonly attributes = new Map<string, string>();
  children: HeadlessElement[] = [];
  text: string | null = null;
  /** Only `style.fill` is set by the renderer (overlay colours). */
  readonly style: Record<string, string> & { removeProperty(name: string): void } = Object.assign(Object.create(null) as Record<string, string>, {
    removeProperty(this: Record<string, string>, name: string): void {
      delete this[name];
    },
  });

  constructor(readonly tagName: string) {}

  setAttribute(name: string, value: string): void {
    this.attributes.set(name, String(value));
  }
  getAttribute(name: string): string | null {
    return this.attributes.get(name) ?? null;
  }
  removeAttribute(name: string): void {
    this.attributes.delete(name);
  }
  appendChild<T extends HeadlessElement>(child: T): T {
    this.children.push(child);
    return child;
  }
  replaceChildren(...children: HeadlessElement[]): void {
    this.children = children;
    this.text = null;
  }
  set textContent(text: string | null) {
    this.children = [];
    this.text = text;
  }
  get textContent(): string {
    return this.text ?? this.children.map((c) => c.textContent).join('');
  }

  serialize(out: string[]): void {
    out.push('<', this.tagName);
    for (const [k, v] of this.attributes) out.push(' ', k, '="', escapeXml(v), '"');
    const style = Object.entries(this.style).filter(([k, v]) => typeof v === 'string' && k !== 'removeProperty');
    if (style.length > 0) out.push(' style="', escapeXml(style.map(([k, v]) => `${k}:${v}`).join(';')), '"');
    if (this.text === null && this.children.length === 0) {
      out.push('/>');
      return;
    }
    out.push('>');
    if (this.text !== null) out.push(escapeXml(this.text));
    for (const c of this.children) c.serialize(out);
    out.push('</', this.tagName, '>');
  }
}

/** A deep copy of plain data (objects, arrays, Maps, Sets): dagre's use of structuredClone. */
function cloneData(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(cloneData);
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, cloneData(v)]));
  if (value instanceof Set) return new Set([...value].map(cloneData));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = cloneData(v);
  return out;
}

/** Installs what the renderer and dagre need from a browser when there is none: a `document`
 *  that creates elements, and `structuredClone`. */
export function installDocument(): void {
  const g = globalThis as { document?: unknown; structuredClone?: unknown };
  if (g.structuredClone === undefined) g.structuredClone = cloneData;
  if (g.document !== undefined) return;
  g.document = { createElementNS: (_ns: string, tag: string) => new HeadlessElement(tag) };
}
