// The model's input image pinned in a corner of the graph stage: shown whenever the first input
// is an image (N×C×H×W, 1 or 3 channels), and after a backward pass that reached the input, a
// toggle lays |grad| over it as saliency. A batch of images has arrows that pick the image (the
// saliency follows). Data comes through the same 'tiles' requests as the tensor panel's saliency
// view; drawing is drawSaliency. Browser tests find it by data-lenslab-pinned-input (the input's
// layer), data-saliency, data-has-grad, data-batch (0-based image shown) and data-batch-size.
import type { DataClient, DataReply } from '../comm/client.ts';
import { DataError, isCancelled } from '../comm/client.ts';
import type { Trace } from '../model/trace.ts';
import { html } from '../dom.ts';
import { drawSaliency } from './draw.ts';
import type { Tiles } from './draw.ts';
import { defaultSlice, isImage, tilesParams, withIndex } from './views.ts';
import type { TilesParams } from '../protocol/messages.ts';

/** Largest side, in CSS pixels, of the pinned image. */
const SIDE_PX = 120;

interface ImageInput {
  /** Its layer ('input_1': what the panel and data-lenslab-pinned-input show). */
  readonly layer: string;
  /** Its pass label ('input_1:1': what the kernel is asked for). */
  readonly label: string;
  readonly shape: readonly number[];
}

/** N×C×H×W with 1 or 3 channels, or C×H×W with 3 (a 1×T×D sequence batch is no image). */
function looksLikeImage(shape: readonly number[]): boolean {
  return isImage(shape) && (shape.length === 4 || shape[0] === 3);
}

/** The first input op whose shape is an image, or null. */
export function imageInput(trace: Trace): ImageInput | null {
  const op = trace.ops.find((o) => o.role === 'input' && o.shape !== null && looksLikeImage(o.shape));
  return op?.shape ? { layer: op.layer, label: op.label, shape: op.shape } : null;
}

/** Images in the input: the batch axis of N×C×H×W (1 for a single C×H×W image). */
export function batchSize(shape: readonly number[]): number {
  return shape.length === 4 ? Math.max(1, shape[0] ?? 1) : 1;
}

/** The 'tiles' request for image `batch` (0-based, clamped to the batch) of the input. */
export function pinnedTiles(input: ImageInput, batch: number): TilesParams {
  const at = Math.max(0, Math.min(batchSize(input.shape) - 1, Math.round(batch)));
  const spec = defaultSlice(input.shape, 'saliency');
  return tilesParams(input.label, 'activation', input.shape.length === 4 ? withIndex(spec, 0, at) : spec, input.shape, 3, 256);
}

function tilesOf(r: DataReply<'tiles'>): Tiles {
  const [count = 1, rows = 1, cols = 1] = r.header?.shape ?? [];
  return { values: r.array ?? new Float32Array(), count, rows, cols };
}

export class PinnedInput {
  readonly el: HTMLElement;
  private readonly title: HTMLElement;
  private readonly toggle: HTMLButtonElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly note: HTMLElement;
  private readonly batchRow: HTMLElement;
  private readonly batchText: HTMLElement;
  private readonly prev: HTMLButtonElement;
  private readonly next: HTMLButtonElement;
  private input: ImageInput | null = null;
  /** The image of the batch shown (0-based). */
  private batch = 0;
  private saliency = true;
  private generation = 0;
  /** Set once the user opens or folds the panel: from then on their choice holds. */
  private userChose = false;

  constructor(private readonly client: DataClient) {
    this.el = html('section', 'lenslab-pinned');
    this.el.setAttribute('aria-label', 'Model input');
    this.el.hidden = true;
    const head = html('div', 'lenslab-pinned-head', this.el);
    this.title = html('button', 'lenslab-pinned-title', head);
    this.title.setAttribute('type', 'button');
    this.title.title = 'Hide or show the input image';
    this.title.addEventListener('click', () => {
      this.userChose = true;
      this.setOpen(this.title.getAttribute('aria-expanded') !== 'true');
    });
    this.toggle = html('button', 'lenslab-button', head, 'saliency');
    this.toggle.type = 'button';
    this.toggle.dataset['action'] = 'pinned-saliency';
    this.toggle.title = 'Lay |gradient| of the output over the input (red: what the output depends on most)';
    this.toggle.addEventListener('click', () => this.setSaliency(!this.saliency));
    this.canvas = html('canvas', 'lenslab-pinned-canvas', this.el);
    this.batchRow = html('div', 'lenslab-pinned-batch', this.el);
    this.prev = this.arrow('\u25C0', 'prev', 'Previous image of the batch', -1);
    this.batchText = html('span', 'lenslab-pinned-batch-text', this.batchRow);
    this.next = this.arrow('\u25B6', 'next', 'Next image of the batch', 1);
    this.note = html('div', 'lenslab-pinned-note', this.el);
    // Pointer and wheel events here are for the panel, not for panning the graph beneath it.
    for (const type of ['wheel', 'pointerdown', 'pointermove', 'click', 'dblclick']) this.el.addEventListener(type, (ev) => ev.stopPropagation());
  }

  private arrow(text: string, which: 'prev' | 'next', title: string, delta: number): HTMLButtonElement {
    const b = html('button', 'lenslab-button lenslab-button--small', this.batchRow, text);
    b.type = 'button';
    b.title = title;
    b.setAttribute('aria-label', title);
    b.dataset['action'] = `pinned-batch-${which}`;
    b.addEventListener('click', () => this.setBatch(this.batch + delta));
    return b;
  }

  setTrace(trace: Trace): void {
    this.input = imageInput(trace);
    this.el.hidden = this.input === null;
    if (!this.input) {
      delete this.el.dataset['lenslabPinnedInput'];
      return;
    }
    this.el.dataset['lenslabPinnedInput'] = this.input.layer;
    this.batch = 0;
    this.showBatch();
    // Folded until there is a saliency map to show: open, it covers the graph's corner.
    if (!this.userChose) this.setOpen(false);
    this.refresh();
  }

  /** Shows image `batch` (0-based) of a batch of images, with its saliency. */
  setBatch(batch: number): void {
    const size = this.input ? batchSize(this.input.shape) : 1;
    const at = Math.max(0, Math.min(size - 1, Math.round(batch)));
    if (at === this.batch) return;
    this.batch = at;
    this.showBatch();
    this.refresh();
  }

  private showBatch(): void {
    const size = this.input ? batchSize(this.input.shape) : 1;
    this.el.dataset['batch'] = String(this.batch);
    this.el.dataset['batchSize'] = String(size);
    this.batchText.textContent = `image ${this.batch + 1} of ${size}`;
    this.prev.disabled = this.batch <= 0;
    this.next.disabled = this.batch >= size - 1;
    this.batchRow.hidden = size < 2 || this.canvas.hidden;
  }

  private setOpen(open: boolean): void {
    this.title.setAttribute('aria-expanded', String(open));
    this.canvas.hidden = !open;
    this.note.hidden = !open;
    this.showBatch();
    this.title.textContent = `${open ? '\u25BE' : '\u25B8'} input: ${this.input?.layer ?? ''}`;
  }

  setSaliency(on: boolean): void {
    this.saliency = on;
    this.refresh();
  }

  /** Fetches and draws again (a backward pass changed the gradients). */
  refresh(): void {
    if (this.input && this.client.connected) void this.load(this.input);
  }

  private async load(input: ImageInput): Promise<void> {
    const gen = ++this.generation;
    const batch = this.batch;
    const params = pinnedTiles(input, batch);
    try {
      const image = await this.client.request('tiles', params, 'pinned');
      const grad = await this.client.request('tiles', { ...params, tensor: 'gradient' }, 'pinned-grad').catch((err: unknown) => {
        if (err instanceof DataError && err.code !== 'no_kernel' && err.code !== 'cancelled') return null;
        throw err;
      });
      if (gen !== this.generation) return;
      this.draw(tilesOf(image), grad ? tilesOf(grad) : null);
      this.el.dataset['drawnBatch'] = String(batch);
    } catch (err) {
      if (gen === this.generation && !isCancelled(err)) this.note.textContent = err instanceof Error ? err.message : String(err);
    }
  }

  private draw(image: Tiles, grad: Tiles | null): void {
    const shown = this.saliency && grad !== null;
    drawSaliency(this.canvas, image, shown ? grad : null);
    const k = SIDE_PX / Math.max(this.canvas.width, this.canvas.height, 1);
    this.canvas.style.width = `${Math.round(this.canvas.width * k)}px`;
    this.canvas.style.height = `${Math.round(this.canvas.height * k)}px`;
    this.el.dataset['hasGrad'] = String(grad !== null);
    this.el.dataset['saliency'] = String(shown);
    this.toggle.disabled = grad === null;
    if (grad !== null && !this.userChose) this.setOpen(true);
    this.toggle.setAttribute('aria-pressed', String(shown));
    const flat = grad !== null && grad.values.every((v) => v === 0);
    this.note.textContent = grad === null ? 'saliency: run backward with an input that requires grad' : !shown ? '' : flat ? 'no gradient reached this image' : 'red: largest |grad|';
  }
}
