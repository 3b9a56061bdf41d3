// Front-end graph benchmark in headless Chromium: a synthetic 10,000-op model (10 stages x 25
// blocks x 20 conv/relu pairs, tests/ts/fixtures/load.ts syntheticDeep) drawn by the built
// widget (python_pkg/lenslab/static/widget.js; run `node scripts/build-widget.mjs` first).
// Prints one JSON object: first-draw, expand-one-group, full layout (Web Worker) and redraw
// (pan/zoom frame) times in ms, with 10,000 visible nodes for the last two.
//   node bench/frontend_graph.mjs [stages blocks convs]
import { tsImport } from 'tsx/esm/api';
import { launchChromium, newTab, serveRepo, urlOf } from './frontend_page.mjs';

const [stages, blocks, convs] = (process.argv.slice(2).length === 3 ? process.argv.slice(2) : ['10', '25', '20']).map(Number);
const { syntheticDeep } = await tsImport('../tests/ts/fixtures/load.ts', import.meta.url);
const graph = JSON.stringify(syntheticDeep(stages, blocks, convs));
const page = `<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="/python_pkg/lenslab/static/widget.css"></head>
<body style="margin:0"><div id="out"></div><script type="module">
import widget from '/python_pkg/lenslab/static/widget.js';
const graph = await (await fetch('/graph.json')).json();
window.renderStart = performance.now();
widget.render({ model: { get: (k) => (k === 'graph' ? graph : undefined), on() {}, off() {} }, el: document.getElementById('out') });
</script></body></html>`;
const server = await serveRepo((path) => {
  if (path === '/') return { type: 'text/html', body: page };
  if (path === '/graph.json') return { type: 'application/json', body: graph };
  return undefined;
});
const browser = await launchChromium();
try {
  const tab = await newTab(browser);
  await tab.goto(urlOf(server, '/'));
  await tab.waitForSelector('.lenslab-root[data-state="ready"]', { timeout: 120_000 });
  const result = await tab.evaluate(async () => {
    const v = document.querySelector('.lenslab-root').lenslabView;
    const last = (name) => performance.getEntriesByName(name).at(-1)?.duration ?? null;
    const round = (x) => (x === null ? null : Math.round(x * 10) / 10);
    const out = { ops: null, first_draw_ms: round(last('lenslab:first-draw')), default_visible_nodes: v.visibleNodeIds().length };
    const firstModule = v.visibleNodeIds().find((id) => id.startsWith('module:'));
    let t = performance.now();
    await v.expand(firstModule);
    out.expand_one_group_ms = round(performance.now() - t);
    out.expanded_visible_nodes = v.visibleNodeIds().length;
    t = performance.now();
    await v.setDepth(99);
    out.full_expand_ms = round(performance.now() - t);
    out.full_layout_ms = round(last('lenslab:layout'));
    out.full_draw_ms = round(last('lenslab:draw'));
    out.visible_nodes = v.visibleNodeIds().length;
    // Pan/zoom frames at the default zoom, then with the whole graph on screen.
    const frames = (n, zoom) => {
      const times = [];
      for (let i = 0; i < n; i++) times.push(v.panBy(i % 2 ? 40 : -40, i % 3 ? 25 : -25, zoom));
      times.sort((a, b) => a - b);
      return { median: round(times[Math.floor(n / 2)]), p95: round(times[Math.floor(n * 0.95)]), max: round(times[n - 1]) };
    };
    out.redraw_ms_default_zoom = frames(30, 1);
    v.fit();
    out.redraw_ms_fit_min_zoom = frames(30, 1); // fit, clamped at the minimum zoom (0.05)
    // Include the browser's own paint of the frame: time to the next animation frame.
    const painted = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      v.panBy(5, 5);
      await new Promise((r) => requestAnimationFrame(() => r()));
      painted.push(performance.now() - t0);
    }
    painted.sort((a, b) => a - b);
    out.frame_to_paint_ms_median = round(painted[5]);
    out.renderer = document.querySelector('.lenslab-canvas-2d:not([hidden])') ? 'canvas' : 'svg';
    return out;
  });
  result.ops = stages * blocks * convs * 2 + 2;
  console.log(JSON.stringify(result, null, 1));
} finally {
  await browser.close();
  server.close();
}
