// Browser checks of kept captures (issue 8), for ui-tests/run.mjs to call once JupyterLab runs:
//
//   import { bundleSpec } from './bundle.spec.mjs';
//   await bundleSpec({ context, lab, test, assert, screenshot });
//
// Writes a .lens bundle, a standalone HTML file and a saved notebook with a lenslab output
// (ui-tests/kept_captures.py), then: opens the
// standalone file from disk with every non-file request aborted; opens the bundle from the
// file browser by double-click (read by byte range) and from the command palette; reopens the
// notebook with no kernel; then runs it and opens the live widget in a new tab ("Open in New
// Tab", context menu). Each shows the graph.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runAllCells, trustNotebook } from './kernel.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIR = 'ui-tests/output/kept';
// A label whose module name carries markup: it must render as text.
const EVIL = 'x</script><img src=x onerror=alert(1)>';

function makeCaptures() {
  rmSync(join(ROOT, DIR), { recursive: true, force: true });
  mkdirSync(join(ROOT, DIR), { recursive: true });
  const run = spawnSync(join(ROOT, '.venv/bin/python'), [join(ROOT, 'ui-tests/kept_captures.py'), join(ROOT, DIR), EVIL], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (run.status !== 0) throw new Error(`kept_captures.py failed:\n${run.stderr}`);
}

const ready = (page, scope = '') => page.waitForSelector(`${scope} .lenslab-root[data-state="ready"]`.trim(), { timeout: 90_000 });
/**
 * The main-area panel under `scope` is a lumino SplitPanel: the graph (.lenslab-root) in the left
 * pane, the inspector and the layer table in the right one (out of the widget's own layout).
 * With `selected`: the inspector in the right pane shows that node. Returns the pane boxes.
 */
async function assertSplit(page, scope, assert, selected = null) {
  const r = await page.evaluate(
    ([scope, selected]) => {
      const panel = document.querySelector(scope);
      const split = panel?.matches('.lm-SplitPanel') ? panel : panel?.querySelector('.lm-SplitPanel');
      if (!split) return { error: `no .lm-SplitPanel in ${scope}` };
      const panes = [...split.children].filter((c) => c.classList.contains('lm-Widget') && !c.classList.contains('lm-mod-hidden'));
      const [left, right] = panes;
      const inspector = right?.querySelector('[data-lenslab-inspector]');
      const box = (el) => (el ? el.getBoundingClientRect().toJSON() : null);
      return {
        panes: panes.length,
        graphLeft: !!left?.querySelector('.lenslab-root'),
        inspectorRight: !!inspector && !inspector.closest('.lenslab-root') && !inspector.hidden,
        tableRight: !!right?.querySelector('.lenslab-table:not([hidden])'),
        inRoot: document.querySelectorAll(`${scope} .lenslab-root [data-lenslab-inspector]`).length,
        selected: inspector?.getAttribute('data-selected') ?? null,
        tensor: !!selected && !!right?.querySelector(`[data-lenslab-tensor="${selected}"][data-state="ready"]`),
        left: box(left),
        right: box(right),
        inspector: box(inspector),
      };
    },
    [scope, selected],
  );
  assert(!r.error, r.error);
  assert(r.panes === 2 && r.graphLeft, `the split has no graph pane on the left (${JSON.stringify(r)})`);
  assert(r.inspectorRight && r.inRoot === 0, `the inspector is not in the right pane (${JSON.stringify(r)})`);
  assert(r.tableRight, `the layer table is not in the right pane (${JSON.stringify(r)})`);
  assert(r.right.x >= r.left.x + r.left.width && r.inspector.width > 100 && r.inspector.height > 100, `the panes are not side by side (${JSON.stringify(r)})`);
  if (selected !== null) {
    assert(r.selected === selected, `the inspector shows ${r.selected}, not ${selected}`);
    assert(r.tensor, `the tensor view of ${selected} is not in the right pane`);
  }
  return r;
}

/** Drags the split's vertical handle left by `dx` px; returns the graph pane's width before and after. */
async function dragSplit(page, scope, dx) {
  const handle = await page.evaluate((scope) => {
    const panel = document.querySelector(scope);
    const split = panel.matches('.lm-SplitPanel') ? panel : panel.querySelector('.lm-SplitPanel');
    const h = [...split.children].find((c) => c.classList.contains('lm-SplitPanel-handle') && !c.classList.contains('lm-mod-hidden'));
    const b = h.getBoundingClientRect();
    return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
  }, scope);
  const width = () => page.evaluate((scope) => document.querySelector(`${scope} .lenslab-root`).getBoundingClientRect().width, scope);
  const before = await width();
  await page.mouse.move(handle.x, handle.y);
  await page.mouse.down();
  await page.mouse.move(handle.x - dx / 2, handle.y, { steps: 4 });
  await page.mouse.move(handle.x - dx, handle.y, { steps: 4 });
  await page.mouse.up();
  await page.waitForTimeout(300);
  return { before, after: await width() };
}

const visible = (page) => page.evaluate(() => document.querySelector('.lenslab-root')?.lenslabView.visibleNodeIds() ?? []);

export async function bundleSpec({ context, lab, test, assert, screenshot }) {
  let made = false;
  await test('kept captures are written (bundle, standalone HTML, notebook)', async () => {
    makeCaptures();
    made = true;
  });
  if (!made) return;

  await test('standalone HTML opens from disk with no network and shows graph and an activation', async () => {
    const page = await context.newPage();
    const blocked = [];
    const dialogs = [];
    page.on('dialog', (d) => void d.dismiss().then(() => dialogs.push(d.message())));
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:') || url.startsWith('blob:') || url.startsWith('data:')) return route.continue();
      blocked.push(url);
      return route.abort();
    });
    try {
      await page.goto(pathToFileURL(join(ROOT, DIR, 'capture.html')).href);
      await ready(page);
      const ids = await visible(page);
      assert(ids.length > 0, 'no nodes drawn');
      await page.evaluate(() => document.querySelector('.lenslab-root').lenslabView.setDepth(100));
      await page.evaluate(() => document.querySelector('.lenslab-root').lenslabView.select('conv2d_1_1:1'));
      const view = page.locator('[data-lenslab-tensor="conv2d_1_1:1"][data-state="ready"]');
      await view.waitFor({ timeout: 30_000 });
      const mean = await view.getAttribute('data-stat-mean');
      assert(mean !== null && Number.isFinite(Number(mean)), `no data-stat-mean (${mean})`);
      const text = await page.evaluate(() => document.body.innerText);
      assert(text.includes('<img'), 'the markup in a module name is not shown as text');
      assert(dialogs.length === 0, `markup from a module name ran: ${dialogs.join(', ')}`);
      assert(blocked.length === 0, `network requests: ${blocked.join(', ')}`);
      await screenshot(page, '20-standalone', { fullPage: true });
    } finally {
      await page.close();
    }
  });

  if (!lab) return;
  const labPage = await context.newPage();
  const labErrors = [];
  labPage.on('pageerror', (error) => labErrors.push(error.message));
  try {
    await test('a .lens bundle opens from the file browser (double-click), read lazily by byte range', async () => {
      const requests = [];
      const onRequest = (r) => requests.push({ method: r.method(), url: r.url(), range: r.headers()['range'] ?? null });
      labPage.on('request', onRequest);
      try {
        await labPage.goto(`${lab.url}/lab/tree/${DIR}?token=${lab.token}&reset`);
        const item = labPage.locator('.jp-DirListing-itemText', { hasText: 'capture.lens' }).first();
        await item.waitFor({ timeout: 90_000 });
        await item.dblclick();
        await ready(labPage, '.lenslab-bundle-view');
        const root = '.lenslab-bundle-view .lenslab-root';
        const ids = await labPage.evaluate((sel) => document.querySelector(sel).lenslabView.visibleNodeIds(), root);
        assert(ids.length > 0, 'no nodes drawn in the bundle viewer');
        const read = await labPage.evaluate(() => document.querySelector('.lenslab-bundle-view')?.dataset.lenslabRead);
        assert(read === 'ranges', `the bundle was not read by byte range (data-lenslab-read=${read})`);
        await labPage.evaluate((sel) => document.querySelector(sel).lenslabView.setDepth(100), root);
        await labPage.evaluate((sel) => document.querySelector(sel).lenslabView.select('conv2d_1_1:1'), root);
        const view = labPage.locator('.lenslab-bundle-view [data-lenslab-tensor="conv2d_1_1:1"][data-state="ready"]');
        await view.waitFor({ timeout: 30_000 });
        const mean = await view.getAttribute('data-stat-mean');
        assert(mean !== null && Number.isFinite(Number(mean)), `no data-stat-mean (${mean})`);
        // Graph | inspector + layer table, side by side in a draggable lumino SplitPanel.
        await assertSplit(labPage, '.lenslab-bundle-document', assert, 'conv2d_1_1:1');
        const drag = await dragSplit(labPage, '.lenslab-bundle-document', 150);
        assert(drag.after < drag.before - 100, `dragging the split handle did not narrow the graph (${JSON.stringify(drag)})`);
        await assertSplit(labPage, '.lenslab-bundle-document', assert, 'conv2d_1_1:1');
        const text = await labPage.evaluate(() => document.querySelector('.lenslab-bundle-view').innerText);
        assert(text.includes('<img'), 'the markup in a module name is not shown as text');
        const lens = requests.filter((r) => r.url.includes('capture.lens'));
        const whole = lens.filter((r) => r.url.includes('/api/contents/') && /[?&]content=1/.test(r.url));
        assert(whole.length === 0, `the contents API was asked for the whole file: ${whole.map((r) => r.url).join(', ')}`);
        const ranged = lens.filter((r) => r.url.includes('/files/'));
        assert(ranged.length >= 3 && ranged.every((r) => r.range), `expected ranged /files/ reads (header size, header, tensor): ${JSON.stringify(ranged)}`);
        const writes = lens.filter((r) => r.method !== 'GET');
        assert(writes.length === 0, `the viewer wrote to the server (checkpoint?): ${writes.map((r) => `${r.method} ${r.url}`).join(', ')}`);
        await screenshot(labPage, '21-lens-viewer', { fullPage: true });
      } finally {
        labPage.off('request', onRequest);
      }
    });

    await test('command palette lists the lenslab commands; "Open lenslab Bundle" opens a .lens by path', async () => {
      await labPage.evaluate(() => window.jupyterapp.commands.execute('apputils:activate-command-palette'));
      const input = labPage.locator('.lm-CommandPalette-input');
      await input.waitFor({ timeout: 10_000 });
      await input.fill('lenslab');
      const items = labPage.locator('.lm-CommandPalette-item');
      await items.first().waitFor({ timeout: 10_000 });
      const labels = await items.allInnerTexts();
      for (const want of ['Open in New Tab', 'Open lenslab Bundle']) {
        assert(labels.some((l) => l.includes(want)), `palette has no "${want}" (has: ${labels.join(' | ')})`);
      }
      const header = await labPage.locator('.lm-CommandPalette-header', { hasText: 'lenslab' }).count();
      assert(header > 0, 'no "lenslab" category in the palette');
      await screenshot(labPage, '23-palette', { fullPage: true });
      await input.press('Escape');
      await labPage.evaluate(async (dir) => {
        const app = window.jupyterapp;
        for (const w of [...app.shell.widgets('main')]) if (w.hasClass?.('lenslab-bundle-document')) w.dispose();
        await app.commands.execute('lenslab:open-bundle', { path: `${dir}/capture.lens` });
      }, DIR);
      await ready(labPage, '.lenslab-bundle-view');
      // Theme-aware: under JupyterLab Dark the viewer's background follows the lab's.
      const background = () =>
        labPage.evaluate(() => getComputedStyle(document.querySelector('.lenslab-bundle-view .lenslab-root')).backgroundColor);
      const light = await background();
      await labPage.evaluate(() => window.jupyterapp.commands.execute('apputils:change-theme', { theme: 'JupyterLab Dark' }));
      try {
        await labPage.waitForFunction(() => document.body.dataset.jpThemeLight === 'false', null, { timeout: 30_000 });
        await labPage.waitForFunction((before) => getComputedStyle(document.querySelector('.lenslab-bundle-view .lenslab-root')).backgroundColor !== before, light, { timeout: 30_000 });
        await labPage.waitForSelector('#jupyterlab-splash', { state: 'detached', timeout: 30_000 });
        const dark = await background();
        const [r, g, b] = dark.match(/\d+/g).map(Number);
        assert(r + g + b < 3 * 100, `the viewer is not dark under JupyterLab Dark (background ${dark}, light ${light})`);
        await screenshot(labPage, '26-lens-viewer-dark', { fullPage: true });
      } finally {
        await labPage.evaluate(() => window.jupyterapp.commands.execute('apputils:change-theme', { theme: 'JupyterLab Light' }));
        await labPage.waitForFunction(() => document.body.dataset.jpThemeLight === 'true', null, { timeout: 30_000 });
        await labPage.waitForSelector('#jupyterlab-splash', { state: 'detached', timeout: 30_000 });
      }
    });

    await test('a saved notebook reopened without its widget model still shows the graph', async () => {
      await labPage.goto(`${lab.url}/lab/tree/${DIR}/kept.ipynb?token=${lab.token}&reset`);
      // The kept output is an SVG snapshot (an <img> in text/html, which JupyterLab draws in
      // trusted and untrusted notebooks alike; trusted here, as the user's own saved notebooks are).
      await labPage.waitForFunction(() => window.jupyterapp?.shell?.currentWidget?.content?.widgets, null, { timeout: 90_000 });
      await trustNotebook(labPage);
      await labPage.waitForSelector('.jp-OutputArea-child img.lenslab-kept', { state: 'visible', timeout: 90_000 });
      await labPage.waitForTimeout(3000);
      const errors = await labPage.locator('.jp-OutputArea-child:visible', { hasText: /model not found|Loading widget/ }).count();
      assert(errors === 0, 'a "model not found" error or "Loading widget..." is visible');
      const graphs = await labPage.locator('.jp-Notebook img.lenslab-kept:visible, .jp-Notebook .lenslab-root:visible').count();
      assert(graphs === 1, `expected one graph, found ${graphs}`);
      // A widget model restored from the saved state has no kernel: it steps aside for the snapshot.
      const snapshot = await labPage.locator('.jp-Notebook img.lenslab-kept:visible').count();
      assert(snapshot === 1, 'the kept snapshot is hidden behind a widget with no kernel');
      await screenshot(labPage, '22-kept-notebook', { fullPage: true });
    });

    // Runs the notebook (a kernel), so it comes after the kernel-free checks above.
    await test('"Open in New Tab" (context menu) shows the live widget in a main-area tab on the same kernel', async () => {
      await runAllCells(labPage);
      const live = '.jp-Notebook .lenslab-root[data-state="ready"]';
      await labPage.waitForSelector(live, { timeout: 180_000 });
      const kept = await labPage.locator('.jp-Notebook img.lenslab-kept:visible').count();
      assert(kept === 0, 'the kept snapshot is still visible next to the live widget');
      await labPage.locator(live).first().click({ button: 'right', position: { x: 200, y: 200 } });
      const item = labPage.locator('.lm-Menu-item', { hasText: 'Open in New Tab' });
      await item.waitFor({ timeout: 10_000 });
      await screenshot(labPage, '24-context-menu', { fullPage: true });
      await item.click();
      await ready(labPage, '.lenslab-tab');
      await labPage.waitForSelector('.lenslab-tab[data-lenslab-source]', { timeout: 30_000 });
      const source = await labPage.evaluate(() => document.querySelector('.lenslab-tab').dataset.lenslabSource);
      assert(source === 'live', `the tab draws the ${source} graph, not the live widget model`);
      const inMain = await labPage.evaluate(() => [...window.jupyterapp.shell.widgets('main')].some((w) => w.node.querySelector('.lenslab-tab')));
      assert(inMain, 'the tab is not in the main area');
      const root = '.lenslab-tab .lenslab-root';
      const box = await labPage.locator(root).boundingBox();
      assert(box && box.height > 600, `the view does not fill the tab (height ${box?.height})`);
      await assertSplit(labPage, '.lenslab-tab-panel', assert);
      await labPage.evaluate((sel) => document.querySelector(sel).lenslabView.setDepth(100), root);
      await labPage.evaluate((sel) => document.querySelector(sel).lenslabView.select('conv2d_1_1:1'), root);
      // A tensor only the kernel has: the tab's view reaches it through the same widget model.
      const view = labPage.locator('.lenslab-tab [data-lenslab-tensor="conv2d_1_1:1"][data-state="ready"]');
      await view.waitFor({ timeout: 60_000 });
      const mean = await view.getAttribute('data-stat-mean');
      assert(mean !== null && Number.isFinite(Number(mean)), `no data-stat-mean (${mean})`);
      await assertSplit(labPage, '.lenslab-tab-panel', assert, 'conv2d_1_1:1');
      // The notebook's own view keeps its layout: its inspector stays inside its .lenslab-root.
      const cellInspector = await labPage.evaluate(() => document.querySelectorAll('.jp-Notebook .lenslab-root [data-lenslab-inspector]').length);
      assert(cellInspector > 0, 'the notebook widget lost its inspector');
      await screenshot(labPage, '25-open-in-tab', { fullPage: true });
      assert(labErrors.length === 0, `uncaught errors: ${labErrors.join('\n')}`);
    });
  } finally {
    await labPage.close();
  }
}
