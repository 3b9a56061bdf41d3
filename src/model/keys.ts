// Keyboard shortcuts: which command a key press means. Pure, so the map is tested and documented
// in one place; the view decides what each command does.

export type KeyCommand =
  | 'fit'
  | 'focus-search'
  | 'toggle-rolled'
  | 'toggle-buffers'
  | 'depth-up'
  | 'depth-down'
  | 'clear'
  | 'to-parent'
  | 'to-child'
  | 'prev-sibling'
  | 'next-sibling'
  | 'next-match'
  | 'prev-match';

export interface KeyPress {
  readonly key: string;
  readonly shiftKey: boolean;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly altKey: boolean;
  /** The key went to a text field (the search box): only Enter and Escape mean something. */
  readonly inTextField: boolean;
}

/** Shortcut help, shown in the toolbar's tooltip. */
export const KEY_HELP =
  'f fit \u00b7 / search \u00b7 Enter / Shift+Enter next / previous hit \u00b7 r rolled \u00b7 b buffers \u00b7 + / \u2212 depth \u00b7 ' +
  '\u2191 \u2193 parent / child \u00b7 \u2190 \u2192 siblings \u00b7 Esc clear';

export function keyCommand(k: KeyPress): KeyCommand | null {
  if (k.ctrlKey || k.metaKey || k.altKey) return null;
  if (k.key === 'Enter') return k.shiftKey ? 'prev-match' : 'next-match';
  if (k.key === 'Escape') return 'clear';
  if (k.inTextField) return null;
  switch (k.key) {
    case 'f':
      return 'fit';
    case '/':
      return 'focus-search';
    case 'r':
      return 'toggle-rolled';
    case 'b':
      return 'toggle-buffers';
    case '+':
    case '=':
      return 'depth-up';
    case '-':
    case '_':
      return 'depth-down';
    case 'ArrowUp':
      return 'to-parent';
    case 'ArrowDown':
      return 'to-child';
    case 'ArrowLeft':
      return 'prev-sibling';
    case 'ArrowRight':
      return 'next-sibling';
    default:
      return null;
  }
}
