import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countLine, opCount } from '../../src/graph/counts.ts';
import { loadFixture } from './fixtures/load.ts';

test('footer counts layer passes and ops in the words of the Python repr', () => {
  const graph = loadFixture('small_cnn');
  const ops = graph.ops.filter((o) => o.role === 'op').length;
  assert.ok(ops > 0 && ops < graph.ops.length);
  assert.equal(opCount(graph.ops), ops);
  assert.equal(countLine(graph.ops), `${graph.ops.length} layer passes (${ops} ops)`);
  assert.equal(countLine([{ role: 'input' }, { role: 'op' }]), '2 layer passes (1 op)');
  assert.equal(countLine([{ role: 'op' }]), '1 layer pass (1 op)');
});
