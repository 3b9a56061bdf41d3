// Phase 1 of the layout (./layout.ts): every edge cut into pieces, one per box it crosses, each
// piece numbered once (edges through one piece share it); each box's items (nodes, child boxes,
// then the ports its pieces use); edge labels put on one piece each.
import { FOLD_PREFIX } from '../graph/fold.ts';
import { KEY_SEP, edgeKey, groupItemId, inPort, isPort, outPort } from './types.ts';
import type { LayoutEdge, LayoutInput, LayoutNode } from './types.ts';

export const ROOT = '';
export const edgeText = (e: Pick<LayoutEdge, 'branch' | 'label'>): string => [e.branch, e.label].filter(Boolean).join(' ');

/** One piece of a visible edge's route, laid out inside one box (or the top level). Pieces are
 *  shared: every edge through one piece holds the same object. */
export interface Segment {
  readonly group: string;
  readonly from: string;
  readonly to: string;
  /** Label, on the piece that reaches the target. */
  readonly text: string;
}

/** One visible edge, cut into pieces: which piece carries its label and the text drawn there. */
export interface RoutedEdge {
  readonly edge: LayoutEdge;
  readonly segments: readonly Segment[];
  /** Index of the labelled piece, -1: none. */
  readonly labelled: number;
  readonly drawnText: string;
}

/** Phase 1's result: each box's items (nodes, child boxes, ports) and pieces, and the routes. */
export interface Routes {
  readonly members: ReadonlyMap<string, readonly string[]>;
  readonly segmentsIn: ReadonlyMap<string, readonly Segment[]>;
  readonly routed: readonly RoutedEdge[];
}

const push = <T>(m: Map<string, T[]>, g: string, v: T): void => {
  const list = m.get(g);
  if (list) list.push(v);
  else m.set(g, [v]);
};

/** A piece while routing: its text is set once labels are placed. */
interface OpenPiece {
  readonly group: string;
  readonly from: string;
  readonly to: string;
  text: string;
}

/** Names per number key part: three parts stay below 2^53 (exact as a double). */
const NAMES = 2 ** 17;

/** Pieces by number: the same (box, from, to) is one piece, whichever edges pass through it. */
class PieceTable {
  readonly list: OpenPiece[] = [];
  /** Boxes and item ids by number, so a piece is found by a number, not a joined string. */
  private readonly names = new Map<string, number>();
  private readonly index = new Map<number, number>();
  /** Pieces with a name numbered beyond what a number key holds: keys as joined strings. */
  private readonly byText = new Map<string, number>();

  /** The piece of an edge between two nodes of one box: its own (edges of a visible graph are
   *  unique), so it is not looked up. */
  own(group: string, from: string, to: string): number {
    this.list.push({ group, from, to, text: '' });
    return this.list.length - 1;
  }

  of(group: string, from: string, to: string): number {
    const g = this.name(group);
    const f = this.name(from);
    const t = this.name(to);
    // A name keeps its number: a piece's key is always the same one of the two kinds.
    const fits = g < NAMES && f < NAMES && t < NAMES;
    const key = fits ? (g * NAMES + f) * NAMES + t : `${group}${KEY_SEP}${from}${KEY_SEP}${to}`;
    let i = typeof key === 'number' ? this.index.get(key) : this.byText.get(key);
    if (i === undefined) {
      i = this.list.length;
      if (typeof key === 'number') this.index.set(key, i);
      else this.byText.set(key, i);
      this.list.push({ group, from, to, text: '' });
    }
    return i;
  }

  private name(s: string): number {
    let n = this.names.get(s);
    if (n === undefined) this.names.set(s, (n = this.names.size));
    return n;
  }
}

/**
 * Splits an edge into pieces: up through the boxes around its source (to their out ports),
 * across the lowest box holding both ends, and down through the boxes around its target (from
 * their in ports). Each piece is laid out by its own box's layout run.
 */
function segmentsOf(
  a: LayoutNode,
  b: LayoutNode,
  chainOf: (g: string) => string[],
  inPortOf: (group: string, source: string) => string,
  pieces: PieceTable,
): number[] {
  const ga = a.group ?? ROOT;
  const gb = b.group ?? ROOT;
  if (ga === gb) return [pieces.own(ga, a.id, b.id)]; // most edges: both ends in one box
  const ca = chainOf(ga);
  const cb = chainOf(gb);
  let i = 0;
  while (i + 1 < ca.length && i + 1 < cb.length && ca[i + 1] === cb[i + 1]) i += 1;
  const inner = (chain: string[], j: number, end: string): string =>
    j + 1 < chain.length ? groupItemId(chain[j + 1] ?? '') : end;
  const segs: number[] = [];
  for (let j = ca.length - 1; j > i; j--) segs.push(pieces.of(ca[j] ?? ROOT, inner(ca, j, a.id), outPort(a.id)));
  segs.push(pieces.of(ca[i] ?? ROOT, inner(ca, i, a.id), inner(cb, i, b.id)));
  for (let j = i + 1; j < cb.length; j++) {
    const group = cb[j] ?? ROOT;
    segs.push(pieces.of(group, inPortOf(group, a.id), inner(cb, j, b.id)));
  }
  return segs;
}

/**
 * Puts each edge's label on one of its pieces: the last one (reaching the target), unless edges
 * fanning out from one source share an earlier piece and all carry the same label (an input
 * feeding the same argument slot of two ops in a box): then that label goes once on the shared
 * piece, before the fork. Returns, per edge, its labelled piece (-1: none) and the text drawn
 * there by this edge ("" when an earlier edge draws it). Different labels that land on one
 * piece (two edges leaving a box by the same piece) are drawn together: "arg 0 / arg 1".
 */
function placeLabels(texts: readonly string[], routes: readonly (readonly number[])[], pieceCount: number): { at: number; text: string }[] {
  // Per piece: how many edges pass, and whether they all carry one text (the first one's).
  const users = new Int32Array(pieceCount);
  const first: string[] = new Array<string>(pieceCount);
  const mixed = new Uint8Array(pieceCount);
  routes.forEach((route, e) => {
    const text = texts[e] ?? '';
    for (const p of route) {
      if (users[p] === 0) first[p] = text;
      else if (first[p] !== text) mixed[p] = 1;
      users[p] = (users[p] ?? 0) + 1;
    }
  });
  const chosen = routes.map((route, e) => {
    if (!texts[e]) return -1;
    for (let k = route.length - 1; k >= 0; k--) {
      const p = route[k] ?? 0;
      if ((users[p] ?? 0) > 1 && !mixed[p]) return k;
    }
    return route.length - 1;
  });
  const onPiece = new Map<number, string[]>();
  routes.forEach((route, e) => {
    const at = chosen[e] ?? -1;
    if (at < 0) return;
    const p = route[at] ?? 0;
    const list = onPiece.get(p) ?? [];
    const text = texts[e] ?? '';
    if (!list.includes(text)) list.push(text);
    onPiece.set(p, list);
  });
  const drawn = new Uint8Array(pieceCount);
  return routes.map((route, e) => {
    const at = chosen[e] ?? -1;
    if (at < 0) return { at, text: '' };
    const p = route[at] ?? 0;
    const text = drawn[p] ? '' : (onPiece.get(p) ?? []).join(' / ');
    drawn[p] = 1;
    return { at, text };
  });
}

/**
 * Phase 1: the contents of every box (its nodes and child boxes in a stable order, then the
 * ports its pieces use) and each edge cut into pieces, one per box it crosses, labelled.
 */
export function routeEdges(graph: LayoutInput): Routes {
  const nodeById = new Map<string, LayoutNode>();
  for (const n of graph.nodes) nodeById.set(n.id, n);
  const chainOf = boxChains(graph);
  const members = new Map<string, string[]>();
  let lastGroup: string | null = null;
  let lastList: string[] = [];
  for (const n of graph.nodes) {
    const g = n.group ?? ROOT;
    if (g !== lastGroup) {
      lastGroup = g;
      lastList = members.get(g) ?? [];
      members.set(g, lastList);
    }
    lastList.push(n.id);
  }
  for (const g of graph.groups) push(members, g.parent ?? ROOT, groupItemId(g.key));
  const inPorts = new Map<string, Map<string, string>>();
  const inPortOf = (group: string, source: string): string => {
    let ports = inPorts.get(group);
    if (!ports) inPorts.set(group, (ports = new Map()));
    let port = ports.get(source);
    if (!port) ports.set(source, (port = inPort(ports.size)));
    return port;
  };
  const pieces = new PieceTable();
  const edges: LayoutEdge[] = [];
  const paths: number[][] = [];
  for (const edge of graph.edges) {
    const a = nodeById.get(edge.from);
    const b = nodeById.get(edge.to);
    if (!a || !b) continue;
    edges.push(edge);
    paths.push(segmentsOf(a, b, chainOf, inPortOf, pieces));
  }
  const texts = edges.map(edgeText);
  const labels = placeLabels(texts, paths, pieces.list.length);
  // A piece that carries a label carries it on every route through it.
  labels.forEach((l, e) => {
    const p = l.text ? paths[e]?.[l.at] : undefined;
    if (p !== undefined) (pieces.list[p] as OpenPiece).text = l.text;
  });
  const list: readonly Segment[] = pieces.list;
  const routed = edges.map((edge, e): RoutedEdge => {
    const { at, text } = labels[e] ?? { at: -1, text: '' };
    return { edge, labelled: at, drawnText: text, segments: (paths[e] ?? []).map((p) => list[p] as Segment) };
  });
  const segmentsIn = new Map<string, Segment[]>();
  const seenPiece = new Uint8Array(list.length);
  const seenPort = new Set<string>();
  for (const path of paths) {
    for (const p of path) {
      if (seenPiece[p]) continue;
      seenPiece[p] = 1;
      const s = list[p] as Segment;
      push(segmentsIn, s.group, s);
      for (const end of [s.from, s.to]) {
        if (!isPort(end)) continue;
        const key = edgeKey(s.group, end);
        if (seenPort.has(key)) continue;
        seenPort.add(key);
        push(members, s.group, end);
      }
    }
  }
  return { members, segmentsIn, routed };
}

/** The chain of box keys from the top level (ROOT) down to each box. */
/** Whether a box (a node's group; null: the top level) lies in a fold (graph/fold.ts): the fold's
 *  own box or one inside it. */
export function inFoldOf(graph: LayoutInput): (g: string | null) => boolean {
  const chainOf = boxChains(graph);
  const known = new Map<string, boolean>();
  return (g) => {
    if (g === null) return false;
    let v = known.get(g);
    if (v === undefined) known.set(g, (v = chainOf(g).some((k) => k.startsWith(FOLD_PREFIX))));
    return v;
  };
}

export function boxChains(graph: LayoutInput): (g: string) => string[] {
  const parentOf = new Map<string, string>(graph.groups.map((g) => [g.key, g.parent ?? ROOT]));
  const chains = new Map<string, string[]>();
  const chainOf = (g: string): string[] => {
    let c = chains.get(g);
    if (!c) {
      c = g === ROOT ? [ROOT] : [...chainOf(parentOf.get(g) ?? ROOT), g];
      chains.set(g, c);
    }
    return c;
  };
  return chainOf;
}
