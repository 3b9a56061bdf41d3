// Which input the pinned-input panel shows: the first input op shaped like an image.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imageInput } from '../../src/panels/pinned-input.ts';
import { createTrace } from '../../src/model/trace.ts';
import { loadFixture, syntheticDeep } from './fixtures/load.ts';

test('the pinned input is the first image-shaped input (layer for display, label for the kernel)', () => {
  const cnn = imageInput(createTrace(loadFixture('small_cnn')));
  assert.deepEqual(cnn, { layer: 'input_1', label: 'input_1:1', shape: [1, 3, 32, 32] });
  // 8 channels is a feature map, not an image: nothing is pinned.
  assert.equal(imageInput(createTrace(syntheticDeep(1, 1, 1))), null);
  // A token-id input (N×T) is no image either.
  const vit = createTrace(loadFixture('vit_block'));
  const shapes = vit.ops.filter((o) => o.role === 'input').map((o) => o.shape);
  assert.equal(imageInput(vit), null, `inputs ${JSON.stringify(shapes)}`);
});

test('a batch of images: the picked image is what the kernel is asked for (its saliency too)', async () => {
  const { batchSize, pinnedTiles } = await import('../../src/panels/pinned-input.ts');
  const input = { layer: 'input_1', label: 'input_1:1', shape: [4, 3, 32, 32] };
  assert.equal(batchSize(input.shape), 4);
  assert.equal(batchSize([3, 32, 32]), 1, 'one C×H×W image');
  const third = pinnedTiles(input, 2);
  assert.deepEqual(third.axes, [1, 2, 3]);
  assert.deepEqual(third.index, [2, 0, 0, 0]);
  assert.equal(third.layer, 'input_1:1');
  assert.deepEqual(pinnedTiles(input, 9).index, [3, 0, 0, 0], 'clamped to the batch');
  assert.deepEqual(pinnedTiles(input, -1).index, [0, 0, 0, 0]);
  assert.deepEqual(pinnedTiles({ ...input, shape: [3, 32, 32] }, 2).index, [0, 0, 0], 'no batch axis');
});
