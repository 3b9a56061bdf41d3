// Drives a standalone lenslab page in Chromium and writes the docs' tour screenshots.
//   node scripts/docs-shots.mjs PAGE.html OUT_DIR      (scripts/docs_shots.py calls it)
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const [page_, out] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
page.on('pageerror', (e) => console.log('pageerror:', e.message));
await page.goto(pathToFileURL(page_).href);
await page.waitForSelector('.lenslab-root[data-state="ready"]');
// The page's widget is notebook-cell height; the tour shows it taller, without the blank below.
await page.addStyleTag({ content: '.lenslab-root { height: 760px !important; }' });
const view = (fn, arg) => page.evaluate(([f, a]) => new Function('v', 'a', `return (${f})(v, a)`)(document.querySelector('.lenslab-root').lenslabView, a), [fn.toString(), arg]);
const shot = async (name) => {
  await page.waitForTimeout(400);
  await page.locator('.lenslab-root').screenshot({ path: join(out, `tour-${name}.png`) });
  console.log('wrote', name);
};
await shot('overview');
await view((v) => v.setDepth(1));
await shot('collapsed');
await view((v) => v.setDepth(3));
const conv = (await view((v) => v.visibleNodeIds())).find((id) => id.startsWith('conv2d_3'));
await view((v, id) => v.select(id), conv);
await page.waitForTimeout(800);
await shot('selected');
await page.press('.lenslab-root', '/');
await page.keyboard.type('relu');
await page.keyboard.press('Enter');
await shot('search');
await page.keyboard.press('Escape');
const tab = await page.$('.lenslab-tabs [data-tab="layers"]');
if (tab) {
  await tab.click();
  await shot('layers');
}
await browser.close();
