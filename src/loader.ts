// The anywidget ESM that a saved notebook keeps per widget (~2 KB instead of the whole view).
// It finds the real widget module (src/widget.ts):
//  1. on globalThis[Symbol.for('lenslab.widget')], set by the JupyterLab extension (Lab and
//     Notebook 7 load it once per page), or
//  2. from the kernel: one custom message {type: 'lenslab-code'} answered with widget.js and
//     widget.css as text (VS Code, Colab, marimo, Lab without the extension); imported from a
//     Blob URL and kept on globalThis for the next widgets of the page.
// Without a kernel (nbconvert HTML, marimo export) nothing answers: the loader stays out of the
// way (hidden, data-state="no-kernel") when the kept SVG snapshot sits next to it, or says
// "no kernel connected"; a late answer (a busy kernel) still draws the widget.
import type { AnyModel } from '@anywidget/types';
import { PROTOCOL_VERSION } from './protocol/messages.gen.ts';

const KEY = Symbol.for('lenslab.widget');
const CODE = 'lenslab-code';
/** Without an answer by then, the page is taken to have no kernel (until one answers). */
const NO_KERNEL_AFTER_MS = 3000;

interface WidgetModule {
  render(props: { model: AnyModel; el: HTMLElement }): (() => void) | undefined;
}

interface Registered {
  protocol: number;
  widget: WidgetModule;
  /** widget.css when the code came from the kernel (the lab extension loads its own). */
  css?: string;
}

interface CodeReply {
  type: string;
  esm: string;
  css: string;
}

/**
 * The kept snapshot as hosts draw it: today an `<img class="lenslab-kept">` of the SVG in a
 * text/html output (shown in untrusted notebooks too); notebooks saved by earlier versions hold
 * `image/svg+xml`, which hosts draw inline, as an <img> with the SVG URL-encoded (JupyterLab,
 * Notebook 7) or base64-encoded (nbconvert: the SVG starts `<svg class="lenslab-kept`).
 */
export const KEPT = 'svg.lenslab-kept, img.lenslab-kept, img[src*="lenslab-kept"], img[src^="data:image/svg+xml;base64,PHN2ZyBjbGFzcz0ibGVuc2xhYi1rZXB0"]';

type Slot = Registered | undefined;
const slots = globalThis as unknown as Record<symbol, Slot>;

/** The output next to this widget that holds the kept SVG snapshot (same output area only). */
export function keptSibling(el: HTMLElement): HTMLElement | null {
  let node: HTMLElement | null = el;
  for (let i = 0; node && i < 10; i++, node = node.parentElement) {
    const prev = node.previousElementSibling;
    if (prev instanceof HTMLElement && prev.querySelector(KEPT)) return prev;
    if (/(^|\s)(jp-OutputArea-child|output_area|jp-Cell|cell)(\s|$)/.test(node.className)) return null;
  }
  return null;
}

/**
 * One round trip over this widget's comm: proves a kernel is behind it (a model restored from
 * a saved notebook has none) and, with `code`, brings widget.js and widget.css.
 */
function ask(model: AnyModel, code: boolean): Promise<CodeReply> {
  return new Promise((resolve) => {
    const onMessage = (msg: unknown): void => {
      const reply = msg as CodeReply | null;
      if (!reply || reply.type !== CODE) return;
      model.off('msg:custom', onMessage);
      resolve(reply);
    };
    model.on('msg:custom', onMessage);
    try {
      model.send({ type: CODE, code });
    } catch {
      // no comm at all: nothing will answer
    }
  });
}

async function fromKernel(model: AnyModel): Promise<Registered> {
  const reply = await ask(model, true);
  const url = URL.createObjectURL(new Blob([reply.esm], { type: 'text/javascript' }));
  const m = (await import(/* @vite-ignore */ url)) as { default: WidgetModule };
  return { protocol: PROTOCOL_VERSION, widget: m.default, css: reply.css };
}

/** Runs `fn` once `el` is in the page (hosts attach the view after render returns), for ~5 s. */
function whenAttached(el: HTMLElement, fn: () => void, tries = 50): void {
  if (el.isConnected) fn();
  else if (tries > 0) setTimeout(() => whenAttached(el, fn, tries - 1), 100);
}

const styled = new WeakSet<Node>();

/** The stylesheet once per document or shadow root (marimo draws each widget in one). */
function addStyle(el: HTMLElement, css: string | undefined): void {
  const root = el.getRootNode();
  if (!css || styled.has(root)) return;
  styled.add(root);
  const style = document.createElement('style');
  style.dataset['lenslab'] = 'widget-css';
  style.textContent = css;
  (root instanceof ShadowRoot ? root : document.head).appendChild(style);
}

/**
 * The widget module, once a kernel has answered this widget (never, without a kernel). Only a
 * loaded module is shared: a widget whose kernel never answers holds up no other widget.
 */
async function widgetModule(model: AnyModel): Promise<Registered> {
  const current = (): Registered | undefined => (slots[KEY]?.protocol === PROTOCOL_VERSION ? slots[KEY] : undefined);
  const shared = current();
  if (shared) {
    await ask(model, false);
    return shared;
  }
  const loaded = await fromKernel(model);
  slots[KEY] = current() ?? loaded;
  return slots[KEY] ?? loaded;
}

export default {
  render({ model, el }: { model: AnyModel; el: HTMLElement }): () => void {
    let cleanup: (() => void) | undefined;
    let disposed = false;
    el.dataset['state'] = 'loading';
    // Hosts without a kept sibling output (marimo) keep the snapshot in the widget's state.
    const snapshot = String(model.get('snapshot') ?? '');
    if (snapshot) {
      const img = document.createElement('img');
      img.className = 'lenslab-kept';
      img.alt = 'lenslab graph (static snapshot)';
      img.src = `data:image/svg+xml,${encodeURIComponent(snapshot)}`;
      img.style.maxWidth = '100%';
      el.appendChild(img);
    }
    const timer = setTimeout(() => {
      if (disposed || cleanup) return;
      el.dataset['state'] = 'no-kernel';
      if (!snapshot && keptSibling(el)) {
        el.style.display = 'none';
        return;
      }
      const note = document.createElement('div');
      note.className = 'lenslab-no-kernel';
      note.textContent = snapshot ? 'lenslab: no kernel connected (static snapshot)' : 'lenslab: no kernel connected (run the notebook to see the graph)';
      el.prepend(note);
    }, NO_KERNEL_AFTER_MS);
    void widgetModule(model).then(({ widget, css }) => {
      clearTimeout(timer);
      if (disposed) return;
      addStyle(el, css);
      el.style.display = '';
      whenAttached(el, () => {
        const kept = keptSibling(el);
        if (kept) kept.style.display = 'none';
        // Shown again if the lab extension hid it while it read "Loading widget...".
        const output = el.closest('.jp-OutputArea-child');
        if (output instanceof HTMLElement) output.style.display = '';
      });
      el.textContent = '';
      delete el.dataset['state'];
      cleanup = widget.render({ model, el }) ?? undefined;
    });
    return () => {
      disposed = true;
      clearTimeout(timer);
      cleanup?.();
    };
  },
};
