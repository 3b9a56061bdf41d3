// The compare widget's first draw: its standalone page (Comparison.to_html) opened from disk in
// headless Chromium, three loads, the median of `lenslab:first-draw`. Prints one JSON object.
//   node bench/frontend_compare.mjs PAGE.html
import { pathToFileURL } from 'node:url';
import { launchChromium, newTab } from './frontend_page.mjs';

const page = process.argv[2];
const browser = await launchChromium();
const times = [];
try {
  for (let i = 0; i < 3; i++) {
    const tab = await newTab(browser);
    await tab.goto(pathToFileURL(page).href);
    await tab.waitForSelector('.lenslab-root[data-state="ready"][data-mode="compare"]', { timeout: 120_000 });
    times.push(await tab.evaluate(() => performance.getEntriesByName('lenslab:first-draw')[0]?.duration ?? NaN));
    await tab.close();
  }
} finally {
  await browser.close();
}
times.sort((a, b) => a - b);
console.log(JSON.stringify({ first_draw_ms: times[1], loads_ms: times }));
