import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { openBundle, readBundle } from '../../src/lab/bundle-file.ts';

// Written by python_pkg/lenslab/export/bundle.py: version 1 (graph in the header's metadata)
// and version 2 (graph in the uint8 tensor "lenslab/graph"), one TwoLayer capture each.
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));

for (const name of ['two_layer_v1.lens', 'two_layer_v2.lens']) {
  test(`reads the graph and tensors of ${name}`, async () => {
    const bytes = fixture(name);
    const bundle = await readBundle(bytes);
    assert.deepEqual(bundle.graph.ops.map((op) => op.label), ['input_1:1', 'linear_1_1:1', 'relu_1_2:1', 'linear_2_3:1', 'output_1:1']);
    const out = await bundle.source.load('output_1:1');
    assert.deepEqual(out?.shape, [2, 2]);
    const ranged = await openBundle(async (a, b) => bytes.subarray(a, b), bytes.byteLength);
    const again = await ranged.source.load('output_1:1');
    assert.deepEqual(Array.from(again?.tensor?.data ?? []), Array.from(out?.tensor?.data ?? [0]));
  });
}

test('a cut graph tensor is reported as truncated', async () => {
  const bytes = fixture('two_layer_v2.lens');
  await assert.rejects(readBundle(bytes.subarray(0, 2000)), /truncated|outside the file/);
});

// A saved comparison (Comparison.save), written by scripts/gen_compare_fixture.py with what
// Python computed from it (branch_compare.json): a data-dependent branch taken differently.
test('a compare bundle opens as the compare view: union graph, trait, a, b and b - a', async () => {
  const bytes = fixture('branch_compare.lens');
  const want = JSON.parse(readFileSync(new URL('./fixtures/branch_compare.json', import.meta.url), 'utf8')) as {
    only_b: Record<string, number>;
    only_a: string;
    diff: Record<string, number>;
    a: Record<string, number>;
    status: string[];
  };
  const bundle = await readBundle(bytes);
  const cmp = bundle.compare;
  assert.ok(cmp, 'a compare bundle has its comparison');
  const labels = bundle.graph.ops.map((op) => op.label);
  assert.equal(labels.length, want.status.length);
  assert.ok(labels.includes('b/sigmoid_1_4:1') && labels.includes(want.only_a));
  const trait = cmp.trait as { status: string };
  assert.equal(trait.status, want.status.map((s) => ({ same: 's', changed: 'c', only_a: 'a', only_b: 'b', unsaved: 'u' })[s]).join(''));
  const sum = (e: Awaited<ReturnType<typeof cmp.b.load>>): number => (e?.tensor ? Array.from(e.tensor.data).reduce((x, y) => x + y, 0) : Number.NaN);
  const close = (x: number, y: number): boolean => Math.abs(x - y) < 1e-4 * Math.max(1, Math.abs(y));
  for (const [label, value] of Object.entries(want.only_b)) {
    assert.ok(close(sum(await cmp.b.load(label)), value), `${label} in b`);
    assert.equal(await bundle.source.load(label), null, 'a did not run it');
    assert.equal(await cmp.diff.load(label), null, 'no b - a for it');
  }
  for (const [label, value] of Object.entries(want.diff)) assert.ok(close(sum(await cmp.diff.load(label)), value), `b - a of ${label}`);
  for (const [label, value] of Object.entries(want.a)) assert.ok(close(sum(await bundle.source.load(label)), value), `${label} in a`);
  assert.equal(await cmp.b.load(want.only_a), null, 'b did not run it');
});
