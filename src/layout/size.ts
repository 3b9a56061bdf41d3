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


export function nodeSize(node: Pick<VisibleNode, 'lines' | 'shape'>): Size {
  let longest = 0;
  for (const line of node.lines) longest = Math.max(longest, textWidth(line));
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

export function groupSize(group: Pick<VisibleGroup, 'title' | 'subtitle'>, content: Size): Size {
  return {
    width: Math.ceil(Math.max(content.width, textWidth(groupHeader(group)) + 8) + 2 * GROUP_PAD),
    height: Math.ceil(content.height + GROUP_HEADER + GROUP_PAD),
  };
}

export function edgeLabelSize(label: string): Size {
  return label ? { width: textWidth(label) + 6, height: LINE_H } : { width: 0, height: 0 };
}
