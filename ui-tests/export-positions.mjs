// The browser side of the figure check (tests/python/test_figure_browser.py): opens a standalone
// page (h.to_html with view options) from disk in Chromium, with every other request aborted,
// waits for the widget, and prints the node positions of its own SVG export (the toolbar's SVG
// button) as JSON: {"<node id>": "translate(x,y)", ...}.
//   node ui-tests/export-positions.mjs page.html
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const file = process.argv[2];
if (!file) throw new Error('usage: node ui-tests/export-positions.mjs page.html');
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await page.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('.lenslab-root[data-state="ready"]', { timeout: 60_000 });
  const positions = await page.evaluate(() => {
    const svg = document.querySelector('.lenslab-root').lenslabView.exportSvg();
    const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
    const out = {};
    for (const g of doc.querySelectorAll('[data-node-id]')) out[g.getAttribute('data-node-id')] = g.getAttribute('transform');
    return out;
  });
  console.log(JSON.stringify(positions));
} finally {
  await browser.close();
}
