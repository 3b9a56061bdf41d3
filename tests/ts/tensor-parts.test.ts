// The DOM-free parts of the tensor view (split out of tensor-panel.ts): the hover readout's
// tensor index and the heatmap's rows/cols axis pickers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readout } from '../../src/panels/tensor-surface.ts';
import { pickAxis } from '../../src/panels/tensor-controls.ts';

const tiles = { values: Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i), count: 2, rows: 3, cols: 4 };

test('the readout names the tensor index of a hovered cell and its value', () => {
  // Channel tiles of an N×C×H×W tensor at N=1: tile = channel, row/col = H/W.
  const grid = { tiles, spec: { axes: [1, 2, 3], index: [1, 0, 0, 0] }, step: [1, 1], zoom: 1 };
  assert.equal(readout(grid, { tile: 1, row: 2, col: 3 }), '[1, 1, 2, 3] = 23');
  // A heatmap block-averaged 2×4: the index is the block's first element.
  const heat = { tiles: { ...tiles, count: 1 }, spec: { axes: [0, 1], index: [0, 0] }, step: [2, 4], zoom: 1 };
  assert.equal(readout(heat, { tile: 0, row: 1, col: 2 }), '[2, 8] = 6 (mean of 2\u00d74 from here)');
});

test('picking an axis for rows or columns swaps when the other role has it', () => {
  const spec = { axes: [2, 3], index: [0, 5, 0, 0] };
  assert.deepEqual(pickAxis(spec, 0, 1).axes, [1, 3]);
  assert.deepEqual(pickAxis(spec, 0, 3).axes, [3, 2], 'rows take the columns axis: they swap');
  assert.deepEqual(pickAxis(spec, 1, 2).axes, [3, 2]);
  assert.deepEqual(pickAxis(spec, 1, 0).index, [0, 5, 0, 0], 'positions are kept');
});
