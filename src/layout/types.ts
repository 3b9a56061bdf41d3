// The layout's data shapes and the sentinel characters of its internal ids, in one place
// (layout.ts, box.ts and layered.ts share them). Types and tiny pure helpers only.
import type { BranchKind, VisibleEdge, VisibleGroup, VisibleNode } from '../graph/visible.ts';
import type { Direction } from '../model/view-state.ts';
import type { Size } from './size.ts';

/** What layout reads of a drawn node: its text and shape give its size (./size.ts nodeSize),
 *  unless the size is given (the layout worker gets sizes, not text: ./transfer.ts). */
export type LayoutNode = Pick<VisibleNode, 'id' | 'group' | 'selfLoop'> & ({ readonly size: Size } | Pick<VisibleNode, 'lines' | 'shape'>);
export type LayoutEdge = Pick<VisibleEdge, 'from' | 'to' | 'label' | 'branch' | 'dashed'>;
export type LayoutGroup = Pick<VisibleGroup, 'key' | 'parent' | 'title' | 'subtitle'>;

/** What layout reads of a visible graph (a VisibleGraph is one). */
export interface LayoutInput {
  readonly nodes: readonly LayoutNode[];
  readonly edges: readonly LayoutEdge[];
  readonly groups: readonly LayoutGroup[];
  readonly direction?: Direction | undefined;
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** Absolute, top-left based. */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface EdgeRoute {
  readonly from: string;
  readonly to: string;
  readonly points: readonly Point[];
  readonly text: string;
  readonly branch: BranchKind;
  /** Where the label goes (null when there is no label). */
  readonly labelAt: Point | null;
  readonly dashed: boolean;
  readonly selfLoop: boolean;
}

export interface GraphLayout {
  readonly nodes: ReadonlyMap<string, Box>;
  readonly groups: ReadonlyMap<string, Box>;
  readonly edges: readonly EdgeRoute[];
  readonly width: number;
  readonly height: number;
}

/** One edge piece inside a box, between two of its items (nodes, child boxes or ports). */
export interface Piece {
  readonly from: string;
  readonly to: string;
  readonly text: string;
}

/** A routed piece: its polyline and where its label goes (null: no label). */
export interface PieceRoute {
  points: Point[];
  labelAt: Point | null;
}

/** A box's layout by position: `items[i]` is the i-th item asked for, `edges[k]` the k-th piece. */
export interface ShapeLayout {
  readonly size: Size;
  readonly items: readonly Box[];
  readonly edges: readonly PieceRoute[];
}

/** A box's layout by id (what an engine returns before it is keyed by position). */
export interface Placed {
  readonly size: Size;
  readonly items: ReadonlyMap<string, Box>;
  readonly edges: ReadonlyMap<string, PieceRoute>;
}

// Internal ids: user labels never contain these control characters, so nothing collides.
/** Joins the parts of a key (an edge's ends; a segment's group and ends). */
export const KEY_SEP = '\u0000';
/** Prefixes the item that stands for a child box inside its parent's layout. */
export const GROUP_ITEM = '\u0001';
/** Separates item sizes from pieces in a box's shape key. */
export const SHAPE_SEP = '\u0002';
/** Prefixes port items: where an edge enters (in) or leaves (out) a box. */
export const PORT = '\u0003';
export const IN_PORT = `${PORT}i:`;
export const OUT_PORT = `${PORT}o:`;
/** Prefixes the hub items that gather many port fences (box.ts). */
export const HUB = '\u0004';

export const edgeKey = (from: string, to: string): string => `${from}${KEY_SEP}${to}`;
export const groupItemId = (key: string): string => `${GROUP_ITEM}${key}`;
export const isGroupItem = (id: string): boolean => id.startsWith(GROUP_ITEM);
export const isPort = (id: string): boolean => id.startsWith(PORT);
export const isInPort = (id: string): boolean => id.startsWith(IN_PORT);
export const isOutPort = (id: string): boolean => id.startsWith(OUT_PORT);
/** Out ports are named by their source node. */
export const outPort = (source: string): string => `${OUT_PORT}${source}`;
/** In ports are numbered per box (not named by their source) so a box's layout does not
 *  change when only the node outside feeding it does. */
export const inPort = (n: number): string => `${IN_PORT}${n}`;
