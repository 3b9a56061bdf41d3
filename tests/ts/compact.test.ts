import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { expandWire, gradFnName } from '../../src/protocol/compact.ts';
import type { WireGraph } from '../../src/protocol/schema.ts';
import { createTrace, TraceError } from '../../src/model/trace.ts';

const rows = JSON.parse(readFileSync(new URL('./fixtures/small_cnn.json', import.meta.url), 'utf8')) as WireGraph;

/** The compact form as python_pkg/lenslab/export/compact.py writes it. */
function compactOf(graph: WireGraph, intern: string[]): Record<string, unknown> {
  const ops: Record<string, unknown> = {};
  for (const field of Object.keys(graph.ops[0]!)) {
    if (field === 'layer') continue;
    const raw = graph.ops.map((op) => (op as unknown as Record<string, unknown>)[field]);
    // grad_fn travels without its usual "Backward0" (other endings after "=").
    const short = (v: unknown) => (typeof v !== 'string' || !v ? '' : v.endsWith('Backward0') ? v.slice(0, -9) : `=${v}`);
    const values = field === 'grad_fn' ? raw.map(short) : raw;
    if (intern.includes(field)) {
      const table = [...new Set(values as string[])];
      ops[field] = { table, codes: (values as string[]).map((v) => table.indexOf(v)) };
    } else ops[field] = values;
  }
  return {
    schema_version: graph.schema_version,
    model_type: graph.model_type,
    encoding: 'columns',
    num_ops: graph.ops.length,
    ops,
    module_calls: graph.module_calls,
    modules: graph.modules.map(({ children: _children, ...rest }) => rest),
    branch_edges: graph.branch_edges,
  };
}

test('a compact graph expands back to the same op records', () => {
  const expanded = expandWire(compactOf(rows, ['type', 'func', 'dtype', 'role'])) as WireGraph;
  assert.deepEqual(expanded.ops, rows.ops);
  assert.deepEqual(expanded.module_calls, rows.module_calls);
});

test('module children are derived from dotted addresses', () => {
  const expanded = expandWire(compactOf(rows, [])) as WireGraph;
  const byAddress = new Map(expanded.modules.map((m) => [m.address, [...m.children].sort()]));
  for (const m of rows.modules) assert.deepEqual(byAddress.get(m.address), [...m.children].sort(), m.address);
});

test('row-form graphs pass through unchanged', () => {
  assert.equal(expandWire(rows), rows);
});

test('a compact graph whose columns disagree in length is rejected with a message', () => {
  const bad = compactOf(rows, []);
  (bad['ops'] as Record<string, unknown[]>)['label']!.pop();
  assert.throws(() => createTrace(bad), (e: unknown) => e instanceof TraceError && /column "label"/.test(e.message));
});

test('grad_fn names come back whole; columns left out because every op had the default are filled in', () => {
  assert.equal(gradFnName('Convolution'), 'ConvolutionBackward0');
  assert.equal(gradFnName('=MeanBackward1'), 'MeanBackward1');
  assert.equal(gradFnName(''), '');
  assert.ok(rows.ops.some((op) => op.grad_fn === 'MeanBackward1'), 'the fixture has a name not ending in Backward0');
  const c = compactOf(rows, ['grad_fn']);
  const ops = c['ops'] as Record<string, unknown>;
  for (const field of ['bool_value', 'pass_index', 'num_passes']) delete ops[field];
  const expanded = expandWire(c) as WireGraph;
  assert.deepEqual(expanded.ops, rows.ops);
  assert.ok(expanded.ops.every((op) => op.bool_value === null && op.pass_index === 1 && op.num_passes === 1));
});
