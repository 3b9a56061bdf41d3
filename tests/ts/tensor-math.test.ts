// The page's statistics (local/tensor-math.ts, used by standalone HTML and the .lens viewer)
// agree with the kernel's (python_pkg/lenslab/tensormath.py) on the same float32 tensors:
// fixtures/tensor_stats.json is written by scripts/gen_fixtures.py from Python's results.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { histogramOf, statsOf } from '../../src/local/tensor-math.ts';
import type { TensorStats } from '../../src/protocol/messages.ts';

interface Case {
  name: string;
  values: (number | string)[];
  stats: TensorStats;
  histogram: { bins: number; counts: number[]; lo: number; hi: number; nan: number; inf: number };
}

const { cases } = JSON.parse(readFileSync(new URL('./fixtures/tensor_stats.json', import.meta.url), 'utf8')) as { cases: Case[] };
const asFloat32 = (values: (number | string)[]): Float32Array =>
  Float32Array.from(values, (v) => (typeof v === 'number' ? v : v === 'nan' ? Number.NaN : v === 'inf' ? Infinity : -Infinity));

function close(actual: number | null, expected: number | null, what: string): void {
  if (expected === null || actual === null) return assert.equal(actual, expected, what);
  const scale = Math.max(1, Math.abs(expected));
  assert.ok(Math.abs(actual - expected) <= 1e-5 * scale, `${what}: ${actual} vs Python's ${expected}`);
}

// Disagreements found by this test, where the page (float64) is right and the kernel is not yet:
// reported as TODO (visible in the output, not failing) until Python's tensormath computes in
// float64, then they must pass like the rest (remove the entry).
// Known disagreements between the two implementations, each with its reason (none today:
// Python computes its statistics in float64, like the page).
const KNOWN: Record<string, string> = {};

test('the fixture covers bad values, constants and cancellation', () => {
  assert.ok(cases.length >= 6);
  assert.ok(cases.some((c) => c.stats.nan > 0 && c.stats.inf > 0));
  assert.ok(cases.some((c) => c.stats.mean === null));
});

for (const c of cases) {
  test(`statistics of "${c.name}" agree with Python's`, () => {
    const s = statsOf(asFloat32(c.values));
    for (const key of ['numel', 'zeros', 'nan', 'inf'] as const) assert.equal(s[key], c.stats[key], `${c.name}.${key}`);
    for (const key of ['mean', 'std', 'min', 'max'] as const) {
      if (!(`${c.name}.${key}` in KNOWN)) close(s[key], c.stats[key], `${c.name}.${key}`);
    }
  });

  test(`histogram of "${c.name}" agrees with Python's`, () => {
    const h = histogramOf(asFloat32(c.values), c.histogram.bins);
    assert.equal(h.nan, c.histogram.nan);
    assert.equal(h.inf, c.histogram.inf);
    close(h.lo, c.histogram.lo, `${c.name}.lo`);
    close(h.hi, c.histogram.hi, `${c.name}.hi`);
    assert.deepEqual([...h.counts], c.histogram.counts, `${c.name} counts`);
  });
}

for (const [what, why] of Object.entries(KNOWN)) {
  const [name, key] = what.split('.') as [string, keyof TensorStats];
  test(`${what} agrees with Python's`, { todo: why }, () => {
    const c = cases.find((x) => x.name === name);
    assert.ok(c, `no case ${name}`);
    close(statsOf(asFloat32(c.values))[key], c.stats[key], what);
  });
}
