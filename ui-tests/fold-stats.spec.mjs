// Per-copy statistics of a fold, plotted from the folded node (issue 19): for a fold of module
// copies (tests/ts/fixtures/folded_blocks.json) and a fold of loose ops (repeated_ops.json), the
// fold panel draws one bar per copy of time, output norm and gradient norm. The page is
// ui-tests/standalone/index.html with its fake kernel (synthetic tensors and gradients), so no
// Jupyter is needed; the gradient norms are fetched for the plot even with no gradient overlay on.
//   node scripts/build-widget.mjs && node ui-tests/fold-stats.spec.mjs
import { createServer } from 'node:http';
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'ui-tests', 'output', 'fold-stats');
mkdirSync(out, { recursive: true });
const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };
const server = createServer(async (req, res) => {
  const asked = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
  const path = asked === '/' ? '/ui-tests/standalone/index.html' : asked;
  try {
    const body = await readFile(join(root, path));
    res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
const errors = [];
page.on('pageerror', (e) => errors.push(e.message));
const view = (fn, arg) => page.evaluate(([f, a]) => new Function('v', 'a', `return (${f})(v, a)`)(document.querySelector('.lenslab-root').lenslabView, a), [fn.toString(), arg]);
let failed = 0;

/** The bars' values as the chart titles state them, once every bar has its value for `metric`. */
async function bars(metric) {
  await page.waitForFunction((m) => {
    const chart = document.querySelector('[data-lenslab-fold] .lenslab-fold-chart');
    return chart?.getAttribute('data-metric') === m;
  }, metric, { timeout: 15_000 });
  return page.$$eval('[data-lenslab-fold] .lenslab-fold-chart rect', (rects) => rects.map((r) => r.querySelector('title')?.textContent ?? ''));
}

for (const [fixture, copies] of [['folded_blocks', 5], ['repeated_ops', 6]]) {
  try {
    await page.goto(`${base}?fixture=${fixture}`);
    await page.waitForSelector('.lenslab-root[data-state="ready"]', { timeout: 60_000 });
    await view((v) => v.setDepth(1)); // small models open at full depth, folds included
    const ids = await view((v) => v.visibleNodeIds());
    const fold = ids.find((id) => id.startsWith('fold:') && id.endsWith(`/${copies}`));
    if (!fold) throw new Error(`no fold of ${copies} drawn: ${ids.join(' ')}`);
    await view((v, id) => v.expand(id), fold);
    await page.waitForSelector('[data-lenslab-fold] .lenslab-fold-chart');
    for (const metric of ['time', 'output norm', 'grad norm']) {
      if (metric !== 'time') await page.selectOption('[data-lenslab-fold] .lenslab-fold-metric', metric);
      const titles = await bars(metric);
      const values = titles.map((t) => t.slice(t.lastIndexOf(': ') + 2));
      if (titles.length !== copies || values.some((v) => v === 'n/a' || v === '')) {
        throw new Error(`${metric}: ${titles.length} bars for ${copies} copies: ${titles.join(' | ')}`);
      }
      const heights = await page.$$eval('[data-lenslab-fold] .lenslab-fold-chart rect', (rects) => rects.map((r) => Number(r.getAttribute('height'))));
      if (!heights.every((h) => h > 0)) throw new Error(`${metric}: empty bars ${heights.join(',')}`);
      await page.screenshot({ path: join(out, `${fixture}-${metric.replace(' ', '-')}.png`) });
    }
    console.log(`ok   ${fixture}: ${copies} bars of time, output norm and grad norm`);
  } catch (error) {
    failed += 1;
    console.log(`FAIL ${fixture}: ${String(error?.message ?? error)}`);
  }
}
if (errors.length) {
  failed += 1;
  console.log(`FAIL page errors: ${errors.join('\n')}`);
}
await browser.close();
server.close();
process.exit(failed ? 1 : 0);
