// Node and box sizes, estimated from text length so layout needs no DOM (and can run in a
// Worker). The stylesheet draws node text in a monospace font at FONT_PX to match.
import type { VisibleGroup, VisibleNode } from '../graph/visible.ts';

export const FONT_PX = 11;
export const CHAR_W = 6.7;
export const LINE_H = 14;
const PAD_X = 10;
const PAD_Y = 6;
/** Offset of the back sheet of a collapsed module's stacked box. */
export const STACK_OFFSET = 5;

export const GROUP_PAD = 12;
export const GROUP_HEADER = 26;

export interface Size {
  readonly width: number;
  readonly height: number;
}

export function textWidth(text: string): number {
  return text.length * CHAR_W;
}

/** Inside a fold (graph/fold.ts), numbers in text are measured at least this many digits wide:
 *  the copies of a block differ only in their counters (linear_42_368, linear_1399_11948), so
 *  they get one size each and share one cached layout (a select into any copy is laid out warm). */
export const FOLD_DIGITS = 5;

/** How wide `text` is measured inside a fold: its numbers padded to FOLD_DIGITS. */
export function foldedWidth(text: string): number {
  let width = text.length;
  let run = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0;
    if (c >= 48 && c <= 57) run += 1;
    else if (run > 0) {
      if (run < FOLD_DIGITS) width += FOLD_DIGITS - run;
      run = 0;
    }
  }
  return width * CHAR_W;
}


/** `inFold`: the node lies inside a fold, its numbers measured as FOLD_DIGITS wide. */
export function nodeSize(node: Pick<VisibleNode, 'lines' | 'shape'>, inFold = false): Size {
  let longest = 0;
  for (const line of node.lines) longest = Math.max(longest, inFold ? foldedWidth(line) : textWidth(line));
  let width = Math.max(64, longest + 2 * PAD_X);
  let height = node.lines.length * LINE_H + 2 * PAD_Y;
  if (node.shape === 'oval') {
    width = width * 1.1 + 12;
    height += 4;
  }
  if (node.shape === 'stack') {
    width += STACK_OFFSET;
    height += STACK_OFFSET;
  }
  return { width: Math.ceil(width), height: Math.ceil(height) };
}

/** The header line of a module box: "@address (Type)". */
export function groupHeader(group: Pick<VisibleGroup, 'title' | 'subtitle'>): string {
  return `${group.title} ${group.subtitle}`;
}

export function groupSize(group: Pick<VisibleGroup, 'title' | 'subtitle'>, content: Size, inFold = false): Size {
  const header = groupHeader(group);
  return {
    width: Math.ceil(Math.max(content.width, (inFold ? foldedWidth(header) : textWidth(header)) + 8) + 2 * GROUP_PAD),
    height: Math.ceil(content.height + GROUP_HEADER + GROUP_PAD),
  };
}

export function edgeLabelSize(label: string): Size {
  return label ? { width: textWidth(label) + 6, height: LINE_H } : { width: 0, height: 0 };
}
