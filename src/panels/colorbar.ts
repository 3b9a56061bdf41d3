// The colour bar under a tensor view: the scale's gradient with its values, so a class can read
// what a colour means. CONTRACT: [data-lenslab-colorbar] with data-min / data-max.
import { html } from '../dom.ts';
import type { ColorScale } from './scales.ts';
import { paintScale, ticks } from './scales.ts';
import { formatNumber } from './views.ts';

export class ColorBar {
  readonly el: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly labels: HTMLElement;

  constructor(parent: HTMLElement) {
    this.el = html('div', 'lenslab-colorbar', parent);
    this.el.setAttribute('data-lenslab-colorbar', '');
    this.canvas = html('canvas', 'lenslab-colorbar-ramp', this.el);
    this.canvas.width = 256;
    this.canvas.height = 1;
    this.labels = html('div', 'lenslab-colorbar-ticks', this.el);
    this.el.hidden = true;
  }

  show(scale: ColorScale | null): void {
    this.el.hidden = scale === null;
    if (!scale) return;
    this.el.dataset['min'] = String(scale.lo);
    this.el.dataset['max'] = String(scale.hi);
    this.el.dataset['scale'] = scale.kind;
    this.el.title = scale.kind === 'diverging'
      ? 'blue < 0 < red, white at zero; NaN magenta, +Inf black, -Inf green'
      : 'dark = 0 (or the minimum), yellow = the maximum; NaN magenta, +Inf black, -Inf green';
    const ctx = this.canvas.getContext('2d');
    if (ctx) {
      const values = Float32Array.from({ length: 256 }, (_, i) => scale.lo + ((scale.hi - scale.lo) * i) / 255);
      const image = ctx.createImageData(256, 1);
      paintScale(values, scale, image.data);
      ctx.putImageData(image, 0, 0);
    }
    this.labels.replaceChildren();
    for (const v of ticks(scale)) html('span', '', this.labels, formatNumber(Math.abs(v) < 1e-12 ? 0 : v));
  }
}
