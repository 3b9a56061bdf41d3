// The selection's code lookup (src/view/lookup.ts sourceTarget) goes through indexes built once
// per trace and hierarchy, not a scan of every op; it finds what the scan found, for every node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTrace } from '../../src/model/trace.ts';
import type { Trace } from '../../src/model/trace.ts';
import { buildHierarchy } from '../../src/graph/hierarchy.ts';
import type { Hierarchy } from '../../src/graph/hierarchy.ts';
import { stackOf } from '../../src/model/stack.ts';
import { sourceTarget } from '../../src/view/lookup.ts';
import type { SourceTarget } from '../../src/panels/source-panel.ts';
import { loadFixture } from './fixtures/load.ts';

/** sourceTarget of a module node as it was, scanning scopes, calls and ops: the reference. */
function scanned(trace: Trace, h: Hierarchy, id: string): SourceTarget | null {
  let scope = null;
  for (const s of h.scopes.values()) if (s.nodeId === id) scope = s;
  if (!scope || scope.fn) return null;
  const s = scope;
  const call = trace.calls.findIndex((c) => c.address === s.address && (s.call === 0 || c.call === s.call));
  const inside = (c: number): boolean => {
    for (let k = c; k >= 0; k = trace.calls[k]?.parent ?? -1) if (k === call) return true;
    return false;
  };
  const first = trace.ops.findIndex((op) => inside(op.module_call));
  if (call < 0 || first < 0) return null;
  const full = stackOf(trace, first);
  const site = trace.calls[call]?.frames?.at(-1);
  const at = site === undefined ? -1 : full.lastIndexOf(site);
  const stack = at >= 0 ? full.slice(0, at + 1) : full;
  const inner = at >= 0 ? full[at + 1] : undefined;
  const focus = inner ?? stack[stack.length - 1];
  if (focus === undefined) return null;
  return { stack: inner === undefined ? stack : [...stack, inner], focus, wholeFunction: inner !== undefined };
}

test('the code of every module node is what scanning every op found', () => {
  for (const name of ['small_cnn', 'vit_block', 'recurrent_loop', 'folded_blocks', 'lstm_cell_loop']) {
    const trace = createTrace(loadFixture(name));
    for (const rolled of [false, true]) {
      const h = buildHierarchy(trace, rolled);
      let found = 0;
      for (const s of h.scopes.values()) {
        const want = scanned(trace, h, s.nodeId);
        assert.deepEqual(sourceTarget(trace, h, s.nodeId), want, `${name} rolled=${rolled} ${s.nodeId}`);
        if (want) found += 1;
      }
      assert.ok(found > 0 || name === 'folded_blocks', `${name}: some module has code`);
    }
  }
});
