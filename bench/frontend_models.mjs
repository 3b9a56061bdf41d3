// Front-end benchmark on real models: loads compact wire graphs (written by
// bench/frontend_models.py) into the standalone page (ui-tests/standalone/index.html, no kernel)
// in headless Chromium and measures, per graph, issue 5's targets:
//   first_draw_ms        render() → performance.measure 'lenslab:first-draw'
//   expand_one_ms        lenslabView.expand(one transformer block / ResNet stage) → resolved
//                        (layout and draw done) → the next animation frame
//   full_layout_ms       everything expanded: 'lenslab:layout' (in the Web Worker)
//   redraw_ms            pan frames with everything expanded (rAF to rAF, and draw only)
// Repeats each graph `--runs` times in fresh pages and prints medians as one JSON object.
//   node bench/frontend_models.mjs name=path.json [name=path.json ...] [--runs 3]
import { join } from 'node:path';
import { launchChromium, newTab, root, serveRepo, urlOf } from './frontend_page.mjs';

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 3;
const graphs = args.filter((a, i) => a.includes('=') && i !== runsAt + 1).map((a) => a.split('='));
const files = new Map(graphs.map(([name, path]) => [`/graphs/${name}.json`, path]));
const server = await serveRepo((path) => files.get(path) ?? (path === '/' ? join(root, 'ui-tests/standalone/index.html') : undefined));
const browser = await launchChromium();

/** One fresh page: load, first draw, expand one group, expand all, pan frames. */
async function once(name) {
  const tab = await newTab(browser);
  try {
    await tab.goto(urlOf(server, `/?kernel=none&src=/graphs/${name}.json`));
    await tab.waitForSelector('.lenslab-root[data-state="ready"], .lenslab-root[data-state="error"]', { timeout: 120_000 });
    return await tab.evaluate(async () => {
      const root = document.querySelector('.lenslab-root');
      if (root.dataset.state === 'error') throw new Error(root.textContent.slice(0, 200));
      const v = root.lenslabView;
      const last = (n) => performance.getEntriesByName(n).at(-1)?.duration ?? null;
      const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
      const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      const out = { first_draw_ms: last('lenslab:first-draw'), default_visible: v.visibleNodeIds().length };
      // The group to expand: the first transformer block (the text drawn on a collapsed module
      // names its type, "(SwinTransformerBlockV2)") or else a ResNet stage, its enclosing
      // modules opened first (untimed).
      const modules = () => v.visibleNodeIds().filter((id) => id.startsWith('module:')).map((id) => {
        const el = document.querySelector(`[data-node-id="${CSS.escape(id)}"] text`);
        return { id, text: el?.textContent ?? '' };
      });
      let block = modules().find((t) => /\(SwinTransformerBlock(V2)?\)/.test(t.text));
      for (let step = 0; !block && step < 6; step++) {
        const all = modules();
        block = all.find((t) => /^module:(.*\.)?layer2$/.test(t.id));
        const outer = all.find((t) => /^module:(backbone|backbone\.body)$/.test(t.id));
        if (!block && outer) await v.expand(outer.id);
        else break;
      }
      out.expand_group = block?.id ?? null;
      if (block) {
        await frame();
        const t = performance.now();
        await v.expand(block.id);
        await frame();
        out.expand_one_ms = performance.now() - t;
        out.expand_one_layout_ms = last('lenslab:layout');
        out.expand_one_draw_ms = last('lenslab:draw');
        out.expanded_visible = v.visibleNodeIds().length;
      }
      const t = performance.now();
      await v.setDepth(99);
      await frame();
      out.expand_all_ms = performance.now() - t;
      out.full_layout_ms = last('lenslab:layout');
      out.full_draw_ms = last('lenslab:draw');
      out.full_visible = v.visibleNodeIds().length;
      out.renderer = document.querySelector('.lenslab-canvas-2d:not([hidden])') ? 'canvas' : 'svg';
      // Pan frames at full expansion, whole graph in view (the worst case: nothing culled)
      // and at the default zoom: draw time alone (panBy) and rAF to rAF with the browser's paint.
      const pans = async (n) => {
        const draw = [];
        const painted = [];
        await frame();
        for (let i = 0; i < n; i++) {
          const t0 = performance.now();
          draw.push(v.panBy(i % 2 ? 3 : -3, i % 3 ? 2 : -2));
          await frame();
          painted.push(performance.now() - t0);
        }
        return { draw: median(draw), frame: median(painted) };
      };
      const atDefault = await pans(15);
      v.fit();
      const atFit = await pans(15);
      out.redraw_ms = Math.max(atDefault.draw, atFit.draw);
      out.redraw_ms_default_zoom = atDefault.draw;
      out.redraw_ms_fit = atFit.draw;
      out.frame_ms_default_zoom = atDefault.frame;
      out.frame_ms_fit = atFit.frame;
      return out;
    });
  } finally {
    await tab.close();
  }
}

const result = {};
try {
  for (const [name] of graphs) {
    const samples = [];
    for (let i = 0; i < runs; i++) samples.push(await once(name));
    const merged = {};
    for (const key of Object.keys(samples[0])) {
      const values = samples.map((s) => s[key]);
      merged[key] = typeof values[0] === 'number' ? Math.round(values.sort((a, b) => a - b)[Math.floor(values.length / 2)] * 10) / 10 : values[0];
    }
    merged.runs = runs;
    result[name] = merged;
    console.error(`[bench] ${name}: ${JSON.stringify(merged)}`);
  }
  console.log(JSON.stringify(result, null, 1));
} finally {
  await browser.close();
  server.close();
}
