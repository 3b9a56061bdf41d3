// The phases of layoutGraph (src/layout/layout.ts), each a pure function, on the CNN fixture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LayoutCache, joinRoutes, layOutBoxes, layoutGraph, placeBoxes, routeEdges } from '../../src/layout/layout.ts';
import { isPort } from '../../src/layout/types.ts';
import { createTrace } from '../../src/model/trace.ts';
import { initialViewState } from '../../src/model/view-state.ts';
import { buildHierarchy } from '../../src/graph/hierarchy.ts';
import { buildVisibleGraph } from '../../src/graph/visible.ts';
import { expandedForDepth } from '../../src/graph/depth.ts';
import { loadFixture } from './fixtures/load.ts';

const trace = createTrace(loadFixture('small_cnn'));
const h = buildHierarchy(trace, false);
const graph = buildVisibleGraph(trace, h, initialViewState(expandedForDepth(h, 99), 99));

test('routes: an edge into a box is cut into one piece per box it crosses, through ports', () => {
  const routes = routeEdges(graph);
  const r = routes.routed.find((x) => x.edge.from === 'relu_1_3:1' && x.edge.to === 'conv2d_2_4:1');
  assert.ok(r);
  assert.deepEqual(r.segments.map((s) => s.group), ['stem:1', '', 'block:1']);
  assert.ok(isPort(r.segments[0]?.to ?? '') && isPort(r.segments[2]?.from ?? ''));
  assert.ok((routes.members.get('block:1') ?? []).some(isPort), 'the in port is an item of the block');
  assert.ok((routes.members.get('') ?? []).includes('\u0001block:1'), 'the block is an item of the top level');
});

test('box layouts: one per box and the top level, cached by structure', () => {
  const cache = new LayoutCache();
  const routes = routeEdges(graph);
  const laid = layOutBoxes(graph, routes, cache);
  assert.deepEqual([...laid.keys()].sort(), ['', ...graph.groups.map((g) => g.key)].sort());
  const runs = cache.runs;
  assert.ok(runs > 0 && runs <= laid.size);
  layOutBoxes(graph, routes, cache);
  assert.equal(cache.runs, runs, 'an unchanged graph is not laid out again');
});

test('placement: every node lies inside the box of its group; pieces join into edges', () => {
  const routes = routeEdges(graph);
  const placed = placeBoxes(layOutBoxes(graph, routes, new LayoutCache()));
  for (const n of graph.nodes) {
    const b = placed.nodes.get(n.id);
    assert.ok(b, n.id);
    const g = n.group ? placed.groups.get(n.group) : null;
    if (g) assert.ok(b.x >= g.x && b.y >= g.y && b.x + b.width <= g.x + g.width && b.y + b.height <= g.y + g.height, n.id);
  }
  const edges = joinRoutes(routes.routed, placed.pieces);
  assert.equal(edges.length, graph.edges.length);
  for (const e of edges) {
    const from = placed.nodes.get(e.from);
    const to = placed.nodes.get(e.to);
    const first = e.points[0];
    const last = e.points[e.points.length - 1];
    assert.ok(from && to && first && last);
    assert.ok(Math.abs(first.y - (from.y + from.height)) < 1 && Math.abs(last.y - to.y) < 1, `${e.from} -> ${e.to}`);
  }
});

test('layoutGraph is the phases chained', () => {
  const whole = layoutGraph(graph);
  const routes = routeEdges(graph);
  const placed = placeBoxes(layOutBoxes(graph, routes, new LayoutCache()));
  assert.deepEqual([...whole.nodes], [...placed.nodes]);
  assert.deepEqual(whole.edges, joinRoutes(routes.routed, placed.pieces));
});
