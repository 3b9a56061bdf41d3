// Every host shows one graph per displayed capture (issue 17), for ui-tests/run.mjs or
// ui-tests/one.mjs hosts to call once JupyterLab runs:
//
//   import { hostsSpec } from './hosts.spec.mjs';
//   await hostsSpec({ context, lab, test, assert, out });
//
// ui-tests/hosts_pages.py writes a small model's notebook (executed, widget state stored), its
// nbconvert HTML and a marimo app with its `marimo export html`. Checked: nbconvert HTML offline
// (every non-file request aborted) and online (the CDN files served from node_modules and the
// anywidget wheel by Playwright routing), Notebook 7 before and after running, JupyterLab with
// the lenslab extension disabled (the code then comes from the kernel), `marimo run` and
// the marimo export (its CDN served from the marimo wheel), and the notebook opened untrusted
// in JupyterLab and Notebook 7 (the snapshot still shows). One graph each; "no kernel
// connected" and never "kernel busy" where no kernel is behind the page.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startLab } from './lab-server.mjs';
import { runAllCells, trustNotebook } from './kernel.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIR = 'ui-tests/output/hosts';
const require = createRequire(import.meta.url);
/** A drawn graph: the live view, or a kept snapshot (inline SVG or an <img> of one). */
const GRAPHS = '.lenslab-root, svg.lenslab-kept, img.lenslab-kept, img[src*="lenslab-kept"], img[src^="data:image/svg+xml;base64,PHN2ZyBjbGFzcz0ibGVuc2xhYi1rZXB0"]';

function sitePackages() {
  const lib = join(ROOT, '.venv/lib');
  const python = readdirSync(lib).find((d) => d.startsWith('python'));
  return join(lib, python, 'site-packages');
}

function makePages() {
  rmSync(join(ROOT, DIR), { recursive: true, force: true });
  const run = spawnSync(join(ROOT, '.venv/bin/python'), [join(ROOT, 'ui-tests/hosts_pages.py'), join(ROOT, DIR)], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 400_000,
  });
  if (run.status !== 0) throw new Error(`hosts_pages.py failed:\n${run.stderr}`);
}

/** Visible graphs on the page (open shadow roots included: marimo draws widgets in them). */
function visibleGraphs(page) {
  return page.evaluate((selector) => {
    const found = [];
    const visit = (root) => {
      for (const el of root.querySelectorAll(selector)) {
        const box = el.getBoundingClientRect();
        if (box.width > 20 && box.height > 20 && getComputedStyle(el).visibility !== 'hidden') found.push(el.tagName);
      }
      for (const el of root.querySelectorAll('*')) if (el.shadowRoot) visit(el.shadowRoot);
    };
    visit(document);
    return found;
  }, GRAPHS);
}

/**
 * The kept snapshot as drawn: its <img> box, whether the image decoded, the nodes in its SVG
 * (from the data: URL) and how many of its pixels are not white (drawn onto a canvas).
 */
function keptSnapshot(page) {
  return page.evaluate(async () => {
    const img = [...document.querySelectorAll('.jp-OutputArea-output img.lenslab-kept')].find((el) => el.getBoundingClientRect().width > 0);
    if (!img) return null;
    await img.decode().catch(() => undefined);
    const box = img.getBoundingClientRect();
    const svg = atob(img.src.slice(img.src.indexOf(',') + 1));
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let inked = 0;
    for (let i = 0; i < pixels.length; i += 4) if (pixels[i + 3] > 0 && pixels[i] + pixels[i + 1] + pixels[i + 2] < 3 * 235) inked++;
    return {
      width: Math.round(box.width),
      height: Math.round(box.height),
      natural: img.naturalWidth,
      nodes: (svg.match(/<g class="lenslab-node\b/g) ?? []).length,
      inked,
      mime: img.closest('[data-mime-type]')?.getAttribute('data-mime-type'),
    };
  });
}

/** Whether any cell of the open notebook is trusted (false: a notebook nobody signed here). */
const anyTrusted = (page) =>
  page.evaluate(() => {
    const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
    for (let i = 0; i < cells.length; i++) if (cells.get(i).trusted) return true;
    return false;
  });

/**
 * Opens the executed notebook untrusted (the lab server's data dir, hence its notary database,
 * is fresh, and nothing trusted the file yet): the kept snapshot must show, not its text line.
 */
async function checkUntrusted({ page, url, assert, shot, name }) {
  await page.goto(url);
  await page.waitForFunction(() => window.jupyterapp?.shell?.currentWidget?.content?.widgets, null, { timeout: 90_000 });
  await page.evaluate(() => window.jupyterapp.shell.currentWidget.context.ready);
  assert(!(await anyTrusted(page)), 'the notebook opened trusted: this check needs an untrusted one');
  await page.waitForSelector('.jp-OutputArea-output img.lenslab-kept', { state: 'visible', timeout: 60_000 });
  await page.waitForTimeout(1500);
  const kept = await keptSnapshot(page);
  assert(kept && kept.mime === 'text/html', `the snapshot is not the text/html <img> (${JSON.stringify(kept)})`);
  assert(kept.natural > 0 && kept.width > 100 && kept.height > 200, `the snapshot is not drawn (${JSON.stringify(kept)})`);
  assert(kept.nodes >= 5 && kept.inked > 2000, `the snapshot shows no graph (${JSON.stringify(kept)})`);
  const line = await page.locator('.jp-OutputArea-output:visible', { hasText: 'static view: the interactive widget needs the kernel' }).count();
  assert(line === 0, 'the text line shows instead of the snapshot');
  const graphs = await visibleGraphs(page);
  assert(graphs.length === 1, `expected one graph, found ${graphs.length} (${graphs})`);
  assert(!(await anyTrusted(page)), 'the notebook became trusted while checked');
  console.log(`     untrusted snapshot: ${JSON.stringify(kept)}`);
  await shot(page, name);
}

const bodyText = (page) =>
  page.evaluate(() => {
    let text = document.body.innerText;
    for (const el of document.querySelectorAll('*')) if (el.shadowRoot) text += el.shadowRoot.textContent;
    return text;
  });

/** Serves CDN files from local copies; every other non-file request is aborted. */
async function routeCdn(page, table) {
  await page.route('**/*', async (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    for (const [pattern, local] of table) {
      const m = url.match(pattern);
      if (!m) continue;
      const path = local(m);
      if (path && existsSync(path)) {
        const type = path.endsWith('.js') || path.endsWith('.mjs') ? 'text/javascript' : path.endsWith('.css') ? 'text/css' : undefined;
        return route.fulfill({ body: readFileSync(path), contentType: type });
      }
    }
    return route.abort();
  });
}

async function startMarimo(app) {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(join(ROOT, '.venv/bin/marimo'), ['run', app, '--headless', '--port', String(port), '--no-token'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 120; i++) {
    try {
      if ((await fetch(url)).ok) return { url, stop: () => child.kill(), log: () => log };
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  child.kill();
  throw new Error(`marimo run did not start:\n${log}`);
}

export async function hostsSpec({ context, lab, test, assert, out }) {
  const shot = async (page, name) => {
    const path = join(out, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    console.log(`     screenshot ${path}`);
  };
  await test('host pages are written (notebook, nbconvert HTML, marimo app and export)', async () => {
    makePages();
  });
  const html = pathToFileURL(join(ROOT, DIR, 'hosts.html')).href;
  const site = sitePackages();

  await test('nbconvert HTML offline: the kept SVG is the one graph, sized to fit, no endless wait', async () => {
    const page = await context.newPage();
    try {
      await routeCdn(page, []);
      await page.goto(html);
      await page.waitForTimeout(4000);
      const graphs = await visibleGraphs(page);
      assert(graphs.length === 1, `expected one graph, found ${graphs.length} (${graphs})`);
      const box = await page.locator('[data-mime-type="text/html"] img.lenslab-kept').first().boundingBox();
      assert(box && box.width <= 1400 && box.height > 200, `the kept SVG is not drawn to fit (${JSON.stringify(box)})`);
      assert(!/kernel busy/.test(await bodyText(page)), 'says "kernel busy"');
      await shot(page, 'hosts-01-nbconvert-offline');
    } finally {
      await page.close();
    }
  });

  await test('nbconvert HTML online (CDN served locally): one graph, the widget says "no kernel connected" and steps aside', async () => {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      const manager = dirname(require.resolve('@jupyter-widgets/html-manager/package.json'));
      await routeCdn(page, [
        [/\/require(?:\.min)?\.js/, () => require.resolve('requirejs/require.js')],
        [/@jupyter-widgets\/html-manager@[^/]*\/dist\/([^?#]+)/, (m) => join(manager, 'dist', m[1])],
        [/\/anywidget@[^/]*\/dist\/index\.js/, () => join(site, 'anywidget/nbextension/index.js')],
      ]);
      await page.goto(html);
      await page.waitForSelector('[data-state="no-kernel"]', { state: 'attached', timeout: 30_000 });
      const graphs = await visibleGraphs(page);
      assert(graphs.length === 1, `expected one graph, found ${graphs.length} (${graphs})`);
      const text = await bodyText(page);
      assert(!/kernel busy/.test(text), 'says "kernel busy"');
      await shot(page, 'hosts-02-nbconvert-online');
      assert(errors.length === 0, `page errors: ${errors.join('\n')}`);
    } finally {
      await page.close();
    }
  });

  // Before any check trusts the notebook (trusting signs it in this server's notary database).
  await test('untrusted (an executed notebook nobody signed here): JupyterLab and Notebook 7 show the snapshot graph', async () => {
    const page = await context.newPage();
    try {
      const query = `token=${lab.token}`;
      await checkUntrusted({ page, url: `${lab.url}/lab/tree/${DIR}/hosts.ipynb?${query}&reset`, assert, shot, name: 'hosts-08-lab-untrusted' });
      await checkUntrusted({ page, url: `${lab.url}/notebooks/${DIR}/hosts.ipynb?${query}`, assert, shot, name: 'hosts-09-notebook7-untrusted' });
    } finally {
      await page.close();
    }
  });

  await test('Notebook 7: the saved notebook shows one graph without a kernel, and the live widget alone once run', async () => {
    const page = await context.newPage();
    try {
      await page.goto(`${lab.url}/notebooks/${DIR}/hosts.ipynb?token=${lab.token}`);
      await page.waitForFunction(() => window.jupyterapp?.shell?.currentWidget?.content?.widgets, null, { timeout: 90_000 });
      await trustNotebook(page); // executed elsewhere, so untrusted: trusted, the snapshot stays one graph
      await page.waitForSelector('img.lenslab-kept', { timeout: 60_000 });
      await page.waitForTimeout(1500);
      const before = await visibleGraphs(page);
      assert(before.length === 1, `before running: expected one graph, found ${before.length} (${before})`);
      await shot(page, 'hosts-03-notebook7-saved');
      await runAllCells(page);
      await page.waitForSelector('.lenslab-root[data-state="ready"]', { timeout: 180_000 });
      await page.waitForTimeout(1000);
      const after = await visibleGraphs(page);
      assert(after.length === 1 && after[0] === 'DIV', `after running: expected the live view alone, found ${after}`);
      // The widget module came from the lab extension (loaded once per page), not the kernel.
      const source = await page.evaluate(() => {
        const slot = globalThis[Symbol.for('lenslab.widget')];
        return slot && !(slot instanceof Promise) && !('css' in slot) ? 'extension' : 'kernel';
      });
      assert(source === 'extension', `the widget module came from the ${source}`);
      await shot(page, 'hosts-04-notebook7-live');
    } finally {
      await page.close();
    }
  });

  await test('JupyterLab without the lenslab extension: the widget code comes from the kernel, one graph', async () => {
    const bare = await startLab({ jupyter: join(ROOT, '.venv/bin/jupyter'), rootDir: ROOT, disabledExtensions: ['lenslab'] });
    const page = await context.newPage();
    try {
      await page.goto(`${bare.url}/lab/tree/${DIR}/hosts.ipynb?token=${bare.token}&reset`);
      await page.waitForFunction(() => window.jupyterapp?.shell?.currentWidget?.content?.widgets, null, { timeout: 90_000 });
      const active = await page.evaluate(() => document.body.dataset.lenslabExtension ?? 'absent');
      assert(active === 'absent', `the lenslab extension is active (${active})`);
      await trustNotebook(page);
      await runAllCells(page);
      await page.waitForSelector('.lenslab-root[data-state="ready"]', { timeout: 180_000 });
      await page.waitForTimeout(1000);
      const graphs = await visibleGraphs(page);
      assert(graphs.length === 1 && graphs[0] === 'DIV', `expected the live view alone, found ${graphs}`);
      const fromKernel = await page.evaluate(() => typeof globalThis[Symbol.for('lenslab.widget')]?.css === 'string');
      assert(fromKernel, 'the widget module did not come from the kernel');
      await shot(page, 'hosts-07-lab-without-extension');
    } finally {
      await page.close();
      await bare.stop();
    }
  });

  await test('marimo run: the live widget, drawn once', async () => {
    const marimo = await startMarimo(join(DIR, 'hosts_marimo.py'));
    const page = await context.newPage();
    try {
      await page.goto(marimo.url);
      await page.waitForSelector('.lenslab-root[data-state="ready"]', { timeout: 180_000 });
      await page.waitForTimeout(1000);
      const graphs = await visibleGraphs(page);
      assert(graphs.length === 1 && graphs[0] === 'DIV', `expected the live view alone, found ${graphs}`);
      await shot(page, 'hosts-05-marimo-run');
    } finally {
      await page.close();
      marimo.stop();
    }
  });

  await test('marimo export html (its CDN served from the marimo wheel): the snapshot, "no kernel connected"', async () => {
    const page = await context.newPage();
    try {
      await routeCdn(page, [[/@marimo-team\/frontend@[^/]*\/dist\/([^?#]+)/, (m) => join(site, 'marimo/_static', m[1])]]);
      await page.goto(pathToFileURL(join(ROOT, DIR, 'hosts_marimo.html')).href);
      await page.waitForSelector('[data-state="no-kernel"]', { state: 'attached', timeout: 60_000 });
      const graphs = await visibleGraphs(page);
      assert(graphs.length === 1, `expected one graph, found ${graphs.length} (${graphs})`);
      const text = await bodyText(page);
      assert(/no kernel connected/.test(text) && !/kernel busy/.test(text), 'no "no kernel connected", or "kernel busy"');
      await shot(page, 'hosts-06-marimo-export');
    } finally {
      await page.close();
    }
  });
}
