// Runs only the hosts spec (ui-tests/hosts.spec.mjs) against a private JupyterLab:
//   node ui-tests/hosts.run.mjs       (screenshots in ui-tests/output/hosts-*.png)
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startLab } from './lab-server.mjs';
import { hostsSpec } from './hosts.spec.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'ui-tests/output');
const results = [];
// ONLY=<regex>: run just the matching tests (the page-writing step always runs).
const only = process.env.ONLY ? new RegExp(process.env.ONLY) : null;
const test = async (name, body) => {
  if (only && !only.test(name) && !/pages are written/.test(name)) return;
  const started = Date.now();
  try {
    await body();
    results.push(true);
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    results.push(false);
    console.log(`FAIL ${name} (${Date.now() - started} ms)\n     ${String(error?.message ?? error)}`);
  }
};
const assert = (condition, message) => {
  if (!condition) throw new Error(message);
};

mkdirSync(OUT, { recursive: true });
const lab = await startLab({ jupyter: join(ROOT, '.venv/bin/jupyter'), rootDir: ROOT });
const userDataDir = mkdtempSync(join(tmpdir(), 'lenslab-ui-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  viewport: { width: 1400, height: 1000 },
});
try {
  await hostsSpec({ context, lab, test, assert, out: OUT });
} finally {
  await context.close();
  await lab.stop();
  rmSync(userDataDir, { recursive: true, force: true });
}
const failed = results.filter((r) => !r).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 && results.length > 0 ? 0 : 1);
