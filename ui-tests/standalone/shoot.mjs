// Screenshots of the standalone page for eyeballing the widget:
//   node scripts/build-widget.mjs && node ui-tests/standalone/shoot.mjs
// Writes PNGs to ui-tests/output/standalone/.
import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('../..', import.meta.url));
const out = join(root, 'ui-tests', 'output', 'standalone');
const types = { '.svg': 'image/svg+xml', '.png': 'image/png', '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };
const server = createServer(async (req, res) => {
  const asked = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
  const path = asked === '/' ? '/ui-tests/standalone/index.html' : asked;
  try {
    const body = await readFile(join(root, path));
    res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}/`;
await mkdir(out, { recursive: true });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
page.on('console', (m) => console.log('console:', m.text()));
page.on('pageerror', (e) => console.log('pageerror:', e.message));
const view = (fn, arg) => page.evaluate(([f, a]) => new Function('v', 'a', `return (${f})(v, a)`)(document.querySelector('.lenslab-root').lenslabView, a), [fn.toString(), arg]);
const ready = () => page.waitForSelector('.lenslab-root[data-state="ready"], .lenslab-root[data-state="error"]');
const shot = async (name) => {
  await page.screenshot({ path: join(out, `${name}.png`) });
  const ids = await view((v) => v.visibleNodeIds());
  console.log(name, ids.length > 40 ? `${ids.length} nodes` : JSON.stringify(ids));
};

const scenarios = process.argv.slice(2);
const want = (n) => scenarios.length === 0 || scenarios.includes(n);
if (want('cnn')) {
  await page.goto(`${base}?fixture=small_cnn`);
  await ready();
  await shot('cnn-default');
  await view((v) => v.fit());
  await page.click('[data-node-id="conv2d_2_4:1"]');
  await shot('cnn-selected');
  await page.click('[data-group-id="module:block"]');
  await shot('cnn-block-collapsed');
  await view((v) => v.setDepth(1));
  await shot('cnn-depth1');
}
if (want('loop')) {
  await page.goto(`${base}?fixture=recurrent_loop`);
  await ready();
  await shot('loop-default');
  await view((v) => v.setRolled(true));
  await shot('loop-rolled');
  await view((v) => v.setDepth(1));
  await shot('loop-rolled-depth1');
}
if (want('lstm')) {
  // The gallery's LSTMCell loop (notebooks/gallery.ipynb): edge labels, rolled and unrolled.
  await page.goto(`${base}?fixture=lstm_cell_loop`);
  await ready();
  await shot('lstm-unrolled');
  await view((v) => v.setRolled(true));
  await shot('lstm-rolled');
  await view((v) => v.setDepth(1));
  await shot('lstm-rolled-depth1');
}
if (want('dark')) {
  await page.goto(`${base}?fixture=recurrent_loop&theme=dark`);
  await ready();
  await view((v) => v.select('gt_1_10:1'));
  await shot('loop-dark');
}
if (want('big')) {
  // ui-tests/output/standalone/big.json: write it first, e.g. from tests/ts/fixtures/load.ts syntheticDeep(8, 12, 8).
  await page.goto(`${base}?src=/ui-tests/output/standalone/big.json`);
  await ready();
  await shot('big-default');
  await view((v) => v.setDepth(4));
  await shot('big-full');
  console.log('search conv2d_5', JSON.stringify(await view((v) => v.search('conv2d_5_'))));
  await view((v) => v.setDepth(2));
  await view((v) => v.select('relu_20_20:1'));
  await shot('big-select-reveal');
}
if (want('narrow')) {
  // A notebook-cell width: the outline starts closed, the toolbar stays on one line.
  await page.setViewportSize({ width: 990, height: 900 });
  await page.goto(`${base}?fixture=small_cnn`);
  await ready();
  const bar = await page.$eval('.lenslab-toolbar', (e) => e.getBoundingClientRect().height);
  const outlineShown = await page.$eval('.lenslab-outline', (e) => !e.hidden);
  console.log(`narrow: toolbar height ${bar}px, outline shown ${outlineShown}`);
  await shot('narrow-default');
  await view((v) => v.select('relu_2_5:1'));
  await shot('narrow-selected');
  await page.click('[data-action="close-inspector"]');
  await page.waitForTimeout(100);
  console.log('after close: inspector hidden', await page.$eval('[data-lenslab-inspector]', (e) => e.hidden));
  await page.setViewportSize({ width: 1200, height: 900 });
}
if (want('outline')) {
  await page.goto(`${base}?fixture=small_cnn`);
  await ready();
  // Close "block" from the tree, then pick "head" by name: the graph follows.
  await page.click('[role="treeitem"][data-outline-key="block:1"] .lenslab-outline-twisty');
  await page.click('[role="treeitem"][data-outline-key="head.0:1"] .lenslab-outline-name');
  console.log('tree', JSON.stringify(await page.$$eval('[role="treeitem"]', (els) => els.map((e) => `${e.textContent}|${e.getAttribute('aria-expanded')}|${e.getAttribute('aria-selected')}`))));
  console.log('inspector', await page.getAttribute('[data-lenslab-inspector]', 'data-selected'));
  await shot('outline');
}
if (want('hover')) {
  await page.goto(`${base}?fixture=recurrent_loop`);
  await ready();
  await page.hover('[data-node-id="linear_2_3:2"]');
  await page.waitForTimeout(100);
  console.log('pass peers', JSON.stringify(await page.$$eval('.lenslab-node--pass-peer', (els) => els.map((e) => e.getAttribute('data-node-id')))));
  await shot('loop-hover');
  await view((v) => v.select('add_1_4:2'));
  await page.click('.lenslab-link[data-link-id="linear_2_3:2"]');
  console.log('followed link to', await page.getAttribute('[data-lenslab-inspector]', 'data-selected'));
  await shot('loop-inspector-links');
}
if (want('search')) {
  await page.goto(`${base}?fixture=small_cnn`);
  await ready();
  await page.press('.lenslab-root', '/');
  await page.keyboard.type('1x8x32x32');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  await page.waitForTimeout(100);
  console.log('count', await page.textContent('.lenslab-search-count'), 'selected', await page.getAttribute('[data-lenslab-inspector]', 'data-selected'));
  await shot('cnn-search-step');
  await page.keyboard.press('Escape');
  await page.press('.lenslab-root', 'ArrowDown');
  await page.waitForTimeout(50);
  console.log('after ArrowDown', await page.getAttribute('[data-lenslab-inspector]', 'data-selected'));
}
if (want('overlay')) {
  await page.goto(`${base}?fixture=small_cnn`);
  await ready();
  await page.selectOption('.lenslab-overlay', 'time');
  await page.waitForTimeout(100);
  await shot('cnn-overlay-time');
  await view((v) => v.setDepth(1));
  await shot('cnn-overlay-time-depth1');
}
if (want('xss')) {
  let dialogs = 0;
  page.on('dialog', (d) => { dialogs += 1; void d.dismiss(); });
  await page.goto(`${base}?fixture=hostile_names`);
  await ready();
  await view((v) => v.select('module:<img src=x onerror=alert(1)>'));
  await page.hover('[data-node-id="relu_2_5:1"]');
  await page.waitForTimeout(300);
  const imgs = await page.$$eval('.lenslab-root img, .lenslab-root b, .lenslab-root foreignObject', (e) => e.length);
  const literal = await page.$$eval('.lenslab-root', (r) => r[0].textContent.includes('<img src=x onerror=alert(1)>'));
  console.log(`xss: dialogs=${dialogs} injected elements=${imgs} literal text shown=${literal}`);
  await shot('xss-names');
}
if (want('export')) {
  await page.goto(`${base}?fixture=recurrent_loop`);
  await ready();
  for (const fmt of ['svg', 'png']) {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click(`[data-action="export-${fmt}"]`)]);
    await dl.saveAs(join(out, `export.${fmt}`));
    console.log('exported', dl.suggestedFilename());
  }
  const svgPage = await browser.newPage({ viewport: { width: 900, height: 900 } });
  await svgPage.goto(`${base}ui-tests/output/standalone/export.svg`);
  await svgPage.screenshot({ path: join(out, 'export-svg-standalone.png') });
  await svgPage.close();
}
if (want('canvas')) {
  await page.goto(`${base}?src=/ui-tests/output/standalone/big10k.json`);
  await ready();
  await view((v) => v.setDepth(99));
  await shot('big10k-canvas');
  await page.press('.lenslab-root', 'f');
  await page.waitForTimeout(100);
  await shot('big10k-fit');
  // Up close: edge labels, dashed edges and borders; closed modules as stacks.
  await view((v) => { v.fit(); v.panBy(0, 0, 1); });
  await view((v) => v.select('conv2d_40_40:1'));
  await page.waitForTimeout(100);
  await shot('big10k-zoomed');
  await view((v) => v.setDepth(3));
  await page.waitForTimeout(100);
  await shot('big10k-depth3');
}
if (want('data')) {
  // Tensor views answered by the fake kernel (fake-kernel.mjs).
  const tensor = '[data-lenslab-tensor]';
  const tready = () => page.waitForSelector(`${tensor}[data-state="ready"], ${tensor}[data-state="error"]`);
  const attrs = () => page.$eval(tensor, (e) => ({ id: e.dataset.lenslabTensor, kind: e.dataset.kind, state: e.dataset.state, mean: e.dataset.statMean, std: e.dataset.statStd, min: e.dataset.statMin, max: e.dataset.statMax, nan: e.dataset.statNan, ms: e.dataset.drawMs, status: e.querySelector('.lenslab-tensor-status').textContent }));
  await page.goto(`${base}?fixture=small_cnn`);
  await ready();
  await view((v) => v.select('conv2d_2_4:1'));
  await tready();
  console.log('heatmap', JSON.stringify(await attrs()));
  await page.hover('.lenslab-tensor-canvas', { position: { x: 40, y: 30 } });
  console.log('hover', await page.textContent('.lenslab-tensor-readout'));
  await shot('data-heatmap');
  for (const v of ['channels', 'line', 'histogram']) {
    await page.click(`.lenslab-tensor-tabs [data-view="${v}"]`);
    await tready();
    console.log(v, JSON.stringify(await attrs()));
    await shot(`data-${v}`);
  }
  await view((v) => v.select('relu_1_3:1'));
  await tready();
  console.log('relu (NaNs)', JSON.stringify(await attrs()));
  await shot('data-relu-nan');
  await page.click('.lenslab-tensor-toggle [data-tensor-kind="gradient"]');
  await tready();
  console.log('gradient', JSON.stringify(await attrs()));
  await shot('data-gradient');
  await page.selectOption('.lenslab-overlay', 'grad');
  await page.waitForTimeout(200);
  await shot('data-grad-overlay');
  await page.click('.lenslab-tabs [data-tab="layers"]');
  await page.click('.lenslab-table-head [data-column="time"]');
  await page.click('.lenslab-table-head [data-column="time"]');
  await page.click('[data-action="table-stats"]');
  await page.waitForTimeout(200);
  console.log('table rows in DOM', await page.$$eval('.lenslab-table-body .lenslab-table-row', (r) => r.length));
  await shot('data-table');
  await page.click('.lenslab-table-body .lenslab-table-row:nth-child(2)');
  await page.waitForTimeout(100);
  console.log('row click selected', await page.getAttribute('[data-lenslab-inspector]', 'data-selected'));
  await page.goto(`${base}?fixture=small_cnn&delay=1500`);
  await ready();
  await view((v) => { void v.select('conv2d_1_1:1'); });
  await page.waitForTimeout(900);
  console.log('busy', JSON.stringify(await attrs()));
  await shot('data-busy');
  await tready();
  console.log('after busy', JSON.stringify(await attrs()));
  await page.goto(`${base}?fixture=small_cnn&kernel=none`);
  await ready();
  await view((v) => v.select('conv2d_1_1:1'));
  await tready();
  console.log('no kernel', JSON.stringify(await attrs()));
  await shot('data-no-kernel');
}
if (want('data-bench')) {
  // 256x256 float32 slices, request to drawn, with the fake transport (stats cached after the first).
  await page.goto(`${base}?fixture=small_cnn&big=256`);
  await ready();
  await view((v) => v.select('conv2d_2_4:1'));
  await page.waitForSelector('[data-lenslab-tensor][data-state="ready"]');
  const times = [];
  for (let c = 1; c < 8; c++) {
    await page.$eval('.lenslab-slider input[data-axis="1"]', (el, v) => { el.value = String(v); el.dispatchEvent(new Event('input')); }, c);
    await page.waitForSelector('[data-lenslab-tensor][data-state="ready"]');
    times.push(Number(await page.getAttribute('[data-lenslab-tensor]', 'data-draw-ms')));
  }
  const sorted = times.slice().sort((a, b) => a - b);
  console.log(`256x256 slice request->drawn (fake kernel, JS slicing included): ${times.join(', ')} ms; median ${sorted[3]} ms`);
  await shot('data-bench-256');
}
if (want('bad')) {
  await page.goto(`${base}?fixture=bad`);
  await ready();
  await shot('bad');
}
const measures = await page.evaluate(() => performance.getEntriesByType('measure').map((m) => `${m.name} ${m.duration.toFixed(1)}ms`));
console.log(measures.join('\n'));
await browser.close();
server.close();
