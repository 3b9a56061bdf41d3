// Browser checks of capture depth (issue 13) on standalone pages (no kernel, no network):
// a collapsed recurrent cell keeps its self-loop in the rolled view; a rolled layer's
// inspector has a pass slider that says which pass it shows and plots a per-pass statistic;
// a ViT's attention softmax (attention_weights=True) is selectable as a 4-D tensor inside the
// ƒ scaled_dot_product_attention() frame. Python (ui-tests/depth_pages.py) writes the pages.
//
//   import { depthSpec } from './depth.spec.mjs';
//   await depthSpec({ context, test, assert, out });
//
// or on its own: `node ui-tests/one.mjs depth` (prints `N passed, N failed`).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

function makePages(dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const run = spawnSync(join(ROOT, '.venv/bin/python'), [join(ROOT, 'ui-tests/depth_pages.py'), dir], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  if (run.status !== 0) throw new Error(`depth_pages.py failed:\n${run.stderr}`);
  return JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
}

async function openPage(context, file) {
  const page = await context.newPage();
  await page.route('**/*', (route) => {
    const url = route.request().url();
    return url.startsWith('file:') || url.startsWith('blob:') || url.startsWith('data:') ? route.continue() : route.abort();
  });
  await page.setViewportSize({ width: 1300, height: 1000 });
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('.lenslab-root[data-state="ready"]', { timeout: 60_000 });
  return page;
}

const view = (page, fn, arg) =>
  page.evaluate(([f, a]) => new Function('v', 'a', `return (${f})(v, a)`)(document.querySelector('.lenslab-root').lenslabView, a), [fn.toString(), arg]);

export async function depthSpec({ context, test, assert, out }) {
  const dir = join(out, 'depth');
  const expected = makePages(dir);

  await test('depth: a collapsed recurrent cell keeps its self-loop in the rolled view', async () => {
    const page = await openPage(context, join(dir, 'elman.html'));
    await view(page, (v) => v.setRolled(true));
    await view(page, (v) => v.collapse('module:cell'));
    const ids = await view(page, (v) => v.visibleNodeIds());
    assert(ids.includes('module:cell'), `module:cell not drawn (${ids.join(', ')})`);
    const loops = await page.locator('[data-edge="module:cell\u2192module:cell"]').count();
    assert(loops === 1, `the collapsed cell has ${loops} self-loop edges, not 1`);
    await page.screenshot({ path: join(out, 'depth-01-rolled-cell.png') });
    await page.close();
  });

  await test('depth: a rolled layer has a pass slider saying which pass it shows, and a per-pass plot', async () => {
    const page = await openPage(context, join(dir, 'elman.html'));
    await view(page, (v) => v.setRolled(true));
    await view(page, (v, id) => v.select(id), expected.cell_layer);
    const picker = '[data-lenslab-passes]';
    await page.waitForSelector(`${picker}[data-plot-state="ready"]`, { timeout: 20_000 });
    assert((await page.getAttribute(picker, 'data-passes')) === String(expected.passes), 'pass count');
    assert((await page.textContent('.lenslab-passes-text')) === `pass 1 of ${expected.passes}`, 'starts at pass 1, and says so');
    const plotted = (await page.getAttribute(picker, 'data-plot-values')).split(',').map(Number);
    plotted.forEach((v, i) => assert(Math.abs(v - expected.pass_means[i]) < 1e-3, `pass ${i + 1} mean ${v} != ${expected.pass_means[i]}`));
    await page.locator('.lenslab-passes-slider').fill('4');
    assert((await page.textContent('.lenslab-passes-text')) === `pass 4 of ${expected.passes}`, 'slider text');
    await page.waitForFunction(
      (m) => Math.abs(Number(document.querySelector('[data-lenslab-tensor][data-state="ready"]')?.getAttribute('data-stat-mean')) - m) < 1e-4,
      expected.pass_means[3],
      { timeout: 20_000 },
    );
    // The facts follow the pass shown (they used to describe pass 1 whatever the slider said).
    await page.waitForFunction(() => document.querySelector('[data-lenslab-inspector] dl')?.textContent.includes(':4)'), null, { timeout: 10_000 });
    const facts = await page.evaluate(() =>
      Object.fromEntries([...document.querySelectorAll('[data-lenslab-inspector] dt')].map((dt) => [dt.textContent, dt.nextElementSibling?.textContent])),
    );
    assert(facts.pass === `4 of ${expected.passes} (${expected.cell_layer}:4)`, `inspector pass row: ${facts.pass}`);
    assert(facts.module === 'cell:4', `inspector module row: ${facts.module}`);
    assert(facts.time === expected.pass_times[3], `inspector time row: ${facts.time} != ${expected.pass_times[3]}`);
    await page.screenshot({ path: join(out, 'depth-02-pass-slider.png') });
    // A drag across the slider goes all the way: the facts redrawn around it must not end the drag.
    const box = await page.locator('.lenslab-passes-slider').boundingBox();
    await page.mouse.move(box.x + 4, box.y + box.height / 2);
    await page.mouse.down();
    for (let k = 1; k <= 20; k++) await page.mouse.move(box.x + 4 + ((box.width - 8) * k) / 20, box.y + box.height / 2);
    await page.mouse.up();
    const last = `pass ${expected.passes} of ${expected.passes}`;
    await page.waitForFunction((t) => document.querySelector('.lenslab-passes-text')?.textContent === t, last, { timeout: 10_000 }).catch(() => undefined);
    assert((await page.textContent('.lenslab-passes-text')) === last, `after a drag to the end: ${await page.textContent('.lenslab-passes-text')}`);
    await page.close();
  });

  await test('depth: a ViT attention softmax is a selectable 4-D tensor inside its attention frame', async () => {
    const page = await openPage(context, join(dir, 'vit.html'));
    const hits = await view(page, (v) => v.search('softmax'));
    assert(hits.includes(expected.softmax), `search found ${hits.join(', ')}`);
    await view(page, (v, id) => v.select(id), expected.softmax);
    const ids = await view(page, (v) => v.visibleNodeIds());
    assert(ids.includes(expected.softmax), 'selecting opened the frames around the softmax');
    const frames = await page.locator('[data-group-id*="scaled_dot_product_attention()"]').count();
    assert(frames >= 1, 'the attention frame is drawn as a box');
    const tensor = `[data-lenslab-tensor="${expected.softmax}"][data-state="ready"]`;
    await page.waitForSelector(tensor, { timeout: 20_000 });
    const summary = await page.textContent('.lenslab-tensor-summary');
    assert(summary.includes(expected.softmax_shape.join('\u00d7')), `summary shows ${summary}`);
    await page.screenshot({ path: join(out, 'depth-03-vit-softmax.png') });
    await page.close();
  });
}
