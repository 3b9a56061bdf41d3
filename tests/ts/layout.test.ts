import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTrace } from '../../src/model/trace.ts';
import { initialViewState, withExpanded } from '../../src/model/view-state.ts';
import { buildHierarchy } from '../../src/graph/hierarchy.ts';
import { buildVisibleGraph } from '../../src/graph/visible.ts';
import type { VisibleGraph } from '../../src/graph/visible.ts';
import { expandedForDepth } from '../../src/graph/depth.ts';
import { LayoutCache, layoutGraph } from '../../src/layout/layout.ts';
import type { Box, GraphLayout } from '../../src/layout/layout.ts';
import { loadFixture, syntheticDeep } from './fixtures/load.ts';
import type { WireGraph, WireOp } from '../../src/protocol/schema.ts';

const cnn = createTrace(loadFixture('small_cnn'));
const loop = createTrace(loadFixture('recurrent_loop'));

function visible(trace = cnn, depth = 99, rolled = false, closed: string[] = []): VisibleGraph {
  const h = buildHierarchy(trace, rolled);
  const s = withExpanded(initialViewState(expandedForDepth(h, depth), depth), closed, false);
  return buildVisibleGraph(trace, h, s);
}

/** input → `n` parallel two-op branches → cat → output: one top-level box of 2n + 3 items. */
function syntheticWide(n: number): WireGraph {
  const ops: WireOp[] = [];
  const op = (label: string, type: string, parents: number[]): number => {
    ops.push({
      label: `${label}:1`, layer: label, type, func: type, pass_index: 1, num_passes: 1,
      role: type === 'input' ? 'input' : type === 'output' ? 'output' : 'op', shape: [1, 4],
      dtype: 'float32', parents, parent_args: parents.map((_, i) => String(i)), module_call: -1,
      num_params: 0, params: [], has_input_ancestor: true, time_s: 0, flops: 0, bool_value: null, source: '', caller: '',
    });
    return ops.length - 1;
  };
  const x = op('input_1', 'input', []);
  const ends: number[] = [];
  for (let i = 0; i < n; i++) ends.push(op(`relu_${i + 1}_${2 * i + 2}`, 'relu', [op(`sin_${i + 1}_${2 * i + 1}`, 'sin', [x])]));
  op('output_1', 'output', [op(`cat_1_${2 * n + 1}`, 'cat', ends)]);
  return { schema_version: 1, model_type: 'Wide', ops, module_calls: [], modules: [], branch_edges: [] };
}

const overlaps = (a: Box, b: Box): boolean =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const inside = (a: Box, b: Box): boolean =>
  a.x >= b.x && a.y >= b.y && a.x + a.width <= b.x + b.width && a.y + a.height <= b.y + b.height;

/** Every pair of siblings (nodes and boxes directly in the same box) is disjoint. */
function assertSiblingsDisjoint(g: VisibleGraph, l: GraphLayout): void {
  const byParent = new Map<string, Box[]>();
  const add = (parent: string | null, b: Box | undefined): void => {
    assert.ok(b, 'every item has a box');
    const k = parent ?? '';
    byParent.set(k, [...(byParent.get(k) ?? []), b]);
  };
  for (const n of g.nodes) add(n.group, l.nodes.get(n.id));
  for (const grp of g.groups) add(grp.parent, l.groups.get(grp.key));
  for (const [parent, boxes] of byParent) {
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        assert.ok(!overlaps(boxes[i] as Box, boxes[j] as Box), `siblings ${i},${j} in "${parent}" overlap`);
      }
    }
  }
}

test('layout gives every node a box, siblings never overlap, and boxes contain their contents', () => {
  for (const g of [visible(), visible(cnn, 2), visible(loop), visible(loop, 99, true), visible(loop, 1)]) {
    const l = layoutGraph(g);
    assert.equal(l.nodes.size, g.nodes.length);
    assert.equal(l.groups.size, g.groups.length);
    assertSiblingsDisjoint(g, l);
    for (const n of g.nodes) {
      if (n.group !== null) assert.ok(inside(l.nodes.get(n.id) as Box, l.groups.get(n.group) as Box), `${n.id} in ${n.group}`);
    }
    for (const grp of g.groups) {
      if (grp.parent !== null) assert.ok(inside(l.groups.get(grp.key) as Box, l.groups.get(grp.parent) as Box));
    }
  }
});

test('layout runs top-down in execution order', () => {
  const l = layoutGraph(visible());
  const y = (id: string): number => l.nodes.get(id)?.y ?? NaN;
  assert.ok(y('input_1:1') < y('conv2d_1_1:1'));
  assert.ok(y('conv2d_1_1:1') < y('batchnorm_1_2:1'));
  assert.ok(y('conv2d_3_6:1') < y('add_1_7:1'));
  assert.ok(y('add_1_7:1') < y('output_1:1'));
});

test('edges start at their source and end at their target, also across module boxes', () => {
  const g = visible();
  const l = layoutGraph(g);
  assert.equal(l.edges.length, g.edges.length);
  for (const e of l.edges) {
    const a = l.nodes.get(e.from) as Box;
    const b = l.nodes.get(e.to) as Box;
    const first = e.points[0];
    const last = e.points[e.points.length - 1];
    assert.ok(first && last && e.points.length >= 2, `${e.from}->${e.to} has a route`);
    assert.ok(Math.abs(first.y - (a.y + a.height)) < 1.5, `${e.from}->${e.to} leaves the source bottom`);
    assert.ok(Math.abs(last.y - b.y) < 1.5, `${e.from}->${e.to} reaches the target top`);
  }
});

test('labelled edges get a label position', () => {
  const l = layoutGraph(visible(loop));
  const sub = l.edges.find((e) => e.from === 'mean_1_11:1' && e.to === 'sub_1_12:1');
  assert.equal(sub?.text, 'arg 1');
  assert.ok(sub?.labelAt);
  const ifEdge = l.edges.find((e) => e.to === 'sum_1_9:1');
  assert.equal(ifEdge?.text, 'IF');
});

test('group layouts are cached: toggling one module re-lays out only it and its ancestors', () => {
  const cache = new LayoutCache();
  layoutGraph(visible(), cache);
  assert.equal(cache.runs, 4, 'stem, block, head and the top level');
  layoutGraph(visible(cnn, 99, false, ['stem']), cache);
  assert.equal(cache.runs, 5, 'only the top level changes when stem closes');
  layoutGraph(visible(), cache);
  assert.equal(cache.runs, 5, 'reopening stem reuses every cached box');
  layoutGraph(visible(cnn, 99, true), cache);
  assert.equal(cache.runs, 5, 'a loop-free model rolled has the same box shapes: boxes are cached by structure, not ids');
  layoutGraph(visible(), cache);
  assert.equal(cache.runs, 5, 'switching back to unrolled is free');
});

test('identical boxes (repeated blocks) are laid out once and placed apart', () => {
  const cache = new LayoutCache();
  const g = createTrace(syntheticDeep(2, 3, 4));
  const l = layoutGraph(visible(g, 99), cache);
  // 6 blocks, 2 stages and the top level: 9 boxes, fewer runs (labels of equal length share).
  assert.ok(cache.runs < 9, `${cache.runs} runs`);
  const blocks = [...l.groups.entries()].filter(([k]) => /\.b\d+/.test(k)).map(([, b]) => b);
  assert.equal(blocks.length, 6);
  assert.equal(new Set(blocks.map((b) => `${b.x},${b.y}`)).size, 6, 'each block has its own place');
});

test('very large boxes get the linear layered layout: ranks top-down, no overlaps, edges attached', () => {
  const g = createTrace(syntheticWide(200));
  const l = layoutGraph(visible(g, 99));
  const boxes = [...l.nodes.values()];
  assert.equal(boxes.length, g.ops.length);
  const rows = new Map<number, typeof boxes>();
  for (const b of boxes) rows.set(Math.round(b.y + b.height / 2), [...(rows.get(Math.round(b.y + b.height / 2)) ?? []), b]);
  for (const row of rows.values()) {
    row.sort((a, b) => a.x - b.x);
    for (let i = 1; i < row.length; i++) assert.ok((row[i]?.x ?? 0) >= (row[i - 1]?.x ?? 0) + (row[i - 1]?.width ?? 0), 'no overlap');
  }
  for (const e of l.edges) {
    const a = l.nodes.get(e.from);
    const b = l.nodes.get(e.to);
    assert.ok(a && b && a.y < b.y, `${e.from} above ${e.to}`);
    assert.ok(Math.abs((e.points[0]?.y ?? 0) - ((a?.y ?? 0) + (a?.height ?? 0))) < 1.5);
    assert.ok(Math.abs((e.points.at(-1)?.y ?? 0) - (b?.y ?? 0)) < 1.5);
  }
});

test('self loops are routed beside their node', () => {
  const g2 = structuredClone(loop.graph);
  g2.ops[8]?.parents.push(4);
  g2.ops[8]?.parent_args.push('2');
  const l = layoutGraph(visible(createTrace(g2), 99, true));
  const loopEdge = l.edges.find((e) => e.selfLoop);
  const box = l.nodes.get('add_1_4') as Box;
  assert.equal(loopEdge?.from, 'add_1_4');
  assert.ok(loopEdge?.points.every((p) => p.x >= box.x + box.width));
});
