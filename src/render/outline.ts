// The outline tree of modules beside the graph: real DOM rows (role="tree"/"treeitem", with
// aria-level and aria-expanded), redrawn from OutlineRow data, only those in view when there are
// many. It reports intents only.
import type { OutlineRow } from '../graph/outline.ts';
import { html } from './svg.ts';

/** Height of one row (px; style/widget.css gives rows this height). */
export const ROW_PX = 16;
/** Above this many rows, only those in view are drawn. */
const WINDOW_MIN_ROWS = 300;
const OVERSCAN = 20;

function spacer(tree: HTMLElement, rows: number): void {
  const gap = html('div', 'lenslab-outline-spacer', tree);
  gap.style.height = `${rows * ROW_PX}px`;
  gap.setAttribute('aria-hidden', 'true');
}

function drawRow(tree: HTMLElement, r: OutlineRow): void {
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
  // Windowed: only the rows in view (plus a margin) are in the DOM, between two spacers, so a
  // tree of thousands of modules costs a screenful of rows per redraw.
  let frame = 0;
  const draw = (): void => {
    frame = 0;
    tree.replaceChildren();
    const windowed = rows.length > WINDOW_MIN_ROWS;
    const top = Math.max(0, el.scrollTop - tree.offsetTop);
    const first = windowed ? Math.max(0, Math.floor(top / ROW_PX) - OVERSCAN) : 0;
    const last = windowed ? Math.min(rows.length, first + Math.ceil((el.clientHeight || 600) / ROW_PX) + 2 * OVERSCAN) : rows.length;
    if (first > 0) spacer(tree, first);
    for (const r of rows.slice(first, last)) drawRow(tree, r);
    if (last < rows.length) spacer(tree, rows.length - last);
    if (rows.length === 0) html('div', 'lenslab-outline-empty', tree, 'no modules');
  };
  el.addEventListener('scroll', () => {
    if (rows.length > WINDOW_MIN_ROWS && !frame) frame = requestAnimationFrame(draw);
  });
  const render = (next: readonly OutlineRow[]): void => {
    rows = next;
    draw();
  };
  return { el, render };
}
