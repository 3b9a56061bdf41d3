// The inspector: the selected node's facts as a definition list, and its parents, children
// (and submodules) as links that select them.
import type { NodeDescription } from '../graph/describe.ts';
import { html } from './svg.ts';

/** Links beyond this many are summarised ("+ 120 more") to keep hub nodes readable. */
const MAX_LINKS = 40;

export function createInspector(follow: (id: string) => void, close: () => void = () => {}): HTMLElement {
  const el = html('aside', 'lenslab-inspector');
  el.setAttribute('data-lenslab-inspector', '');
  el.setAttribute('data-selected', '');
  el.setAttribute('aria-label', 'Inspector');
  el.addEventListener('click', (ev) => {
    const target = ev.target instanceof Element ? ev.target : null;
    if (target?.closest('[data-action="close-inspector"]')) {
      close();
      return;
    }
    const id = target?.closest('[data-link-id]')?.getAttribute('data-link-id');
    if (id) follow(id);
  });
  return el;
}

/**
 * `extra` (the tensor view) goes between the facts and the links; it is kept, not redrawn, and
 * stays attached while the facts around it change (a pass slider inside it keeps its drag).
 */
export function renderInspector(el: HTMLElement, d: NodeDescription | null, extra?: HTMLElement): void {
  el.setAttribute('data-selected', d?.id ?? '');
  const keep = d !== null && extra !== undefined && extra.parentElement === el;
  for (const child of Array.from(el.children)) if (!keep || child !== extra) child.remove();
  if (!d) {
    html('p', 'lenslab-inspector-hint', el, 'Click an op to inspect it; click a module to open it.');
    return;
  }
  const head = html('div', 'lenslab-inspector-head');
  html('h3', 'lenslab-inspector-title', head, d.title);
  const close = html('button', 'lenslab-inspector-close', head, '\u00d7');
  close.type = 'button';
  close.title = 'Close the inspector (Esc)';
  close.setAttribute('aria-label', 'Close the inspector');
  close.dataset['action'] = 'close-inspector';
  const dl = html('dl', 'lenslab-inspector-rows');
  for (const [name, value] of d.rows) {
    html('dt', '', dl, name);
    html('dd', '', dl, value);
  }
  const at = keep ? (extra ?? null) : null;
  el.insertBefore(head, at);
  el.insertBefore(dl, at);
  if (extra && !keep) el.appendChild(extra);
  for (const [name, links] of d.links) {
    if (links.length === 0) continue;
    const section = html('div', 'lenslab-inspector-links', el);
    html('h4', '', section, `${name} (${links.length})`);
    const list = html('ul', '', section);
    for (const link of links.slice(0, MAX_LINKS)) {
      const b = html('button', 'lenslab-link', html('li', '', list), link.text);
      b.type = 'button';
      b.dataset['linkId'] = link.id;
    }
    if (links.length > MAX_LINKS) html('li', 'lenslab-inspector-hint', list, `+ ${links.length - MAX_LINKS} more`);
  }
}

/** The hover card: a small floating summary near the pointer (text only). */
export function renderHoverCard(card: HTMLElement, d: NodeDescription | null, x: number, y: number, bounds: { width: number; height: number }): void {
  if (!d) {
    card.hidden = true;
    return;
  }
  card.replaceChildren();
  html('div', 'lenslab-hover-title', card, d.title);
  for (const [name, value] of d.rows) {
    const row = html('div', 'lenslab-hover-row', card);
    html('span', 'lenslab-hover-key', row, name);
    html('span', '', row, value);
  }
  card.hidden = false;
  const w = card.offsetWidth;
  const h = card.offsetHeight;
  card.style.left = `${Math.max(4, x + 14 + w > bounds.width ? x - w - 14 : x + 14)}px`;
  card.style.top = `${Math.max(4, Math.min(bounds.height - h - 4, y + 14))}px`;
}
