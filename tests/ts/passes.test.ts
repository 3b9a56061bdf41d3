// Rolled view, a layer with several passes: the inspector's facts, code and tensor follow the
// pass the slider picked (issue 13's follow-up: they used to describe pass 1 whatever was shown).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTrace } from '../../src/model/trace.ts';
import { buildHierarchy } from '../../src/graph/hierarchy.ts';
import { describeNode, formatSeconds, hoverSummary } from '../../src/graph/describe.ts';
import { initialViewState, passOf, withPassPick } from '../../src/model/view-state.ts';
import { sourceTarget, tensorTarget } from '../../src/view/lookup.ts';
import { loadFixture } from './fixtures/load.ts';

const LSTM = 'lstmcell_1_3';

function rolled() {
  const trace = createTrace(loadFixture('lstm_cell_loop'));
  return { trace, h: buildHierarchy(trace, true) };
}

const row = (d: ReturnType<typeof describeNode>, name: string) => d?.rows.find(([k]) => k === name)?.[1];
const links = (d: ReturnType<typeof describeNode>, name: string) => d?.links.find(([k]) => k === name)?.[1].map((l) => l.id);

test('a rolled layer describes the pass picked: module call, time, parents and children of that pass', () => {
  const { trace, h } = rolled();
  const first = describeNode(trace, h, LSTM);
  const third = describeNode(trace, h, LSTM, 3);
  assert.equal(row(first, 'pass'), `1 of 4 (${LSTM}:1)`);
  assert.equal(row(third, 'pass'), `3 of 4 (${LSTM}:3)`);
  assert.equal(row(first, 'module'), 'cell:1');
  assert.equal(row(third, 'module'), 'cell:3');
  const op = (label: string) => trace.ops[trace.opByLabel.get(label) ?? -1];
  assert.equal(row(third, 'time'), formatSeconds(op(`${LSTM}:3`)?.time_s ?? -1));
  assert.notEqual(row(third, 'time'), row(first, 'time'));
  const all = [1, 2, 3, 4].reduce((t, k) => t + (op(`${LSTM}:${k}`)?.time_s ?? 0), 0);
  assert.equal(row(third, 'time, all passes'), formatSeconds(all));
  // Pass 1 reads the input and the zero states; pass 3 the previous step's tanh and cells.
  assert.deepEqual(links(first, 'parents'), ['input_1', 'zeros_1_1', 'zeros_2_2']);
  assert.deepEqual(links(third, 'parents'), ['tanh_1_6', 'lstmcell_2_4']);
  assert.deepEqual(links(third, 'children'), ['linear_1_5', 'lstmcell_2_4']);
  // Out of range: the nearest pass; the hover card says the pass too.
  assert.equal(row(describeNode(trace, h, LSTM, 9), 'pass'), `4 of 4 (${LSTM}:4)`);
  assert.equal(row(hoverSummary(trace, h, LSTM, 2), 'pass'), `2 of 4 (${LSTM}:2)`);
});

test('the tensor and the code of a rolled layer follow the picked pass', () => {
  const { trace, h } = rolled();
  const t = tensorTarget(trace, h, LSTM, 3);
  assert.equal(t?.label, `${LSTM}:3`);
  assert.equal(t?.pass, 3);
  assert.equal(t?.passes?.length, 4);
  assert.equal(tensorTarget(trace, h, LSTM)?.label, `${LSTM}:1`);
  assert.equal(sourceTarget(trace, h, LSTM, 3)?.focus, sourceTarget(trace, h, LSTM, 1)?.focus, 'one line runs every pass');
});

test('the unrolled view ignores a pass: each pass is its own node', () => {
  const trace = createTrace(loadFixture('lstm_cell_loop'));
  const h = buildHierarchy(trace, false);
  const d = describeNode(trace, h, `${LSTM}:2`, 4);
  assert.equal(row(d, 'passes'), '2 of 4');
  assert.equal(row(d, 'module'), 'cell:2');
  assert.equal(tensorTarget(trace, h, `${LSTM}:2`, 4)?.label, `${LSTM}:2`);
});

test('the view state keeps one picked pass per rolled node', () => {
  const s0 = initialViewState([], 1);
  assert.equal(passOf(s0, LSTM), 1);
  const s1 = withPassPick(s0, LSTM, 3);
  assert.equal(passOf(s1, LSTM), 3);
  assert.equal(passOf(s1, 'other'), 1);
  assert.equal(withPassPick(s1, LSTM, 3), s1, 'no change, same state');
  assert.equal(passOf(s0, LSTM), 1, 'immutable');
});
