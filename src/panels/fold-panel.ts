// The inspector part of a selected fold: which copy to show (all, the first, or a chosen index)
// and one bar per copy of a statistic across the copies — time (from the trace), output norm
// (the kernel's statistics of each copy's output) or gradient norm (after a backward pass).
import type { DataClient } from '../comm/client.ts';
import { isCancelled } from '../comm/client.ts';
import type { FoldMemberStats } from '../graph/fold-describe.ts';
import { formatSeconds } from '../graph/describe.ts';
import type { Trace } from '../model/trace.ts';
import { html, svg } from '../dom.ts';

export type FoldMetric = 'time' | 'output norm' | 'grad norm';
const METRICS: readonly FoldMetric[] = ['time', 'output norm', 'grad norm'];
const WIDTH = 260;
const HEIGHT = 72;

export interface FoldPanelHooks {
  /** Show copy `index` of the fold, or all copies (null). */
  pick(fold: string, index: number | null): void;
}

export interface FoldShown {
  readonly id: string;
  readonly members: readonly FoldMemberStats[];
  /** The copy shown alone, or null for all. */
  readonly pick: number | null;
}

/** L2 norm from a tensor's count, mean and (population) standard deviation. */
export function normFromStats(numel: number, mean: number | null, std: number | null): number {
  if (mean === null || std === null || numel <= 0) return Number.NaN;
  return Math.sqrt(numel * (mean * mean + std * std));
}

export class FoldPanel {
  readonly el: HTMLElement;
  private shown: FoldShown | null = null;
  private metric: FoldMetric = 'time';
  private values: number[] = [];
  private serial = 0;

  constructor(
    private readonly hooks: FoldPanelHooks,
    private readonly source: () => { trace: Trace | null; client: DataClient | null; gradNorms: Float32Array | null },
  ) {
    this.el = html('div', 'lenslab-fold-panel');
    this.el.setAttribute('data-lenslab-fold', '');
  }

  /** Renders for a fold (kept across redraws of the same fold and pick). */
  show(f: FoldShown): void {
    const same = this.shown?.id === f.id && this.shown.pick === f.pick;
    this.shown = f;
    if (!same) void this.load();
  }

  private async load(): Promise<void> {
    const f = this.shown;
    if (!f) return;
    const serial = ++this.serial;
    this.values = await this.metricValues(f);
    if (serial === this.serial) this.render();
  }

  private async metricValues(f: FoldShown): Promise<number[]> {
    const { trace, client, gradNorms } = this.source();
    if (this.metric === 'time') return f.members.map((m) => m.time_s);
    if (this.metric === 'grad norm') {
      // Fetched here when the gradient overlay has not fetched them yet (the plot needs no overlay).
      const norms = gradNorms ?? (client?.connected ? await fetchGradNorms(client) : null);
      return f.members.map((m) => norms?.[m.outputOp] ?? Number.NaN);
    }
    if (!trace || !client?.connected) return f.members.map(() => Number.NaN);
    return Promise.all(f.members.map(async (m, i) => {
      const label = trace.ops[m.outputOp]?.label;
      if (!label) return Number.NaN;
      try {
        const r = await client.request('stats', { layer: label }, `fold-stats-${i}`);
        const s = r.result as { numel?: number; mean?: number | null; std?: number | null };
        return normFromStats(s.numel ?? 0, s.mean ?? null, s.std ?? null);
      } catch (err) {
        if (!isCancelled(err)) return Number.NaN;
        return Number.NaN;
      }
    }));
  }

  private render(): void {
    const f = this.shown;
    if (!f) return;
    this.el.replaceChildren();
    const n = f.members.length;
    const bar = html('div', 'lenslab-fold-controls', this.el);
    const button = (text: string, title: string, pick: number | null, action: string): void => {
      const b = html('button', 'lenslab-button', bar, text);
      b.type = 'button';
      b.title = title;
      b.dataset['action'] = action;
      b.setAttribute('aria-pressed', String(f.pick === pick));
      b.addEventListener('click', () => this.hooks.pick(f.id, pick));
    };
    button('all', `Show all ${n} copies`, null, 'fold-all');
    button('first', 'Show the first copy, the others as two stand-ins', 0, 'fold-first');
    const index = html('input', 'lenslab-fold-index', bar);
    index.type = 'number';
    index.min = '0';
    index.max = String(n - 1);
    index.value = String(f.pick ?? 0);
    index.title = `Show copy # (0–${n - 1})`;
    index.setAttribute('aria-label', 'Copy to show');
    index.addEventListener('change', () => this.hooks.pick(f.id, Number(index.value)));
    const select = html('select', 'lenslab-fold-metric', bar);
    select.setAttribute('aria-label', 'Statistic per copy');
    for (const m of METRICS) {
      const o = html('option', '', select, m);
      o.value = m;
      o.selected = m === this.metric;
    }
    select.addEventListener('change', () => {
      this.metric = select.value as FoldMetric;
      void this.load();
    });
    this.plot(f);
  }

  /** One bar per copy; the shown copy is highlighted; a click shows that copy. */
  private plot(f: FoldShown): void {
    const finite = this.values.filter((v) => Number.isFinite(v));
    const chart = svg('svg', { class: 'lenslab-fold-chart', width: WIDTH, height: HEIGHT, viewBox: `0 0 ${WIDTH} ${HEIGHT}` }, this.el);
    chart.setAttribute('data-metric', this.metric);
    const max = Math.max(...finite, 0);
    const w = WIDTH / Math.max(1, this.values.length);
    this.values.forEach((v, i) => {
      const h = Number.isFinite(v) && max > 0 ? Math.max(1, (v / max) * (HEIGHT - 14)) : 0;
      const rect = svg('rect', { x: i * w + 0.5, y: HEIGHT - 12 - h, width: Math.max(1, w - 1), height: h, 'data-index': i }, chart);
      rect.setAttribute('class', f.pick === i ? 'lenslab-fold-bar lenslab-fold-bar-picked' : 'lenslab-fold-bar');
      const text = this.metric === 'time' ? formatSeconds(v) : Number.isFinite(v) ? v.toPrecision(4) : 'n/a';
      svg('title', {}, rect).textContent = `#${i} ${f.members[i]?.address ?? ''}: ${text}`;
      rect.addEventListener('click', () => this.hooks.pick(f.id, i));
    });
    const note = finite.length === 0 ? `${this.metric}: not available` : `${this.metric} per copy, max ${this.metric === 'time' ? formatSeconds(max) : max.toPrecision(4)}`;
    svg('text', { x: 0, y: HEIGHT - 1, class: 'lenslab-fold-note' }, chart).textContent = note;
  }
}

/** Per-op gradient norms from the kernel (NaN where none), or null when it cannot answer. */
async function fetchGradNorms(client: DataClient): Promise<Float32Array | null> {
  try {
    return (await client.request('grad_norms', {}, 'fold-grad-norms')).array ?? null;
  } catch {
    return null;
  }
}
