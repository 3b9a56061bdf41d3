// Keyboard shortcuts on the widget root: the key → command table lives in model/keys.ts; this
// file turns commands into view calls, and keeps JupyterLab's notebook shortcuts out.
import { keyCommand } from '../model/keys.ts';
import type { KeyCommand } from '../model/keys.ts';

export type Move = 'parent' | 'child' | 'prev-sibling' | 'next-sibling';

/** What the shortcuts drive (LensView). */
export interface KeyTarget {
  readonly loaded: boolean;
  readonly rolled: boolean;
  readonly depth: number;
  readonly showBuffers: boolean;
  fit(): void;
  setRolled(rolled: boolean): Promise<void>;
  setDepth(depth: number): Promise<void>;
  setShowBuffers(show: boolean): Promise<void>;
  select(id: string): Promise<void>;
  search(query: string): string[];
  stepSearch(delta: number): Promise<void>;
  /** Selects the neighbour of the selection (or the first node) and zooms to it. */
  move(m: Move): Promise<void>;
}

/** Listens for keys on `root`; returns a function that stops listening. */
export function attachKeyboard(root: HTMLElement, searchBox: () => HTMLInputElement | null, view: KeyTarget): () => void {
  const onKey = (ev: KeyboardEvent): void => {
    const t = ev.target;
    const inTextField = t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement;
    if (t instanceof Element && t.closest('[role="tree"]') && ev.key.startsWith('Arrow')) return;
    if (t instanceof HTMLButtonElement && (ev.key === 'Enter' || ev.key === ' ')) return;
    const cmd = keyCommand({ key: ev.key, shiftKey: ev.shiftKey, ctrlKey: ev.ctrlKey, metaKey: ev.metaKey, altKey: ev.altKey, inTextField });
    if (!cmd || !view.loaded) return;
    ev.preventDefault();
    ev.stopPropagation(); // keep JupyterLab's notebook shortcuts out of the widget
    void run(cmd, inTextField);
  };
  const run = (cmd: KeyCommand, inTextField: boolean): Promise<void> | void => {
    switch (cmd) {
      case 'fit':
        return view.fit();
      case 'focus-search':
        searchBox()?.focus();
        return;
      case 'toggle-rolled':
        return view.setRolled(!view.rolled);
      case 'toggle-buffers':
        return view.setShowBuffers(!view.showBuffers);
      case 'depth-up':
        return view.setDepth(view.depth + 1);
      case 'depth-down':
        return view.setDepth(view.depth - 1);
      case 'clear': {
        if (inTextField) {
          const box = searchBox();
          if (box?.value) {
            box.value = '';
            view.search('');
          }
          root.focus({ preventScroll: true });
        }
        return view.select('');
      }
      case 'next-match':
        return view.stepSearch(1);
      case 'prev-match':
        return view.stepSearch(-1);
      case 'to-parent':
        return view.move('parent');
      case 'to-child':
        return view.move('child');
      case 'prev-sibling':
        return view.move('prev-sibling');
      case 'next-sibling':
        return view.move('next-sibling');
    }
  };
  root.addEventListener('keydown', onKey);
  return () => root.removeEventListener('keydown', onKey);
}
