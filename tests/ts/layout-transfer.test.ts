// The layout worker's way (src/layout/transfer.ts: the graph packed, laid out from ids and sizes,
// the layout packed back and unpacked) gives exactly the layout of laying out in place, and a
// warm cache (boxes reused by structure) gives exactly a fresh layout: on random graphs
// with repeated blocks (tests/ts/fixtures/random-graph.ts) and on the fixtures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LayoutCache, layoutGraph } from '../../src/layout/layout.ts';
import type { GraphLayout } from '../../src/layout/layout.ts';
import { packGraph, packLayout, unpackGraph, unpackLayout } from '../../src/layout/transfer.ts';
import { createTrace } from '../../src/model/trace.ts';
import { initialViewState } from '../../src/model/view-state.ts';
import { buildHierarchy } from '../../src/graph/hierarchy.ts';
import { buildVisibleGraph } from '../../src/graph/visible.ts';
import type { VisibleGraph } from '../../src/graph/visible.ts';
import { expandedForDepth } from '../../src/graph/depth.ts';
import { loadFixture } from './fixtures/load.ts';
import { randomGraph } from './fixtures/random-graph.ts';

function assertSame(a: GraphLayout, b: GraphLayout, what: string): void {
  assert.deepEqual([...a.nodes], [...b.nodes], `${what}: nodes`);
  assert.deepEqual([...a.groups], [...b.groups], `${what}: groups`);
  assert.deepEqual(a.edges, b.edges, `${what}: edges`);
  assert.deepEqual([a.width, a.height], [b.width, b.height], `${what}: size`);
}

/** The worker's round trip, with a structured clone on the way there and back. */
function viaWorker(graph: VisibleGraph, cache: LayoutCache): GraphLayout {
  const input = unpackGraph(structuredClone(packGraph(graph).packed));
  return unpackLayout(structuredClone(packLayout(layoutGraph(input, cache), input).packed), graph);
}

const fixtures = (): [string, VisibleGraph][] =>
  ['small_cnn', 'vit_block', 'recurrent_loop', 'folded_blocks', 'hostile_names'].flatMap((name) => {
    const trace = createTrace(loadFixture(name));
    return [false, true].map((rolled): [string, VisibleGraph] => {
      const h = buildHierarchy(trace, rolled);
      return [`${name} rolled=${rolled}`, buildVisibleGraph(trace, h, initialViewState(expandedForDepth(h, 99), 99))];
    });
  });

test('random graphs: packed for the worker and back, the layout is the one laid out in place', () => {
  const cache = new LayoutCache();
  for (let seed = 1; seed <= 120; seed++) {
    const g = randomGraph(seed);
    assertSame(viaWorker(g, cache), layoutGraph(g), `seed ${seed}`);
  }
});

test('fixtures: packed for the worker and back, the same layout', () => {
  for (const [name, g] of fixtures()) assertSame(viaWorker(g, new LayoutCache()), layoutGraph(g), name);
});

test('random graphs: a cache warmed by other graphs (boxes reused by structure) changes nothing', () => {
  const cache = new LayoutCache();
  for (let seed = 1; seed <= 60; seed++) layoutGraph(randomGraph(seed), cache);
  const runs = cache.runs;
  for (let seed = 1; seed <= 60; seed++) {
    const g = randomGraph(seed);
    assertSame(layoutGraph(g, cache), layoutGraph(g), `seed ${seed}`);
  }
  assert.equal(cache.runs, runs, 'the second pass is laid out from the cache alone');
});
