// Where a tensor view draws: one canvas (tiles, heatmap, RGB, saliency, bars, or a line and a
// histogram when plotly.js is absent), a host for plotly.js charts, the colour bar and the
// readout of the value under the pointer. The tensor panel decides what to draw; this only draws.
import { html } from '../dom.ts';
import { ColorBar } from './colorbar.ts';
import { cellAt, drawRgb, drawTiles, gridLayout, tileZoom } from './draw.ts';
import type { Tiles } from './draw.ts';
import { chooseScale, rangeOf } from './scales.ts';
import type { ColorScale } from './scales.ts';
import { plotly } from './shared.ts';
import type { SliceSpec } from './views.ts';
import { formatNumber } from './views.ts';

/** Tallest a drawn canvas gets, in CSS pixels. */
const MAX_HEIGHT = 360;

/** What the canvas shows, for the hover readout: tiles, their slice and block size. */
export interface Drawn {
  readonly tiles: Tiles;
  readonly spec: SliceSpec;
  readonly step: readonly number[];
  readonly zoom: number;
}

export class TensorSurface {
  readonly canvas: HTMLCanvasElement;
  private readonly plotHost: HTMLElement;
  private readonly readout: HTMLElement;
  readonly colorbar: ColorBar;
  private drawn: Drawn | null = null;
  /** The whole tensor's range (kernel statistics) the colours span; null: the drawn values'. */
  range: { min: number | null; max: number | null } | null = null;

  constructor(private readonly parent: HTMLElement) {
    this.canvas = html('canvas', 'lenslab-tensor-canvas', parent);
    this.plotHost = html('div', 'lenslab-tensor-plot', parent);
    this.colorbar = new ColorBar(parent);
    this.readout = html('div', 'lenslab-tensor-readout', parent);
    this.canvas.addEventListener('pointermove', (ev) => this.onHover(ev));
    this.canvas.addEventListener('pointerleave', () => (this.readout.textContent = ''));
  }

  /** Width available to a view, in CSS pixels. */
  width(): number {
    return Math.max(120, Math.min(512, (this.parent.clientWidth || 280) - 4));
  }

  /** Nothing drawn (an error, no kernel). */
  clear(): void {
    this.canvas.hidden = true;
    this.plotHost.hidden = true;
    this.colorbar.show(null);
    this.drawn = null;
  }

  /** Tiles with a colour scale (hover reads values), or an RGB image; returns pixels per value. */
  showTiles(tiles: Tiles, mode: 'tiles' | 'rgb', spec: SliceSpec, step: readonly number[], labels?: readonly string[]): number {
    this.plotHost.hidden = true;
    this.canvas.hidden = false;
    let zoom = 1;
    if (mode === 'rgb') {
      drawRgb(this.canvas, tiles);
      this.colorbar.show(null);
    } else {
      const scale = this.scaleFor(tiles.values);
      const { width, height } = gridLayout(tiles.count, tiles.rows, tiles.cols);
      zoom = tileZoom(width, height);
      drawTiles(this.canvas, tiles, scale, zoom, labels);
      this.colorbar.show(scale);
    }
    this.fit(1);
    this.canvas.title = mode === 'rgb' ? 'RGB, stretched over min..max' : 'hover a cell for its value';
    this.drawn = { tiles, spec, step, zoom };
    return zoom;
  }

  /** The canvas for a drawing of its own (bars, saliency, fallback charts); no hover readout. */
  plainCanvas(): HTMLCanvasElement {
    this.plotHost.hidden = true;
    this.canvas.hidden = false;
    this.colorbar.show(null);
    this.drawn = null;
    return this.canvas;
  }

  /** Scales the drawn canvas to the available width (at most MAX_HEIGHT tall, `min` px a side). */
  fit(min = 0): void {
    const k = Math.min(this.width() / this.canvas.width, MAX_HEIGHT / this.canvas.height);
    this.canvas.style.width = `${Math.max(min, Math.round(this.canvas.width * k))}px`;
    this.canvas.style.height = `${Math.max(min, Math.round(this.canvas.height * k))}px`;
  }

  /** Draws with plotly.js when the page has it; false when it does not. */
  async plot(data: unknown[], xTitle: string, yTitle: string): Promise<boolean> {
    const lib = await plotly();
    if (!lib) return false;
    this.canvas.hidden = true;
    this.plotHost.hidden = false;
    this.colorbar.show(null);
    this.drawn = null;
    const layout = {
      width: this.width(), height: 180, margin: { l: 40, r: 8, t: 8, b: 32 }, bargap: 0.05,
      xaxis: { title: { text: xTitle } }, yaxis: { title: { text: yTitle } },
      paper_bgcolor: 'rgba(0,0,0,0)', plot_bgcolor: 'rgba(0,0,0,0)', font: { size: 10 },
    };
    await lib.react(this.plotHost, data, layout, { displayModeBar: false, responsive: false });
    return true;
  }

  /** The scale of the whole tensor (kernel statistics), else of the drawn values. */
  private scaleFor(values: ArrayLike<number>): ColorScale {
    const r = this.range ?? rangeOf(values);
    return chooseScale(r.min, r.max);
  }

  private onHover(ev: PointerEvent): void {
    const d = this.drawn;
    if (!d) return;
    const r = this.canvas.getBoundingClientRect();
    const cell = cellAt(this.canvas, d.tiles, ev.clientX - r.left, ev.clientY - r.top, d.zoom);
    this.readout.textContent = cell ? readout(d, cell) : '';
  }
}

/** "[0, 3, 12, 7] = 0.25": the tensor index of a hovered cell and its value. */
export function readout(d: Drawn, cell: { tile: number; row: number; col: number }): string {
  const n = d.tiles.rows * d.tiles.cols;
  const value = d.tiles.values[cell.tile * n + cell.row * d.tiles.cols + cell.col] ?? Number.NaN;
  const index = d.spec.index.slice();
  const [a, b, c] = d.spec.axes;
  const [sy = 1, sx = 1] = d.step;
  if (d.spec.axes.length === 3 && a !== undefined && b !== undefined && c !== undefined) {
    index[a] = cell.tile;
    index[b] = cell.row * sy;
    index[c] = cell.col * sx;
  } else if (a !== undefined && b !== undefined) {
    index[a] = cell.row * sy;
    index[b] = cell.col * sx;
  }
  const block = sy > 1 || sx > 1 ? ` (mean of ${sy}\u00d7${sx} from here)` : '';
  return `[${index.join(', ')}] = ${formatNumber(value)}${block}`;
}
