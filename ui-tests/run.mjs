// Browser test: a private JupyterLab, Debian's Chromium driven by playwright-core, the
// quickstart notebook run top to bottom, and the widget checked the way a person uses it.
// Prints `N passed, N failed` last; exits nonzero on any failure. Screenshots: ui-tests/output/.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startLab } from './lab-server.mjs';
import { dataSpec } from './data.spec.mjs';
import { bundleSpec } from './bundle.spec.mjs';
import { gallerySpec } from './gallery.spec.mjs';
import { lessonsSpec } from './lessons.spec.mjs';
import { compareLiveSpec, compareSpec } from './compare.spec.mjs';
import { depthSpec } from './depth.spec.mjs';
import { panelsSpec } from './panels.spec.mjs';
import { hostsSpec } from './hosts.spec.mjs';
import { ALL_ROLES, GraphOracle, diffIds } from './oracle.mjs';
import { runAllCells } from './kernel.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'ui-tests/output');
const NOTEBOOK = 'notebooks/quickstart.ipynb';
const CHROMIUM = '/usr/bin/chromium';
const VENV_BIN = join(ROOT, '.venv/bin');
const WATCHDOG_MS = 12 * 60_000;
const READY_TIMEOUT_MS = 180_000;
// A module of the quickstart model that holds several ops (the residual block).
const BLOCK = 'module:block';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

const results = [];
const cleanups = [];

async function test(name, body) {
  const started = Date.now();
  try {
    await body();
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name} (${Date.now() - started} ms)\n     ${String(error?.message ?? error).replaceAll('\n', '\n     ')}`);
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

function assertSameIds(actual, expected, what) {
  const diff = diffIds(actual, expected);
  assert(diff === '', `${what}: ${diff}`);
}

async function cleanup() {
  while (cleanups.length) await cleanups.pop()().catch((e) => console.error(`cleanup: ${e.message}`));
}

function finish() {
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
}

/** What the kernel records for the notebook's model (see expected_graph.py). */
function kernelGraph() {
  const run = spawnSync(join(VENV_BIN, 'python'), [join(ROOT, 'ui-tests/expected_graph.py'), NOTEBOOK], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (run.status !== 0) throw new Error(`expected_graph.py failed:\n${run.stderr}`);
  return JSON.parse(run.stdout);
}

/** Calls lenslabView[method](...args) on the widget root in the page; awaits its result. */
function callView(page, method, ...args) {
  return page.evaluate(
    async ([m, a]) => {
      const view = document.querySelector('.lenslab-root')?.lenslabView;
      if (!view) throw new Error('no .lenslab-root with a lenslabView');
      return await view[m](...a);
    },
    [method, args],
  );
}

const visibleIds = (page) => callView(page, 'visibleNodeIds');

/** Text of error outputs in the notebook, for failure messages. */
function notebookErrors(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('[data-mime-type="application/vnd.jupyter.error"], [data-mime-type="application/vnd.jupyter.stderr"]')]
      .map((e) => e.textContent.slice(0, 2000))
      .join('\n---\n'),
  );
}

/** The clickable header of a module box, as the renderer marks it. */
async function moduleHeader(page, moduleId) {
  const candidates = [
    `.lenslab-root .lenslab-group-header[data-group-id="${moduleId}"]`,
    `.lenslab-root [data-group-id="${moduleId}"]`,
  ];
  for (const selector of candidates) {
    const locator = page.locator(selector).first();
    if ((await locator.count()) > 0) return locator;
  }
  throw new Error(`no header element for ${moduleId} (tried ${candidates.join(' | ')})`);
}

/** Saves a screenshot of the widget (or of the whole page when it is absent, or asked for). */
async function screenshot(page, name, { fullPage = false } = {}) {
  const path = join(OUT, `${name}.png`);
  const widget = page.locator('.lenslab-root').first();
  if (!fullPage && (await widget.count()) > 0) await widget.screenshot({ path });
  else await page.screenshot({ path });
  console.log(`     screenshot ${path}`);
}

async function main() {
  for (const [path, hint] of [
    [CHROMIUM, 'apt-get install chromium (make test does)'],
    [join(VENV_BIN, 'jupyter'), 'run `make build` first'],
    [join(ROOT, 'python_pkg/lenslab/static/widget.js'), 'run `make build` first'],
  ]) {
    if (!existsSync(path)) throw new Error(`${path} is missing: ${hint}`);
  }
  // Only this test's own screenshots (top level); subfolders belong to other tools.
  mkdirSync(OUT, { recursive: true });
  for (const file of readdirSync(OUT)) if (file.endsWith('.png')) rmSync(join(OUT, file));

  const graph = kernelGraph();
  const oracle = new GraphOracle(graph);
  console.log(`     kernel: ${oracle.ops.length} layer passes, ${oracle.allModuleIds().length} modules`);

  const lab = await startLab({ jupyter: join(VENV_BIN, 'jupyter'), rootDir: ROOT });
  cleanups.push(lab.stop);
  const userDataDir = mkdtempSync(join(tmpdir(), 'lenslab-ui-chromium-'));
  cleanups.push(async () => rmSync(userDataDir, { recursive: true, force: true }));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1400, height: 1000 },
  });
  cleanups.push(() => context.close());
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));

  await test('JupyterLab opens the notebook with the lenslab extension active', async () => {
    await page.goto(`${lab.url}/lab/tree/${NOTEBOOK}?token=${lab.token}&reset`);
    await page.waitForFunction(() => window.jupyterapp?.shell?.currentWidget?.content?.widgets, null, {
      timeout: 90_000,
    });
    const active = await page.evaluate(() => document.body.dataset.lenslabExtension);
    assert(active === 'active', `lab extension not active (body data-lenslab-extension=${active})`);
  });

  await test('running all cells shows the widget, ready', async () => {
    await runAllCells(page);
    try {
      await page.waitForSelector('.lenslab-root[data-state="ready"]', { timeout: READY_TIMEOUT_MS });
    } catch (error) {
      await screenshot(page, 'not-ready', { fullPage: true });
      const state = await page.evaluate(() => document.querySelector('.lenslab-root')?.dataset.state ?? 'absent');
      throw new Error(`widget state ${state}; notebook errors:\n${await notebookErrors(page)}\n${error.message}`);
    }
    await page.locator('.lenslab-root').first().scrollIntoViewIfNeeded();
    await screenshot(page, '01-notebook', { fullPage: true });
    await screenshot(page, '01-widget');
  });

  await test('default view draws every recorded op exactly once', async () => {
    const problems = oracle.coverageProblems(await visibleIds(page));
    assert(problems.length === 0, problems.join('\n'));
  });

  await test('fully expanded view shows exactly the ops the kernel recorded', async () => {
    await callView(page, 'setDepth', 1000);
    assertSameIds(await visibleIds(page), oracle.allOpIds(), 'visible vs kernel');
    await screenshot(page, '02-expanded');
  });

  await test('buffers are hidden by default; the "buffers" switch draws them', async () => {
    const withBuffers = new GraphOracle(graph, { includeRoles: ALL_ROLES });
    assert(withBuffers.ops.length > oracle.ops.length, 'the notebook model has buffers (BatchNorm)');
    await page.locator('.lenslab-root [data-action="show-buffers"]').first().check();
    await page.waitForFunction(
      (n) => document.querySelector('.lenslab-root')?.lenslabView.visibleNodeIds().length === n,
      withBuffers.allOpIds().length,
      { timeout: 15_000 },
    );
    assertSameIds(await visibleIds(page), withBuffers.allOpIds(), 'buffers shown vs kernel');
    await screenshot(page, '02b-buffers');
    await callView(page, 'setShowBuffers', false);
    assertSameIds(await visibleIds(page), oracle.allOpIds(), 'buffers hidden again');
  });

  await test(`collapse('${BLOCK}') replaces its ops by one node`, async () => {
    const before = (await visibleIds(page)).length;
    await callView(page, 'collapse', BLOCK);
    const after = await visibleIds(page);
    assert(after.length < before, `visible nodes ${before} -> ${after.length}`);
    assertSameIds(after, oracle.viewWithCollapsed([BLOCK]), 'after collapse');
    await screenshot(page, '03-collapsed-api');
    await callView(page, 'expand', BLOCK);
    assertSameIds(await visibleIds(page), oracle.allOpIds(), 'after expand');
  });

  await test('clicking a module header collapses it', async () => {
    const before = await visibleIds(page);
    const header = await moduleHeader(page, BLOCK);
    await header.scrollIntoViewIfNeeded();
    await header.click();
    await page.waitForFunction(
      (n) => document.querySelector('.lenslab-root')?.lenslabView.visibleNodeIds().length < n,
      before.length,
      { timeout: 15_000 },
    );
    await page.waitForSelector('.lenslab-root[data-state="ready"]');
    assertSameIds(await visibleIds(page), oracle.viewWithCollapsed([BLOCK]), 'after click');
    await screenshot(page, '04-collapsed-click');
  });

  await dataSpec({ page, test, assert, screenshot });
  await bundleSpec({ context, lab, test, assert, screenshot });

  await gallerySpec({ context, lab, test, assert, out: OUT });
  await lessonsSpec({ context, lab, test, assert, out: OUT });
  await compareSpec({ context, lab, test, assert, out: OUT });
  await compareLiveSpec({ context, lab, test, assert, out: OUT });
  await depthSpec({ context, test, assert, out: OUT });
  // Pinned input batch picker, grad_fn, lazy gradient-flow overlay (issues 14, 15 follow-ups).
  await panelsSpec({ context, lab, test, assert, out: OUT });
  // Notebook 7, nbconvert HTML (offline, CDN served locally), marimo run and export (issue 17).
  await hostsSpec({ context, lab, test, assert, out: OUT });

  await test('performance marks lenslab:first-draw, :layout and :draw are recorded', async () => {
    const names = await page.evaluate(() => performance.getEntriesByType('measure').map((m) => m.name));
    for (const name of ['lenslab:first-draw', 'lenslab:layout', 'lenslab:draw']) {
      assert(names.includes(name), `no performance.measure ${name} (have ${names.filter((n) => n.startsWith('lenslab')).join(', ') || 'none'})`);
    }
  });

  await test('no uncaught errors on the page', async () => {
    assert(pageErrors.length === 0, pageErrors.join('\n'));
  });
}

const watchdog = setTimeout(async () => {
  console.log(`FAIL watchdog: browser test still running after ${WATCHDOG_MS / 60_000} min`);
  results.push({ name: 'watchdog', ok: false });
  await cleanup();
  finish();
}, WATCHDOG_MS);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    await cleanup();
    process.exit(130);
  });
}

try {
  await main();
} catch (error) {
  results.push({ name: 'setup', ok: false });
  console.log(`FAIL setup\n     ${error.message}`);
} finally {
  await cleanup();
  clearTimeout(watchdog);
  finish();
}
