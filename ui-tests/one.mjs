// Runs one browser spec against a private JupyterLab, without the rest of the suite:
//   node ui-tests/one.mjs hosts      (ui-tests/hosts.spec.mjs; screenshots in ui-tests/output/)
//   node ui-tests/one.mjs lessons    ONLY=<regex> runs just the matching tests of the spec.
//   ONLY='saved notebook' node ui-tests/one.mjs bundle
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startLab } from './lab-server.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'ui-tests/output');
const name = process.argv[2];
if (!name) {
  console.error('usage: node ui-tests/one.mjs <spec>   (e.g. hosts, lessons)');
  process.exit(2);
}
const spec = (await import(`./${name}.spec.mjs`))[`${name}Spec`];
if (typeof spec !== 'function') {
  console.error(`ui-tests/${name}.spec.mjs exports no ${name}Spec`);
  process.exit(2);
}
const results = [];
// ONLY=<regex>: run just the matching tests (a spec's page- or capture-writing step always runs).
const only = process.env.ONLY ? new RegExp(process.env.ONLY) : null;
const test = async (name, body) => {
  if (only && !only.test(name) && !/(pages|captures) are written/.test(name)) return;
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

/** As ui-tests/run.mjs: the first widget's box, or the page (specs such as bundle use it). */
async function screenshot(page, shotName, { fullPage = false } = {}) {
  const path = join(OUT, `${shotName}.png`);
  const widget = page.locator('.lenslab-root').first();
  if (!fullPage && (await widget.count()) > 0) await widget.screenshot({ path });
  else await page.screenshot({ path });
  console.log(`     screenshot ${path}`);
}

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
  await spec({ context, lab, test, assert, out: OUT, screenshot });
} finally {
  await context.close();
  await lab.stop();
  rmSync(userDataDir, { recursive: true, force: true });
}
const failed = results.filter((r) => !r).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 && results.length > 0 ? 0 : 1);
