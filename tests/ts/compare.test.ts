import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataClient } from '../../src/comm/client.ts';
import type { Transport } from '../../src/comm/client.ts';
import { SideClient } from '../../src/comm/side-client.ts';
import { nodeDiff, parseCompare, statusOf } from '../../src/model/compare.ts';
import { diffScale } from '../../src/graph/diff.ts';
import { columnsWithDiff, sortRows, withDiffs } from '../../src/panels/table-model.ts';
import type { LayerRow } from '../../src/panels/table-model.ts';
import { PROTOCOL_VERSION, REPLY } from '../../src/protocol/messages.ts';
import type { RequestMessage } from '../../src/protocol/messages.ts';

const TRAIT = {
  kind: 'compare',
  title: 'difference b vs a (relative L2)',
  values: [0, 0.5, null, null, 2, 0.25],
  status: 'scabcc',
  labels_b: ['input_1:1', 'relu_1_2:1', '', 'mul_1_2:1', 'add_1_3:1', 'output_1:1'],
  only_b: [{ label: 'mul_1_2:1', type: 'mul', module: '', index: 3 }, { bogus: true }],
  branches: [4],
  threshold: 0.1,
  model_b: 'Net',
  first_divergence: 'relu_1_2:1',
  counts: { same: 1, changed: 3, only_a: 1, only_b: 1 },
};

test('the compare trait is read per op; anything else means an ordinary widget', () => {
  const c = parseCompare(TRAIT, 6);
  assert.ok(c);
  assert.equal(c.kind, 'compare');
  assert.deepEqual([...c.values].map((v) => (Number.isNaN(v) ? null : v)), [0, 0.5, null, null, 2, 0.25]);
  assert.deepEqual([0, 1, 2, 3].map((i) => statusOf(c, i)), ['s', 'c', 'a', 'b']);
  assert.equal(c.onlyB.length, 1, 'malformed only_b entries are dropped');
  assert.equal(c.onlyB[0]?.index, 3);
  assert.equal(parseCompare(null, 5), null);
  assert.equal(parseCompare({ kind: 'other' }, 5), null);
  assert.equal(parseCompare(TRAIT, 2)?.values.length, 2, 'values beyond the graph are ignored');
});

test('a node shows the largest difference of its ops; only-in-a, only-in-b and branch flags', () => {
  const c = parseCompare(TRAIT, 6)!;
  assert.deepEqual(nodeDiff(c, [0, 1, 5]), { value: 0.5, onlyA: false, branch: false, onlyB: false });
  assert.deepEqual(nodeDiff(c, [2]), { value: Number.NaN, onlyA: true, branch: false, onlyB: false });
  assert.deepEqual(nodeDiff(c, [3]), { value: Number.NaN, onlyA: false, branch: false, onlyB: true });
  assert.equal(nodeDiff(c, [1, 3]).onlyB, false, 'a module holding shared ops is not only-in-b');
  assert.equal(nodeDiff(c, [4]).branch, true);
  const scale = diffScale(c, [0, 0.5, 2]);
  assert.equal(scale.min, 0.1, 'the scale starts at the threshold');
  assert.equal(scale.max, 2);
  assert.equal(scale.position(2), 1);
});

test('the layer table sorts by difference, largest first, ops without one last', () => {
  const rows = ['a', 'b', 'c', 'd'].map((label, index) => ({ index, label, type: '', module: '', shape: '', dtype: '', params: 0, time: 0, flops: 0, bytes: 0 }) satisfies LayerRow);
  const sorted = sortRows(withDiffs(rows, [0.1, Number.NaN, 0.7, 0.3]), 'diff', true, () => undefined);
  assert.deepEqual(sorted.map((r) => r.label), ['c', 'd', 'a', 'b']);
  assert.deepEqual(columnsWithDiff().slice(0, 3).map((c) => c.key), ['index', 'label', 'diff']);
});

test('a side client asks the same kernel, naming its side, on its own channel', async () => {
  const sent: RequestMessage[] = [];
  let receive: ((m: unknown, b: readonly (ArrayBuffer | ArrayBufferView)[]) => void) | null = null;
  const transport: Transport = {
    send: (m) => void sent.push(m),
    listen: (r) => ((receive = r), () => (receive = null)),
  };
  const base = new DataClient(transport);
  const b = new SideClient(base, 'b');
  const diff = new SideClient(base, 'diff');
  const pa = base.request('stats', { layer: 'relu_1_2:1' }, 'stats');
  const pb = b.request('stats', { layer: 'relu_1_2:1' }, 'stats');
  const pd = diff.request('stats', { layer: 'relu_1_2:1' }, 'stats');
  assert.deepEqual(sent.map((m) => (m.params as { side?: string }).side), [undefined, 'b', 'diff']);
  for (const m of sent) receive!({ type: REPLY, id: m.id, version: PROTOCOL_VERSION, result: { side: (m.params as { side?: string }).side ?? 'a' } }, []);
  const results = await Promise.all([pa, pb, pd]);
  assert.deepEqual(results.map((r) => (r.result as unknown as { side: string }).side), ['a', 'b', 'diff']);
  assert.equal(b.connected, true);
  b.dispose(); // the base client stays usable
  assert.ok(base.peek('stats', { layer: 'relu_1_2:1' }));
});
