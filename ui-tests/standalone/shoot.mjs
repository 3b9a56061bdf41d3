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
const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };
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
const page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
page.on('console', (m) => console.log('console:', m.text()));
page.on('pageerror', (e) => console.log('pageerror:', e.message));
const view = (fn, arg) => page.evaluate(([f, a]) => new Function('v', 'a', `return (${f})(v, a)`)(document.querySelector('.lenslab-root').lenslabView, a), [fn.toString(), arg]);
const ready = () => page.waitForSelector('.lenslab-root[data-state="ready"], .lenslab-root[data-state="error"]');
const shot = async (name) => {
  await page.screenshot({ path: join(out, `${name}.png`) });
  console.log(name, JSON.stringify(await view((v) => v.visibleNodeIds())));
};

const scenarios = process.argv.slice(2);
const want = (n) => scenarios.length === 0 || scenarios.includes(n);
if (want('cnn')) {
  await page.goto(`${base}?fixture=small_cnn`);
  await ready();
  await shot('cnn-default');
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
if (want('bad')) {
  await page.goto(`${base}?fixture=bad`);
  await ready();
  await shot('bad');
}
const measures = await page.evaluate(() => performance.getEntriesByType('measure').map((m) => `${m.name} ${m.duration.toFixed(1)}ms`));
console.log(measures.join('\n'));
await browser.close();
server.close();
