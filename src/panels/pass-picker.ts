// Rolled view, a layer with several passes: which pass the tensor view shows (a slider that says
// "pass k of N"), and one statistic of every pass plotted over the passes (how a hidden state
// evolves). The statistics come from the kernel, one `stats` request per pass.
import type { DataClient } from '../comm/client.ts';
import { isCancelled } from '../comm/client.ts';
import type { TensorKind } from '../protocol/messages.ts';
import { html } from '../dom.ts';
import { drawLine } from './draw.ts';

export type PassStat = 'mean' | 'std' | 'min' | 'max';
const STATS: readonly PassStat[] = ['mean', 'std', 'min', 'max'];
/** Beyond this many passes the plot asks for a sample of them (every k-th pass). */
const MAX_PLOTTED = 200;
const PLOT_W = 260;
const PLOT_H = 90;

/** Pass positions (0-based) whose statistic the plot fetches: all, or an even sample. */
export function plottedPasses(count: number, max = MAX_PLOTTED): number[] {
  if (count <= max) return Array.from({ length: count }, (_, i) => i);
  const step = count / max;
  return Array.from({ length: max }, (_, i) => Math.min(count - 1, Math.round(i * step)));
}

export function passText(pass: number, count: number): string {
  return `pass ${pass} of ${count}`;
}

export class PassPicker {
  readonly el: HTMLElement;
  private readonly slider: HTMLInputElement;
  private readonly text: HTMLElement;
  private readonly stat: HTMLSelectElement;
  private readonly canvas: HTMLCanvasElement;
  private labels: readonly string[] = [];
  private pass = 1;
  private generation = 0;

  constructor(
    private readonly client: DataClient,
    private readonly pick: (pass: number) => void,
    private readonly kind: () => TensorKind,
  ) {
    this.el = html('div', 'lenslab-passes');
    this.el.setAttribute('data-lenslab-passes', '');
    const row = html('div', 'lenslab-passes-row', this.el);
    this.slider = html('input', 'lenslab-passes-slider', row);
    this.slider.type = 'range';
    this.slider.min = '1';
    this.slider.setAttribute('aria-label', 'Pass shown');
    this.slider.addEventListener('input', () => this.set(Number(this.slider.value), true));
    this.text = html('span', 'lenslab-passes-text', row);
    const plotRow = html('div', 'lenslab-passes-row', this.el);
    html('span', 'lenslab-passes-label', plotRow, 'per pass:');
    this.stat = html('select', 'lenslab-passes-stat', plotRow);
    for (const s of STATS) html('option', '', this.stat, s).value = s;
    this.stat.addEventListener('change', () => void this.plot());
    this.canvas = html('canvas', 'lenslab-passes-plot', this.el);
    this.canvas.setAttribute('data-lenslab-pass-plot', '');
    this.el.hidden = true;
  }

  /** The passes of the selected rolled node (fewer than two: hidden), and the pass shown. */
  show(labels: readonly string[] | null, pass: number): void {
    const changed = labels?.join('\n') !== this.labels.join('\n');
    this.labels = labels ?? [];
    this.el.hidden = this.labels.length < 2;
    if (this.el.hidden) return;
    this.slider.max = String(this.labels.length);
    this.set(pass, false);
    if (changed) void this.plot();
  }

  private set(pass: number, fromUser: boolean): void {
    this.pass = Math.max(1, Math.min(this.labels.length, pass));
    this.slider.value = String(this.pass);
    this.text.textContent = passText(this.pass, this.labels.length);
    this.el.setAttribute('data-pass', String(this.pass));
    this.el.setAttribute('data-passes', String(this.labels.length));
    if (fromUser) this.pick(this.pass);
  }

  /** Fetches the chosen statistic of every (sampled) pass and draws it over the passes. */
  private async plot(): Promise<void> {
    const gen = ++this.generation;
    const stat = this.stat.value as PassStat;
    const positions = plottedPasses(this.labels.length);
    const values = new Float32Array(positions.length).fill(Number.NaN);
    this.el.setAttribute('data-plot-state', 'loading');
    for (const [k, p] of positions.entries()) {
      const layer = this.labels[p];
      if (layer === undefined) continue;
      try {
        const r = await this.client.request('stats', { layer, tensor: this.kind() }, `pass-plot-${k}`);
        if (gen !== this.generation) return;
        const v = r.result[stat];
        values[k] = typeof v === 'number' ? v : Number.NaN;
      } catch (err) {
        if (gen !== this.generation || isCancelled(err)) return;
      }
    }
    drawLine(this.canvas, values, PLOT_W, PLOT_H, `${stat} over ${this.labels.length} passes`);
    this.el.setAttribute('data-plot-state', 'ready');
    this.el.setAttribute('data-plot-values', Array.from(values, (v) => (Number.isFinite(v) ? v.toPrecision(4) : 'nan')).join(','));
  }
}
