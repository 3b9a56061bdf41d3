// "Big models stay instant" (issue 19): standalone pages of big decoder LLMs (written by
// bench/big_models.py) in headless Chromium, one fresh page per run. Per page:
//   load_to_ready_ms     navigation start → the widget's data-state="ready" (parse, first draw)
//   first_draw_ms        performance.measure 'lenslab:first-draw' (view created → drawn)
//   default_visible      nodes drawn at first (repeated layers folded)
//   select_visible_tensor_ms  select a drawn op → its tensor view drawn (data-state="ready");
//   select_visible_settled_ms / _state: → the view settled however (a page over its budget has
//                        no preview to draw: "error")
//   select_tensor_ms     select an op inside a folded decoder layer (the fold opens at that copy,
//                        a new layout) → its tensor view drawn
//   select_other_copy_tensor_ms  then (folds closed again) select the same kind of op in a far
//                        copy → its tensor view settled (the copies' boxes are measured alike:
//                        their layout is reused)
//   fold_open_ms         open the fold of decoder layers (first copy between stand-ins) → drawn
//   search_ms            v.search('mlp') → hits; search_drawn_ms: → hits highlighted, next frame
//   expand_all_ms        setDepth(99): every module and fold open → drawn, next frame
//   expand_all_visible   nodes drawn then
//   heap_mb              used JS heap after expand-all (precise memory info)
// Medians over `--runs` fresh pages, as one JSON object on stdout.
//   node bench/big_page.mjs name=path.html [...] [--runs 3]
import { launchChromium, serveRepo, urlOf } from './frontend_page.mjs';

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 3;
const pages = args.filter((a, i) => a.includes('=') && i !== runsAt + 1).map((a) => a.split('='));
const files = new Map(pages.map(([name, path]) => [`/big/${name}.html`, path]));
const server = await serveRepo((path) => files.get(path));
const browser = await launchChromium();

async function once(name) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const tab = await context.newPage();
  tab.on('pageerror', (e) => console.error('pageerror:', e.message));
  try {
    await tab.goto(urlOf(server, `/big/${name}.html`));
    await tab.waitForSelector('.lenslab-root[data-state="ready"], .lenslab-root[data-state="error"]', { timeout: 300_000 });
    const loadToReady = await tab.evaluate(() => performance.now());
    const out = await tab.evaluate(async () => {
      const root = document.querySelector('.lenslab-root');
      if (root.dataset.state === 'error') throw new Error(root.textContent.slice(0, 200));
      const v = root.lenslabView;
      const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
      const last = (n) => performance.getEntriesByName(n).at(-1)?.duration ?? null;
      const r = { first_draw_ms: last('lenslab:first-draw'), default_visible: v.visibleNodeIds().length };
      const defaultDepth = v.depth;
      // The tensor view of `id` once it leaves "loading": drawn ("ready"), or the page has no data
      // for it (a page over its budget keeps no preview: "error", "no-kernel").
      const tensorSettled = async (id, t) => {
        const settled = () => {
          const el = document.querySelector(`[data-lenslab-tensor="${CSS.escape(id)}"]`);
          return el && el.dataset.state !== 'loading' ? el : null;
        };
        while (!settled() && performance.now() - t < 10_000) await new Promise((res) => setTimeout(res, 2));
        await frame();
        const el = settled();
        return { ms: el ? performance.now() - t : null, state: el?.dataset.state ?? 'timeout' };
      };
      const tensorReady = async (id, t) => {
        const { ms, state } = await tensorSettled(id, t);
        return state === 'ready' ? ms : null;
      };
      // A drawn op (the first after the input: pages keep tensors in execution order while their
      // budget lasts), then an op inside a folded layer (an early one, for the same reason).
      const shown = v.visibleNodeIds().filter((id) => !id.startsWith('module:') && !id.startsWith('fold:') && !id.startsWith('input') && !id.startsWith('output'));
      const visibleOp = shown[0];
      if (visibleOp) {
        const t = performance.now();
        await v.select(visibleOp);
        const { ms, state } = await tensorSettled(visibleOp, t);
        r.select_visible_tensor_ms = state === 'ready' ? ms : null;
        r.select_visible_settled_ms = ms;
        r.select_visible_state = state;
        await v.select('');
      }
      const fold = v.visibleNodeIds().find((id) => id.startsWith('fold:'));
      r.fold = fold ?? null;
      const wanted = 'mlp.down_proj';
      const hits = v.search(wanted);
      const ops = hits.filter((id) => !id.startsWith('module:') && !id.startsWith('fold:'));
      const target = ops[5];
      const other = ops[Math.floor(ops.length * 0.6)];
      v.search('');
      await frame();
      r.select_target = target ?? null;
      if (target) {
        const t = performance.now();
        await v.select(target);
        r.select_tensor_ms = await tensorReady(target, t);
      }
      await v.setDepth(defaultDepth); // folds closed again
      r.select_other_target = other ?? null;
      if (other) {
        const t = performance.now();
        await v.select(other);
        r.select_other_copy_tensor_ms = (await tensorSettled(other, t)).ms;
        await v.setDepth(defaultDepth);
      }
      if (fold) {
        const t = performance.now();
        await v.expand(fold);
        await frame();
        r.fold_open_ms = performance.now() - t;
        r.fold_open_visible = v.visibleNodeIds().length;
      }
      let t = performance.now();
      const found = v.search('mlp');
      r.search_ms = performance.now() - t;
      r.search_hits = found.length;
      await frame();
      await frame();
      r.search_drawn_ms = performance.now() - t;
      v.search('');
      await frame();
      t = performance.now();
      await v.setDepth(99);
      await frame();
      r.expand_all_ms = performance.now() - t;
      r.expand_all_visible = v.visibleNodeIds().length;
      r.heap_mb = performance.memory ? performance.memory.usedJSHeapSize / 1e6 : null;
      return r;
    });
    return { load_to_ready_ms: loadToReady, ...out };
  } finally {
    await context.close();
  }
}

const result = {};
try {
  for (const [name] of pages) {
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
