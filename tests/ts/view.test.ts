import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTrace, formatCount, formatShape } from '../../src/model/trace.ts';
import { initialViewState, withExpanded, withRolled, withSelected } from '../../src/model/view-state.ts';
import { buildHierarchy } from '../../src/graph/hierarchy.ts';
import { scopesToReveal, searchNodes } from '../../src/graph/search.ts';
import { describeNode, formatSeconds } from '../../src/graph/describe.ts';
import { fitCamera, readableZoom, zoomAt } from '../../src/render/camera.ts';
import { loadFixture } from './fixtures/load.ts';

const cnn = createTrace(loadFixture('small_cnn'));
const loop = createTrace(loadFixture('recurrent_loop'));

test('view state changes return new states and leave the old one untouched', () => {
  const s = initialViewState(['stem'], 2);
  const t = withExpanded(s, ['block'], true);
  assert.notEqual(s, t);
  assert.deepEqual([...s.expanded], ['stem']);
  assert.deepEqual([...t.expanded].sort(), ['block', 'stem']);
  assert.equal(withExpanded(t, ['block'], true), t, 'no-op changes keep identity');
  const sel = withSelected(t, 'conv2d_1_1:1');
  assert.equal(withRolled(sel, true).selected, null, 'ids differ between views, so selection resets');
});

test('search finds ops by label, type and module, then modules by address and class', () => {
  const h = buildHierarchy(cnn, false);
  assert.deepEqual(searchNodes(cnn, h, 'conv'), [
    'conv2d_1_1:1', 'conv2d_2_4:1', 'conv2d_3_6:1', 'module:stem.0', 'module:block.conv1', 'module:block.conv2',
  ]);
  assert.deepEqual(searchNodes(cnn, h, '@head'), [
    'adaptiveavgpool2d_1_8:1', 'flatten_1_9:1', 'linear_1_10:1', 'module:head', 'module:head.0', 'module:head.1', 'module:head.2',
  ]);
  assert.deepEqual(searchNodes(cnn, h, 'RESIDUAL'), ['module:block']);
  assert.deepEqual(searchNodes(cnn, h, '  '), []);
  assert.deepEqual(searchNodes(loop, buildHierarchy(loop, true), 'linear_1_2'), ['linear_1_2']);
});

test('revealing a node opens every module around it, outermost first', () => {
  const h = buildHierarchy(cnn, false);
  assert.deepEqual(scopesToReveal(h, 'relu_2_5:1'), ['block:1', 'block.relu:1']);
  assert.deepEqual(scopesToReveal(h, 'add_1_7:1'), ['block:1']);
  assert.deepEqual(scopesToReveal(h, 'module:block.conv1'), ['block:1']);
  assert.deepEqual(scopesToReveal(h, 'input_1:1'), []);
});

test('the inspector describes ops with label, func, shape, dtype, module, params, source and time', () => {
  const d = describeNode(cnn, buildHierarchy(cnn, false), 'conv2d_2_4:1');
  const rows = Object.fromEntries(d?.rows ?? []);
  assert.equal(rows['label'], 'conv2d_2_4:1');
  assert.equal(rows['func'], 'conv2d');
  assert.equal(rows['shape'], '1x8x32x32');
  assert.equal(rows['dtype'], 'float32');
  assert.equal(rows['module'], 'block:1 \u203a block.conv1:1');
  assert.equal(rows['params'], 'block.conv1.weight, block.conv1.bias (584)');
  assert.equal(rows['source'], 'scripts/gen_fixtures.py:39');
  assert.equal(rows['caller'], 'ResidualBlock.forward');
  assert.equal(rows['time'], '50.0 \u00b5s');
  const rolled = describeNode(loop, buildHierarchy(loop, true), 'linear_1_2');
  assert.equal(Object.fromEntries(rolled?.rows ?? [])['pass'], '1 of 3 (linear_1_2:1)', 'a rolled layer says which of its passes it describes');
  const mod = describeNode(loop, buildHierarchy(loop, false), 'module:act:2');
  assert.equal(Object.fromEntries(mod?.rows ?? [])['type'], 'ReLU');
  assert.equal(describeNode(cnn, buildHierarchy(cnn, false), 'nope'), null);
});

test('numbers are formatted for people', () => {
  assert.equal(formatShape([1, 8, 32, 32]), '1x8x32x32');
  assert.equal(formatShape([]), 'scalar');
  assert.equal(formatShape(null), '');
  assert.equal(formatCount(999), '999');
  assert.equal(formatCount(1168), '1.2K');
  assert.equal(formatCount(11_689_512), '11.7M');
  assert.equal(formatSeconds(0.0123), '12.30 ms');
});

test('fit centres small content and keeps large content readable; zoom keeps the cursor point fixed', () => {
  const small = fitCamera({ width: 100, height: 100 }, { width: 800, height: 600 });
  assert.equal(small.k, 1.25);
  assert.equal(small.x, (800 - 125) / 2);
  const tall = fitCamera({ width: 300, height: 5000 }, { width: 800, height: 600 }, 0.85);
  assert.equal(tall.k, 1.25, 'too tall to fit readably: fits the width instead (capped)');
  assert.equal(tall.y, 16, 'top-aligned when it does not fit');
  const c = zoomAt({ x: 10, y: 20, k: 1 }, 2, 110, 220);
  // The content point under the cursor, (100, 200), stays under it.
  assert.equal((110 - c.x) / c.k, 100);
  assert.equal((220 - c.y) / c.k, 200);
});

test('first fit: the whole graph while node text stays >= 7 px, else the width, top-aligned', () => {
  const readable = readableZoom(11, 7);
  assert.ok(Math.abs(readable - 7 / 11) < 1e-12);
  const viewport = { width: 800, height: 600 };
  // Fits whole at k = (600 - 32) / 700 ≈ 0.81 ≥ 0.64: centred, everything visible.
  const medium = fitCamera({ width: 400, height: 700 }, viewport, readable);
  assert.ok(Math.abs(medium.k - 568 / 700) < 1e-9);
  assert.ok(medium.y >= 16 && medium.y + 700 * medium.k <= 600 - 15.5, 'all of it fits vertically');
  assert.equal(medium.x, (800 - 400 * medium.k) / 2);
  // Fitting whole would be k = 568 / 3000 ≈ 0.19 (2 px text): fit the width of 500 instead.
  const tall = fitCamera({ width: 500, height: 3000 }, viewport, readable);
  assert.equal(tall.k, Math.min(1.25, 768 / 500));
  assert.equal(tall.y, 16, 'scrolled to the top, where the input is');
  // Wide and tall: the width fit is still unreadable, so it stays at the readable zoom, left edge.
  const huge = fitCamera({ width: 5000, height: 5000 }, viewport, readable);
  assert.equal(huge.k, readable);
  assert.deepEqual([huge.x, huge.y], [16, 16]);
  // The f key (no readable floor) still fits everything.
  assert.ok(fitCamera({ width: 5000, height: 5000 }, viewport).k < 0.2);
});
