// The pure planning phases of the canvas renderer (src/render/canvas.ts): what is in view,
// how edges and nodes are batched, arrowheads and text placement. Drawing itself only replays
// these plans on the 2D context.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arrowHead, drawCanvas, nodeTextLines, planEdges, planNodes, viewport } from '../../src/render/canvas.ts';
import { layoutGraph } from '../../src/layout/layout.ts';
import { LINE_H } from '../../src/layout/size.ts';
import { createTrace } from '../../src/model/trace.ts';
import { initialViewState } from '../../src/model/view-state.ts';
import { buildHierarchy } from '../../src/graph/hierarchy.ts';
import { buildVisibleGraph } from '../../src/graph/visible.ts';
import { expandedForDepth } from '../../src/graph/depth.ts';
import { loadFixture } from './fixtures/load.ts';
import { randomGraph, rng } from './fixtures/random-graph.ts';
import { INDEX_MIN_ITEMS } from '../../src/render/spatial.ts';

const trace = createTrace(loadFixture('small_cnn'));
const h = buildHierarchy(trace, false);
const graph = buildVisibleGraph(trace, h, initialViewState(expandedForDepth(h, 99), 99));
const layout = layoutGraph(graph);
const idle = { selected: null, matches: new Set<string>(), current: null, fills: new Map(), hoverGroup: '' };

test('viewport: the visible world rectangle plus a margin; text only when legible', () => {
  const v = viewport({ width: 800, height: 600 }, { x: -100, y: 50, k: 2 });
  assert.deepEqual([v.x0, v.y0, v.x1, v.y1], [50 - 32, -25 - 32, 450 + 32, 275 + 32]);
  assert.ok(v.readable && v.labelled);
  const far = viewport({ width: 800, height: 600 }, { x: 0, y: 0, k: 0.3 });
  assert.ok(!far.readable && !far.labelled && far.lw > 3);
});

test('edges: everything in view is planned; off-screen edges and nodes are not', () => {
  const all = viewport({ width: 1e5, height: 1e5 }, { x: 1e4, y: 1e4, k: 1 });
  const plan = planEdges(layout.edges, all);
  assert.equal(plan.solid.length + plan.dashed.length, layout.edges.length);
  assert.equal(plan.arrows.length, layout.edges.length);
  const nodes = planNodes(graph, layout, all, idle);
  assert.equal([...nodes.byFill.values()].reduce((s, l) => s + l.length, 0), graph.nodes.length);
  const away = viewport({ width: 100, height: 100 }, { x: 1e6, y: 1e6, k: 1 });
  assert.equal(planEdges(layout.edges, away).solid.length, 0);
  assert.equal(planNodes(graph, layout, away, idle).byFill.size, 0);
});

test('nodes: batched by fill; the selected op and search hits are marked', () => {
  const all = viewport({ width: 1e5, height: 1e5 }, { x: 1e4, y: 1e4, k: 1 });
  const plan = planNodes(graph, layout, all, { ...idle, selected: 'conv2d_1_1:1', matches: new Set(['relu_1_3:1']) });
  assert.deepEqual(plan.marked.map(([n]) => n.id).sort(), ['conv2d_1_1:1', 'relu_1_3:1']);
  const fills = [...plan.byFill.keys()];
  assert.ok(fills.includes('#98fb98') && fills.includes('#e6e6e6'), fills.join(' ')); // input, has params
});

test('arrowheads point along the last segment; text lines are centred in the face', () => {
  const head = arrowHead([{ x: 0, y: 0 }, { x: 0, y: 10 }]);
  assert.deepEqual(head, [{ x: 0, y: 10 }, { x: -3, y: 3 }, { x: 3, y: 3 }]); // 7 back, 3 to each side
  assert.equal(arrowHead([{ x: 1, y: 1 }]), null);
  const n = graph.nodes.find((x) => x.id === 'conv2d_1_1:1');
  assert.ok(n);
  const lines = nodeTextLines(n, { x: 0, y: 0, width: 100, height: 60 });
  assert.equal(lines.length, n.lines.length);
  assert.ok(lines[0]?.bold && !lines[1]?.bold && lines.every((l) => l.x === 50));
  assert.equal((lines[1]?.y ?? 0) - (lines[0]?.y ?? 0), LINE_H);
  assert.equal(((lines[0]?.y ?? 0) + (lines[lines.length - 1]?.y ?? 0)) / 2, 30);
});

test('big graphs: the row index plans exactly what looking at every node and edge plans', () => {
  // Thousands of nodes (copies of one random block), so the index is used; viewports all over.
  const big = randomGraph(7, 600);
  const laid = layoutGraph(big);
  assert.ok(big.nodes.length >= INDEX_MIN_ITEMS && laid.edges.length >= INDEX_MIN_ITEMS, `${big.nodes.length} nodes`);
  const meets = (b: { x: number; y: number; width: number; height: number }, v: ReturnType<typeof viewport>): boolean =>
    b.x <= v.x1 && b.x + b.width >= v.x0 && b.y <= v.y1 && b.y + b.height >= v.y0;
  const r = rng(3);
  let seen = 0;
  for (let k = 0; k < 40; k++) {
    const cam = { x: -r() * laid.width, y: -r() * laid.height, k: 0.2 + r() * 2 };
    const v = viewport({ width: 1400, height: 900 }, cam);
    const nodes = planNodes(big, laid, v, idle);
    const planned = [...nodes.byFill.values()].flat().map(([n]) => n.id).sort();
    const expected = big.nodes.filter((n) => { const b = laid.nodes.get(n.id); return b && meets(b, v); }).map((n) => n.id).sort();
    assert.deepEqual(planned, expected, `nodes, camera ${JSON.stringify(cam)}`);
    seen += planned.length > 0 && planned.length < big.nodes.length ? 1 : 0;
    const edges = planEdges(laid.edges, v);
    const inView = laid.edges.filter((e) => e.points.length > 0 && meets(bounds(e.points), v));
    assert.deepEqual([...edges.solid, ...edges.dashed].length, inView.length, `edges, camera ${JSON.stringify(cam)}`);
    assert.deepEqual(edges.solid, inView.filter((e) => !e.dashed), 'solid edges in order');
  }
  assert.ok(seen >= 10, `most viewports see part of the graph (${seen})`);
});

function bounds(points: readonly { x: number; y: number }[]): { x: number; y: number; width: number; height: number } {
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const [x0, y0] = [Math.min(...xs), Math.min(...ys)];
  return { x: x0, y: y0, width: Math.max(...xs) - x0, height: Math.max(...ys) - y0 };
}

/** A 2D context stand-in that records calls and style settings in order. */
function recorder(): { ctx: CanvasRenderingContext2D; log: string[] } {
  const log: string[] = [];
  const props: Record<string, unknown> = {};
  const ctx = new Proxy(props, {
    get: (t, key: string) => (key in t ? t[key] : (...args: unknown[]) => void log.push(`${key}(${args.map(String).join(',')})`)),
    set: (t, key: string, value: unknown) => {
      t[key] = value;
      log.push(`${key}=${String(value)}`);
      return true;
    },
  });
  return { ctx: ctx as unknown as CanvasRenderingContext2D, log };
}

test('compare widgets: ops only run b ran get a dashed blue outline and edges, as in SVG', () => {
  const id = 'relu_1_3:1';
  const touching = graph.edges.filter((e) => e.from === id || e.to === id).map((e) => `${e.from}\u2192${e.to}`);
  assert.ok(touching.length >= 2, 'the op has edges in and out');
  const blue = { ...idle, onlyB: new Set([id]), onlyBEdges: new Set(touching) };
  const all = viewport({ width: 1e5, height: 1e5 }, { x: 1e4, y: 1e4, k: 1 });
  const edges = planEdges(layout.edges, all, blue.onlyBEdges);
  assert.deepEqual(edges.onlyB.map((e) => `${e.from}\u2192${e.to}`).sort(), [...touching].sort());
  assert.equal(edges.solid.length + edges.dashed.length + edges.onlyB.length, layout.edges.length, 'each edge drawn once');
  assert.equal(edges.onlyBArrows.length, touching.length);
  assert.deepEqual(planNodes(graph, layout, all, blue).onlyB.map(([n]) => n.id), [id]);
  assert.equal(planNodes(graph, layout, all, { ...blue, selected: id }).onlyB.length, 0, 'the selection outline wins');
  // Drawn: the node's face traced once more, after a blue dash is set, and never in the grey outline batch.
  const colors = { fg: '#000', muted: '#666', edge: '#666', accent: '#00f', warn: '#f80', mono: 'monospace', bg: '#fff' };
  const { ctx, log } = recorder();
  drawCanvas(ctx, { width: 4000, height: 4000, dpr: 1 }, graph, layout, { x: 0, y: 0, k: 1 }, blue, colors);
  const b = layout.nodes.get(id);
  assert.ok(b);
  const face = `rect(${b.x},${b.y},${b.width},${b.height})`;
  const dash = log.indexOf('setLineDash(5,3)');
  assert.ok(dash > 0, 'a 5-3 dash is set');
  assert.equal(log.filter((c) => c === 'strokeStyle=#0072b2').length, 2, 'blue strokes for edges and nodes');
  const lastBlue = log.lastIndexOf('strokeStyle=#0072b2');
  const nodeDash = log.indexOf('setLineDash(5,3)', lastBlue);
  assert.ok(nodeDash > lastBlue && log.indexOf(face, nodeDash) > nodeDash, 'the face is stroked blue and dashed');
  assert.equal(log.filter((c) => c === face).length, 2, 'filled once, outlined once (blue only)');
  const plain = recorder();
  drawCanvas(plain.ctx, { width: 4000, height: 4000, dpr: 1 }, graph, layout, { x: 0, y: 0, k: 1 }, idle, colors);
  assert.ok(!plain.log.some((c) => c.includes('#0072b2') || c === 'setLineDash(5,3)'), 'ordinary widgets: nothing blue');
  assert.equal(plain.log.filter((c) => c === face).length, 2, 'filled once, outlined once (grey)');
});
