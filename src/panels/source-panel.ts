// The source panel in the inspector: the selected op's call stack (user frames, outermost
// first; a notebook cell reads "In [n]") and the code around the chosen frame, fetched from the
// kernel on demand. Clicking a line selects every op that line ran. Code is text, never HTML.
// CONTRACT: [data-lenslab-source] with data-file / data-line, containing that line's text.
import type { DataClient } from '../comm/client.ts';
import { DataError, isCancelled } from '../comm/client.ts';
import type { SourceResult } from '../protocol/messages.ts';
import type { WireFrame } from '../protocol/schema.ts';
import { html } from '../dom.ts';

export interface SourceTarget {
  /** Frame positions (WireGraph.frames), outermost first. */
  readonly stack: readonly number[];
  /** The frame shown first (the op's own line; for a module, the first line of its forward). */
  readonly focus: number;
  /** Show the whole function of the focus frame (a module's forward) instead of a few lines. */
  readonly wholeFunction: boolean;
}

export interface SourceHooks {
  selectLine(file: string, line: number): void;
}

const CONTEXT = 5;

export class SourcePanel {
  readonly el: HTMLElement;
  private readonly stackEl: HTMLElement;
  private readonly code: HTMLElement;
  private readonly status: HTMLElement;
  private frames: readonly WireFrame[] = [];
  private text: readonly string[] = [];
  private target: SourceTarget | null = null;
  private shown = -1;
  private generation = 0;

  constructor(
    private readonly client: DataClient | null,
    hooks: SourceHooks,
  ) {
    this.el = html('section', 'lenslab-source');
    this.el.setAttribute('data-lenslab-source', '');
    this.el.setAttribute('aria-label', 'Source code');
    html('h4', 'lenslab-source-title', this.el, 'code');
    this.stackEl = html('ol', 'lenslab-source-stack', this.el);
    this.code = html('div', 'lenslab-source-code', this.el);
    this.status = html('div', 'lenslab-source-status', this.el);
    this.el.hidden = true;
    this.el.addEventListener('click', (ev) => {
      const t = ev.target instanceof Element ? ev.target : null;
      const frame = t?.closest<HTMLElement>('[data-frame]')?.dataset['frame'];
      if (frame !== undefined) return void this.showFrame(Number(frame), false);
      const row = t?.closest<HTMLElement>('[data-line-no]');
      const file = this.el.dataset['shownFile'];
      if (row && file !== undefined) hooks.selectLine(file, Number(row.dataset['lineNo']));
    });
  }

  /** The capture's frames, and the text of each frame's line when the graph carries it. */
  setFrames(frames: readonly WireFrame[], text: readonly string[] = []): void {
    this.frames = frames;
    this.text = text;
    this.target = null;
  }

  /** Without a kernel: the frame's own line from the graph (kept outputs carry it), or null. */
  private embedded(frame: number): SourceResult | null {
    const f = this.frames[frame];
    const text = this.text[frame];
    if (!f || !text) return null;
    return { frame, file: f.file, line: f.line, function: f.function, status: 'ok', lines: [[f.line, text]] };
  }

  show(target: SourceTarget | null): void {
    const same = target !== null && this.target !== null && target.focus === this.target.focus && target.stack.join() === this.target.stack.join();
    this.target = target;
    this.el.hidden = target === null || target.stack.length === 0;
    if (!target || target.stack.length === 0) {
      this.generation++;
      return;
    }
    if (same) return;
    this.renderStack(target);
    void this.showFrame(target.focus, target.wholeFunction);
  }

  private renderStack(target: SourceTarget): void {
    this.stackEl.replaceChildren();
    for (const f of target.stack) {
      const frame = this.frames[f];
      if (!frame) continue;
      const b = html('button', 'lenslab-link lenslab-source-frame', html('li', '', this.stackEl), `${frame.file}:${frame.line}`);
      b.type = 'button';
      b.dataset['frame'] = String(f);
      b.title = `${frame.function} — ${frame.file}, line ${frame.line}`;
      html('span', 'lenslab-source-fn', b, ` ${frame.function}`);
    }
    const own = this.frames[target.stack[target.stack.length - 1] ?? -1];
    // The op's own line (CONTRACT data-file / data-line), whichever frame is shown below.
    this.el.dataset['file'] = own?.file ?? '';
    this.el.dataset['line'] = String(own?.line ?? '');
  }

  private async showFrame(frame: number, whole: boolean): Promise<void> {
    const f = this.frames[frame];
    if (!f) return;
    this.shown = frame;
    const gen = ++this.generation;
    for (const b of this.stackEl.querySelectorAll<HTMLElement>('[data-frame]')) b.setAttribute('aria-current', String(b.dataset['frame'] === String(frame)));
    this.el.dataset['shownFile'] = f.file;
    this.el.dataset['shownLine'] = String(f.line);
    this.el.dataset['state'] = 'loading';
    this.status.textContent = '';
    const kept = this.embedded(frame);
    if (!this.client || (!this.client.connected && kept)) {
      if (kept) return void this.render(kept);
      this.el.dataset['state'] = 'no-kernel';
      this.code.replaceChildren();
      this.status.textContent = 'no kernel connected: the code is read from the running kernel';
      return;
    }
    try {
      const r = await this.client.request('source', whole ? { frame, function: true } : { frame, context: CONTEXT }, 'source');
      if (gen !== this.generation) return;
      this.render(r.result);
    } catch (err) {
      if (isCancelled(err) || gen !== this.generation) return;
      const noKernel = err instanceof DataError && err.code === 'no_kernel';
      this.el.dataset['state'] = noKernel ? 'no-kernel' : 'error';
      this.code.replaceChildren();
      this.status.textContent = noKernel ? 'no kernel connected: the code is read from the running kernel' : `cannot show the code: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  private render(r: SourceResult): void {
    this.code.replaceChildren();
    const pre = html('pre', 'lenslab-source-lines', this.code);
    for (const [n, text] of r.lines) {
      const row = html('div', 'lenslab-source-line', pre);
      row.dataset['lineNo'] = String(n);
      row.title = 'Select every op this line ran';
      if (n === r.line) row.classList.add('lenslab-source-line--current');
      html('span', 'lenslab-source-no', row, String(n).padStart(4));
      html('span', 'lenslab-source-text', row, text || ' ');
    }
    this.el.dataset['state'] = 'ready';
    const where = `${r.file}, line ${r.line}`;
    this.status.textContent =
      r.status === 'changed' ? `${where}: the file changed since the capture, so its lines are not shown`
      : r.status === 'missing' ? `${where}: the source is not available (file gone, or not kept in this file)`
      : '';
    this.status.classList.toggle('lenslab-source-status--warn', r.status !== 'ok');
  }

  get shownFrame(): number {
    return this.shown;
  }
}
