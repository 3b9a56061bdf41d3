import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTrace } from '../../src/model/trace.ts';
import { buildHierarchy } from '../../src/graph/hierarchy.ts';
import { buildVisibleGraph } from '../../src/graph/visible.ts';
import { metricValues } from '../../src/graph/overlay.ts';
import { initialViewState } from '../../src/model/view-state.ts';
import { divergingColor, NAN_RGB, paintDiverging, POS_INF_RGB } from '../../src/panels/colormap.ts';
import { cellText, filterRows, layerRows, sortRows, visibleRange } from '../../src/panels/table-model.ts';
import { defaultSlice, formatNumber, sliderAxes, statsSummary, tilesParams, viewsFor, withIndex } from '../../src/panels/views.ts';
import { loadFixture } from './fixtures/load.ts';

const cnn = createTrace(loadFixture('small_cnn'));

test('views fit the shape: feature maps get channels, 3 channels RGB, short vectors bars', () => {
  assert.deepEqual(viewsFor([1, 8, 32, 32]), ['channels', 'heatmap', 'rgb', 'line', 'histogram'].filter((v) => v !== 'rgb'));
  assert.deepEqual(viewsFor([1, 3, 32, 32]), ['channels', 'heatmap', 'rgb', 'line', 'histogram']);
  assert.deepEqual(viewsFor([10]), ['bars', 'line', 'histogram']);
  assert.deepEqual(viewsFor([1, 10]), ['bars', 'line', 'histogram'], 'a batch of one logit row is a vector');
  assert.deepEqual(viewsFor([1000]), ['line', 'histogram']);
  assert.deepEqual(viewsFor([]), ['histogram'], 'a scalar: its summary line and a one-bin histogram');
  assert.deepEqual(viewsFor([0, 4]), ['histogram']);
});

test('a heatmap shows the last two axes with a slider for each other axis', () => {
  const spec = defaultSlice([2, 8, 20, 30], 'heatmap');
  assert.deepEqual(spec, { axes: [2, 3], index: [0, 0, 0, 0] });
  assert.deepEqual(sliderAxes([2, 8, 20, 30], spec), [0, 1]);
  assert.deepEqual(withIndex(spec, 1, 5).index, [0, 5, 0, 0]);
  assert.deepEqual(spec.index, [0, 0, 0, 0], 'specs are not mutated');
  assert.deepEqual(defaultSlice([2, 8, 20, 30], 'line').axes, [3]);
});

test('channel tiles stay within 512x512 pixels', () => {
  const p = tilesParams('x', 'activation', defaultSlice([1, 256, 100, 100], 'channels'), [1, 256, 100, 100], 64, 64);
  assert.equal(p.count, 64);
  assert.ok(p.count * p.limit[0] * p.limit[1] <= 512 * 512);
  assert.deepEqual(p.axes, [1, 2, 3]);
});

test('numbers and the summary line read well, NaN and Inf included', () => {
  assert.equal(formatNumber(0.000012345), '1.234e-5');
  assert.equal(formatNumber(0.5625118), '0.5625');
  assert.equal(formatNumber(null), '\u2014');
  assert.equal(formatNumber(-Infinity), '-Inf');
  const s = statsSummary({ layer: 'a', shape: [2, 3], dtype: 'float32', numel: 6, mean: 1, std: 0.5, min: 0, max: 2, zeros: 1, nan: 2, inf: 0 });
  assert.equal(s, 'float32 2\u00d73 \u00b7 mean 1 \u00b1 0.5 \u00b7 [0, 2] \u00b7 1 zeros \u00b7 2 NaN');
});

test('the colour map diverges around zero and marks NaN and Inf', () => {
  assert.deepEqual(divergingColor(0, 1), [247, 247, 247]);
  const [r1, , b1] = divergingColor(1, 1);
  const [r2, , b2] = divergingColor(-1, 1);
  assert.ok(r1 > b1 && b2 > r2, 'positive red, negative blue');
  assert.deepEqual(divergingColor(Number.NaN, 1), NAN_RGB);
  const out = new Uint8ClampedArray(8);
  paintDiverging([Infinity, 0.5], 1, out);
  assert.deepEqual([...out.slice(0, 3)], [...POS_INF_RGB]);
  assert.deepEqual([...out.slice(4, 7)], divergingColor(0.5, 1));
});

test('the layer table has a row per pass, filters by words and sorts stably', () => {
  const rows = layerRows(cnn);
  assert.equal(rows.length, cnn.ops.length);
  assert.deepEqual(filterRows(rows, 'conv block').map((r) => r.label), ['conv2d_2_4:1', 'conv2d_3_6:1']);
  const byTime = sortRows(rows, 'time', true, () => undefined);
  for (let i = 1; i < byTime.length; i++) assert.ok((byTime[i - 1]?.time ?? 0) >= (byTime[i]?.time ?? 0));
  const stats = (i: number) => (i === 2 ? { mean: 5, std: 1, min: 0, max: 9, nan: 0 } : i === 4 ? { mean: -1, std: 1, min: 0, max: 9, nan: 3 } : undefined);
  const byMean = sortRows(rows, 'mean', false, stats).map((r) => r.index);
  assert.deepEqual(byMean.slice(0, 2), [4, 2], 'rows without stats go last');
  assert.equal(cellText(rows[4]!, 'nan', stats), '3');
  assert.equal(cellText(rows[0]!, 'mean', stats), '');
});

test('only the rows in view (plus overscan) are drawn: 10,000 rows, ~40 in the DOM', () => {
  const [first, last] = visibleRange(220_000, 600, 22, 10_000, 8);
  assert.equal(first, 10_000 - 8);
  assert.ok(last - first <= 50 && last <= 10_000);
  assert.deepEqual(visibleRange(0, 440, 22, 5), [0, 5]);
});

test('the gradient-norm overlay colours each node by its largest norm', () => {
  const h = buildHierarchy(cnn, false);
  const all = initialViewState(['stem', 'block', 'head', 'block.conv1'], 9);
  const graph = buildVisibleGraph(cnn, h, all);
  const norms = Float32Array.from(cnn.ops, (_, i) => (i === 1 ? 2 : i === 2 ? Number.NaN : 1));
  const values = metricValues(cnn, h, graph, 'grad', norms);
  assert.equal(values.get('module:stem.0'), 2);
  assert.equal(values.get('conv2d_2_4:1'), 1);
  assert.equal(values.has('module:stem.1'), false, 'NaN: no gradient, no colour');
  const closed = buildVisibleGraph(cnn, h, initialViewState([], 1));
  assert.equal(metricValues(cnn, h, closed, 'grad', norms).get('module:stem'), 2, 'a closed module shows its largest norm');
});
