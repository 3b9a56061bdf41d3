// The outline tree of modules beside the graph: real DOM rows (role="tree"/"treeitem", with
// aria-level and aria-expanded), redrawn from OutlineRow data. It reports intents only.
import type { OutlineRow } from '../graph/outline.ts';
import { html } from './svg.ts';

/** Rows drawn at most; beyond, a note says how many more (close modules to see them). */
export const MAX_OUTLINE_ROWS = 1500;

export interface OutlineHandlers {
  /** The twisty: open or close the module (in the graph as well). */
  toggle(row: OutlineRow, open: boolean): void;
  /** The name: reveal the module in the graph and select it. */
  select(row: OutlineRow): void;
}

export function createOutline(h: OutlineHandlers): { el: HTMLElement; render(rows: readonly OutlineRow[]): void } {
  const el = html('nav', 'lenslab-outline');
  el.setAttribute('aria-label', 'Modules');
  html('div', 'lenslab-outline-heading', el, 'Modules');
  const tree = html('div', 'lenslab-outline-tree', el);
  tree.setAttribute('role', 'tree');
  let rows: readonly OutlineRow[] = [];
  const rowOf = (target: EventTarget | null): OutlineRow | undefined => {
    const item = target instanceof Element ? target.closest('[data-outline-key]') : null;
    const key = item?.getAttribute('data-outline-key');
    return rows.find((r) => r.key === key);
  };
  tree.addEventListener('click', (ev) => {
    const row = rowOf(ev.target);
    if (!row) return;
    const onTwisty = ev.target instanceof Element && ev.target.closest('.lenslab-outline-twisty') !== null;
    if (onTwisty && row.expandable) h.toggle(row, !row.expanded);
    else h.select(row);
  });
  tree.addEventListener('keydown', (ev) => {
    const row = rowOf(ev.target);
    if (!row) return;
    if (ev.key === 'Enter' || ev.key === ' ') h.select(row);
    else if (ev.key === 'ArrowRight' && row.expandable && !row.expanded) h.toggle(row, true);
    else if (ev.key === 'ArrowLeft' && row.expanded) h.toggle(row, false);
    else return;
    ev.preventDefault();
    ev.stopPropagation();
  });
  const render = (next: readonly OutlineRow[]): void => {
    rows = next;
    tree.replaceChildren();
    for (const r of rows.slice(0, MAX_OUTLINE_ROWS)) {
      const item = html('div', 'lenslab-outline-item', tree);
      item.setAttribute('role', 'treeitem');
      item.setAttribute('aria-level', String(r.level));
      item.setAttribute('aria-selected', String(r.selected));
      if (r.expandable) item.setAttribute('aria-expanded', String(r.expanded));
      item.dataset['outlineKey'] = r.key;
      item.dataset['outlineNode'] = r.nodeId;
      item.tabIndex = r.selected ? 0 : -1;
      item.title = `@${r.address} (${r.type})`;
      item.style.paddingLeft = `${(r.level - 1) * 12 + 2}px`;
      html('span', 'lenslab-outline-twisty', item, r.expandable ? (r.expanded ? '\u25be' : '\u25b8') : '');
      html('span', 'lenslab-outline-name', item, r.name);
      html('span', 'lenslab-outline-type', item, r.type);
    }
    if (rows.length === 0) html('div', 'lenslab-outline-empty', tree, 'no modules');
    if (rows.length > MAX_OUTLINE_ROWS) {
      html('div', 'lenslab-outline-empty', tree, `+ ${rows.length - MAX_OUTLINE_ROWS} more modules (close some to list them)`);
    }
  };
  return { el, render };
}
