// The engineer's profile in the widget (issue 14's follow-up): the autograd node of each op
// (grad_fn) travels in the compact graph (interned) and shows in the inspector and the layer
// table; the gradient-flow overlay colours nodes by ratios the kernel computes when asked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTrace } from '../../src/model/trace.ts';
import { buildHierarchy } from '../../src/graph/hierarchy.ts';
import { describeNode } from '../../src/graph/describe.ts';
import { cellText, COLUMNS, filterRows, layerRows, sortRows } from '../../src/panels/table-model.ts';
import { initialViewState } from '../../src/model/view-state.ts';
import { buildVisibleGraph } from '../../src/graph/visible.ts';
import { formatMetric, metricValues, METRIC_NAMES } from '../../src/graph/overlay.ts';
import { initialState } from '../../src/graph/view-options.ts';
import { loadFixture } from './fixtures/load.ts';

const trace = createTrace(loadFixture('small_cnn'));
const rowOf = (id: string) => Object.fromEntries(describeNode(trace, buildHierarchy(trace, false), id)?.rows ?? []);

test('the inspector names the autograd node that made an op, and nothing for the input', () => {
  assert.equal(rowOf('conv2d_1_1:1')['grad_fn'], 'ConvolutionBackward0');
  assert.equal(rowOf('adaptiveavgpool2d_1_8:1')['grad_fn'], 'MeanBackward1');
  assert.equal(rowOf('input_1:1')['grad_fn'], undefined);
});

test('the layer table has a grad_fn column, searchable and sortable', () => {
  assert.ok(COLUMNS.some((c) => c.key === 'grad_fn'));
  const rows = layerRows(trace);
  const conv = rows.find((r) => r.label === 'conv2d_1_1:1');
  assert.ok(conv);
  assert.equal(cellText(conv, 'grad_fn', () => undefined), 'ConvolutionBackward0');
  assert.deepEqual(filterRows(rows, 'convolutionbackward').map((r) => r.type), ['conv2d', 'conv2d', 'conv2d']);
  const sorted = sortRows(rows, 'grad_fn', false, () => undefined).map((r) => r.grad_fn);
  assert.deepEqual(sorted, [...sorted].sort());
});

test('graphs from older writers, without grad_fn, show none', () => {
  const raw = loadFixture('small_cnn');
  const old = createTrace({ ...raw, ops: raw.ops.map(({ grad_fn: _g, ...op }) => op) });
  const rows = Object.fromEntries(describeNode(old, buildHierarchy(old, false), 'conv2d_1_1:1')?.rows ?? []);
  assert.equal(rows['grad_fn'], undefined);
  assert.equal(cellText(layerRows(old)[1]!, 'grad_fn', () => undefined), '');
});

test('the gradient-flow overlay shows the largest ratio per node, from the numbers the kernel sent', () => {
  const h = buildHierarchy(trace, false);
  const ratios = Float32Array.from(trace.ops, (_, i) => (i === 1 ? 0.5 : i === 4 ? Number.NaN : 0.01 * i));
  const open = buildVisibleGraph(trace, h, initialViewState(['stem', 'block', 'head', 'block.conv1'], 9));
  assert.equal(metricValues(trace, h, open, 'flow', ratios).get('module:stem.0'), 0.5);
  const closed = buildVisibleGraph(trace, h, initialViewState([], 1));
  assert.equal(metricValues(trace, h, closed, 'flow', ratios).get('module:stem'), 0.5, 'a closed module: its largest ratio');
  assert.equal(metricValues(trace, h, open, 'flow', undefined).size, 0, 'nothing until the kernel answered');
  assert.match(METRIC_NAMES.flow, /gradient flow/);
  assert.equal(formatMetric('flow', 2e-5), '2.00e-5');
  // h.show(overlay="gradient flow") sends the name only: the view starts on the 'flow' metric.
  assert.equal(initialState(trace, () => h, { overlay: 'flow' }).overlay, 'flow');
});
