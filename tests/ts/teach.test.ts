// The pure parts of the teaching views: axis names and defaults, colour scales, bars.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { axisNames, isAttention, parseAxisNames, realAxes } from '../../src/panels/axes.ts';
import { chooseScale, paintScale, rangeOf, sequentialColor, ticks } from '../../src/panels/scales.ts';
import { divergingColor } from '../../src/panels/colormap.ts';
import { defaultSlice, sliderAxes, viewsFor } from '../../src/panels/views.ts';

test('axes are named for what they hold: N,C,H,W for conv outputs, heads/query/key for attention', () => {
  assert.deepEqual(axisNames([1, 8, 28, 28], { func: 'conv2d' }), ['N', 'C', 'H', 'W']);
  assert.deepEqual(axisNames([1, 8, 14, 14], { func: 'max_pool2d' }), ['N', 'C', 'H', 'W']);
  assert.deepEqual(axisNames([1, 8, 28, 28], { func: 'relu', moduleType: 'ReLU' }), ['N', 'C', 'H', 'W']);
  assert.deepEqual(axisNames([2, 4, 7, 7], { func: 'softmax' }), ['N', 'heads', 'query', 'key']);
  assert.deepEqual(axisNames([8, 7, 7], { func: 'softmax' }), ['heads', 'query', 'key']);
  assert.deepEqual(axisNames([1, 7, 32], { func: 'linear' }), ['N', 'seq', 'features']);
  assert.deepEqual(axisNames([1, 10], { func: 'linear' }), ['N', 'features']);
  assert.deepEqual(axisNames([5, 6], { func: 'cumsum' }), ['d0', 'd1'], 'unknown ops: neutral names');
  assert.ok(isAttention([1, 2, 5, 5], { func: 'softmax' }));
  assert.ok(!isAttention([1, 10], { func: 'softmax' }), 'a class softmax is not attention');
});

test('edited axis names are parsed back, one per axis', () => {
  assert.deepEqual(parseAxisNames('batch, time , ', 3), ['batch', 'time', 'd2']);
  assert.deepEqual(parseAxisNames('a,b,c,d', 2), ['a', 'b']);
});

test('default slices never pick a size-1 axis, and size-1 axes get no slider', () => {
  assert.deepEqual(realAxes([17, 1, 64]), [0, 2]);
  const spec = defaultSlice([17, 1, 64], 'heatmap');
  assert.deepEqual(spec.axes, [0, 2], 'a 17x1x64 tensor shows as 17x64, not a 1-pixel strip');
  assert.deepEqual(sliderAxes([17, 1, 64], spec), []);
  const conv = defaultSlice([1, 8, 28, 28], 'channels');
  assert.deepEqual(conv.axes, [1, 2, 3]);
  assert.deepEqual(sliderAxes([1, 8, 28, 28], conv), [], 'no batch slider for a batch of one');
  assert.deepEqual(sliderAxes([4, 8, 28, 28], conv), [0], 'a real batch keeps its slider');
  assert.deepEqual(defaultSlice([1, 10], 'bars').axes, [1]);
  assert.deepEqual(defaultSlice([1, 1], 'heatmap').axes, [0, 1], 'all axes size 1: the last ones');
});

test('attention weights open as heads x query x key maps', () => {
  assert.deepEqual(viewsFor([1, 4, 7, 7], true)[0], 'attention');
  assert.deepEqual(defaultSlice([1, 4, 7, 7], 'attention').axes, [1, 2, 3]);
  assert.ok(!viewsFor([1, 4, 7, 7], false).includes('attention'));
});

test('non-negative data gets a sequential scale from 0, signed data a symmetric diverging one', () => {
  assert.deepEqual(chooseScale(0, 0.9), { kind: 'sequential', lo: 0, hi: 0.9 }, 'softmax/ReLU');
  assert.deepEqual(chooseScale(-2, 0.5), { kind: 'diverging', lo: -2, hi: 2 });
  assert.deepEqual(chooseScale(null, null), { kind: 'sequential', lo: 0, hi: 1 }, 'nothing finite');
  assert.deepEqual(rangeOf([Number.NaN, 3, -1, Infinity]), { min: -1, max: 3 });
  const dark = sequentialColor(0, 0, 1);
  const bright = sequentialColor(1, 0, 1);
  assert.ok(dark[0] + dark[1] + dark[2] < bright[0] + bright[1] + bright[2], 'larger values are brighter');
  const out = new Uint8ClampedArray(8);
  paintScale([0, 1], { kind: 'diverging', lo: -1, hi: 1 }, out);
  assert.deepEqual([...out.slice(0, 3)], [...divergingColor(0, 1)], 'zero is white on the diverging map');
  assert.deepEqual(ticks({ kind: 'diverging', lo: -2, hi: 2 }), [-2, -1, 0, 1, 2], 'zero is a tick');
});

test('an input image opens as saliency (the image with its gradient over it)', () => {
  assert.equal(viewsFor([1, 1, 8, 8], false, true)[0], 'saliency');
  assert.equal(viewsFor([1, 3, 32, 32], false, true)[0], 'saliency');
  assert.ok(!viewsFor([1, 1, 8, 8], false, false).includes('saliency'), 'only inputs');
  assert.ok(!viewsFor([2, 7], false, true).includes('saliency'), 'only images');
  assert.deepEqual(defaultSlice([1, 1, 8, 8], 'saliency').axes, [1, 2, 3]);
});
