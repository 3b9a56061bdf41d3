// The layer table: one row per layer pass, virtualized (only the rows in view are in the DOM),
// sortable by any column, filterable by text. Selecting a row selects its node in the graph.
import { html } from '../dom.ts';
import { cellText, COLUMNS, filterRows, sortRows, visibleRange } from './table-model.ts';
import type { Column, ColumnKey, LayerRow, StatsLookup } from './table-model.ts';

const ROW_HEIGHT = 22;

export interface LayerTableOptions {
  select(label: string): void;
  /** Asks the kernel for the statistics of every saved pass; resolves when they are in. */
  computeStats(): Promise<void>;
}

export class LayerTable {
  readonly el: HTMLElement;
  private readonly filter: HTMLInputElement;
  private readonly count: HTMLElement;
  private readonly header: HTMLElement;
  private readonly viewport: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly status: HTMLElement;
  private rows: readonly LayerRow[] = [];
  private shown: LayerRow[] = [];
  /** Row position by label in `shown`, built on first use after each change. */
  private shownAt: Map<string, number> | null = null;
  private sortKey: ColumnKey = 'index';
  private descending = false;
  private selected: string | null = null;
  private stats: StatsLookup = () => undefined;
  private frame = 0;
  private columns: readonly Column[] = COLUMNS;
  /** Rows, statistics or order changed while the table was hidden: sorted when next shown. */
  private stale = false;

  constructor(options: LayerTableOptions) {
    this.el = html('div', 'lenslab-table');
    this.el.setAttribute('data-lenslab-table', '');
    const bar = html('div', 'lenslab-table-bar', this.el);
    this.filter = html('input', 'lenslab-table-filter', bar);
    this.filter.type = 'search';
    this.filter.placeholder = 'filter: label, op, module, shape';
    this.filter.setAttribute('aria-label', 'Filter layers');
    this.filter.addEventListener('input', () => this.update());
    this.count = html('span', 'lenslab-table-count', bar);
    const statsButton = html('button', 'lenslab-button', bar, 'compute stats');
    statsButton.type = 'button';
    statsButton.dataset['action'] = 'table-stats';
    statsButton.title = 'Ask the kernel for mean/std/min/max/NaN of every saved tensor';
    this.status = html('span', 'lenslab-table-status', bar);
    statsButton.addEventListener('click', () => {
      this.status.textContent = 'computing\u2026';
      options.computeStats().then(
        () => (this.status.textContent = ''),
        (err: unknown) => (this.status.textContent = err instanceof Error ? err.message : String(err)),
      );
    });
    this.viewport = html('div', 'lenslab-table-viewport', this.el);
    this.viewport.setAttribute('role', 'grid');
    this.header = html('div', 'lenslab-table-row lenslab-table-head', this.viewport);
    this.header.setAttribute('role', 'row');
    this.spacer = html('div', 'lenslab-table-body', this.viewport);
    this.buildHeader();
    this.viewport.addEventListener('scroll', () => this.schedule());
    this.spacer.addEventListener('click', (ev) => {
      const label = ev.target instanceof Element ? ev.target.closest('[data-label]')?.getAttribute('data-label') : null;
      if (label) options.select(label);
    });
  }

  /** Other columns (a compare widget adds the difference); rows are redrawn. */
  setColumns(columns: readonly Column[]): void {
    this.columns = columns;
    this.buildHeader();
    this.update();
  }

  private buildHeader(): void {
    const width = this.columns.reduce((a, c) => a + c.width, 0);
    this.header.replaceChildren();
    for (const col of this.columns) {
      const h = html('div', `lenslab-table-cell${col.numeric ? ' lenslab-table-cell--num' : ''}`, this.header, col.title);
      h.setAttribute('role', 'columnheader');
      h.dataset['column'] = col.key;
      h.style.width = `${col.width}px`;
      h.addEventListener('click', () => this.sortBy(col.key));
    }
    this.header.style.width = `${width}px`;
    this.spacer.style.width = `${width}px`;
  }

  setRows(rows: readonly LayerRow[]): void {
    this.rows = rows;
    this.update();
  }

  setStats(stats: StatsLookup): void {
    this.stats = stats;
    this.update();
  }

  /** Marks the row of `label` and scrolls it into view. */
  setSelected(label: string | null): void {
    this.selected = label;
    // Hidden (the graph tab): nothing to scroll or draw; a 100k-row table is not even sorted yet.
    if (this.el.hidden) return;
    if (this.stale) this.update();
    this.shownAt ??= new Map(this.shown.map((r, k) => [r.label, k]));
    const i = label === null ? -1 : (this.shownAt.get(label) ?? -1);
    if (i >= 0) {
      const top = i * ROW_HEIGHT;
      const view = this.viewport.clientHeight - ROW_HEIGHT;
      if (top < this.viewport.scrollTop || top > this.viewport.scrollTop + view) this.viewport.scrollTop = Math.max(0, top - view / 2);
    }
    this.draw();
  }

  /** Sorts by a column; the same column again flips the direction. */
  sortBy(key: ColumnKey, descending?: boolean): void {
    this.descending = descending ?? (key === this.sortKey ? !this.descending : false);
    this.sortKey = key;
    this.update();
  }

  /** Labels of the rows in their current order (after filter and sort). */
  order(): string[] {
    if (this.stale) this.update(true);
    return this.shown.map((r) => r.label);
  }

  /** Filters and sorts the rows and draws them; only marked stale while hidden, unless `now`. */
  private update(now = false): void {
    this.stale = this.el.hidden && !now;
    if (this.stale) return;
    this.shown = sortRows(filterRows(this.rows, this.filter.value), this.sortKey, this.descending, this.stats);
    this.shownAt = null;
    this.count.textContent = `${this.shown.length} of ${this.rows.length}`;
    this.spacer.style.height = `${this.shown.length * ROW_HEIGHT}px`;
    for (const h of this.header.children) {
      const key = (h as HTMLElement).dataset['column'];
      h.setAttribute('aria-sort', key === this.sortKey ? (this.descending ? 'descending' : 'ascending') : 'none');
    }
    this.draw();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  /** Puts only the rows in view (plus a few) into the DOM. */
  private draw(): void {
    const [first, last] = visibleRange(this.viewport.scrollTop, this.viewport.clientHeight || 400, ROW_HEIGHT, this.shown.length);
    const rows: HTMLElement[] = [];
    for (let i = first; i < last; i++) {
      const r = this.shown[i];
      if (!r) continue;
      const row = html('div', 'lenslab-table-row');
      row.setAttribute('role', 'row');
      row.dataset['label'] = r.label;
      row.style.top = `${i * ROW_HEIGHT}px`;
      if (r.label === this.selected) row.setAttribute('aria-selected', 'true');
      if (r.intervened) {
        row.classList.add('lenslab-table-row--intervened');
        row.title = 'output replaced by lens(intervene=)';
      }
      for (const col of this.columns) {
        const cell = html('div', `lenslab-table-cell${col.numeric ? ' lenslab-table-cell--num' : ''}`, row, cellText(r, col.key, this.stats));
        cell.style.width = `${col.width}px`;
      }
      rows.push(row);
    }
    this.spacer.replaceChildren(...rows);
  }
}
