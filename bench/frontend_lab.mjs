// Issue 6's data-path target in JupyterLab: a 256x256 float32 slice from request to drawn.
// Starts a private JupyterLab (ui-tests/lab-server.mjs) on a temporary notebook that captures a
// conv whose output is 1 x CHANNELS x 256 x 256, shows the widget, selects the conv
// (root.lenslabView.select) and steps the heatmap's channel slider: each step asks the kernel
// for a new 256x256 slice (a channel not fetched before, so the front-end cache cannot answer)
// and is timed by the panel's own performance.measure('lenslab:tensor-view') (request -> drawn)
// and, from the page, to the next animation frame. Then revisits channels already fetched
// (the cached path). Prints one JSON object (ms, medians). JupyterLab and Chromium are shut
// down on success, failure, a signal or the watchdog.
//   node bench/frontend_lab.mjs [--steps N]
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startLab } from '../ui-tests/lab-server.mjs';
import { kernelOutput, runAllCells } from '../ui-tests/kernel.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const JUPYTER = join(ROOT, '.venv/bin/jupyter');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const WATCHDOG_MS = 240_000;
const argSteps = process.argv.indexOf('--steps');
const STEPS = argSteps > 0 ? Number(process.argv[argSteps + 1]) : 15;
const WARMUP = 2;
const CACHED = Math.min(10, STEPS);
const CHANNELS = 1 + WARMUP + STEPS;
const SIZE = 256;

const CELL = `import torch
from torch import nn
from lenslab import lens

torch.manual_seed(0)
model = nn.Sequential(nn.Conv2d(3, ${CHANNELS}, 3, padding=1)).eval()
x = torch.randn(1, 3, ${SIZE}, ${SIZE})
h = lens(model, x, save="all")
h`;

const NOTEBOOK = {
  cells: [{ cell_type: 'code', execution_count: null, id: 'bench', metadata: {}, outputs: [], source: CELL }],
  metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' } },
  nbformat: 4,
  nbformat_minor: 5,
};

// Kernel-side time of the same slice request, through the handler the widget uses.
const KERNEL_CODE = `
import json, statistics, time
from lenslab.widget.data import DataServer
_s = DataServer(h)
_layer = [l for l in h if tuple(getattr(l.activation, "shape", ())) == (1, ${CHANNELS}, ${SIZE}, ${SIZE})][-1].label
_t = []
for _c in range(${CHANNELS}):
    _r = {"type": "lenslab:request", "version": 2, "id": 1, "method": "slice", "params": {"layer": _layer, "tensor": "activation", "axes": [2, 3], "index": [0, _c, 0, 0], "limit": [512, 512]}}
    _t0 = time.perf_counter(); _rep, _buf = _s.handle(_r); _t.append((time.perf_counter() - _t0) * 1e3)
print(json.dumps({"kernel_slice_ms": statistics.median(_t), "reply": {k: v for k, v in _rep.items() if k != "kernel_ms"}}))
`;

const cleanups = [];
async function cleanup() {
  while (cleanups.length) await cleanups.pop()().catch((e) => console.error(`cleanup: ${e.message}`));
}
let finished = false;
async function bail(message, code) {
  if (finished) return;
  finished = true;
  console.error(message);
  await cleanup();
  process.exit(code);
}
const watchdog = setTimeout(() => void bail(`frontend_lab: watchdog after ${WATCHDOG_MS / 1000} s`, 124), WATCHDOG_MS);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => void bail(`frontend_lab: ${signal}`, 130));

const median = (xs) => {
  const s = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x) => (x === null ? null : Math.round(x * 10) / 10);

async function main() {
  for (const path of [JUPYTER, CHROMIUM, join(ROOT, 'python_pkg/lenslab/static/widget.js')]) {
    if (!existsSync(path)) throw new Error(`${path} is missing (run make build)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'lenslab-bench-lab-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'slice.ipynb'), JSON.stringify(NOTEBOOK));
  const started = Date.now();
  const lab = await startLab({ jupyter: JUPYTER, rootDir: dir });
  cleanups.push(lab.stop);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update'],
  });
  cleanups.push(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, deviceScaleFactor: 1 });
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${lab.url}/lab/tree/slice.ipynb?token=${lab.token}&reset`);
  await page.waitForFunction(() => window.jupyterapp?.shell?.currentWidget?.content?.widgets, null, { timeout: 90_000 });
  await runAllCells(page);
  await page.waitForSelector('.lenslab-root[data-state="ready"]', { timeout: 120_000 });
  await page.waitForFunction(() => window.jupyterapp.shell.currentWidget.sessionContext.session?.kernel?.status === 'idle', null, { timeout: 60_000 });
  const labReadyS = (Date.now() - started) / 1000;

  const root = page.locator('.lenslab-root').first();
  const id = await root.evaluate((r) => r.lenslabView.visibleNodeIds().find((n) => n.startsWith('conv2d')));
  if (!id) throw new Error('no conv2d node in the widget');
  await root.evaluate((r, nodeId) => r.lenslabView.select(nodeId), id);
  await root.locator(`[data-lenslab-tensor="${id}"][data-state="ready"]`).waitFor({ timeout: 60_000 });
  // Feature maps open as a grid of channels; the heatmap is the view with a slider over them.
  await root.locator('.lenslab-tensor-tabs button[data-view="heatmap"]').click();
  await root.locator(`[data-lenslab-tensor="${id}"][data-state="ready"] .lenslab-tensor-controls input[data-axis="1"]`).waitFor({ timeout: 60_000 });

  const result = await root.evaluate(
    async (r, { warmup, steps, cached }) => {
      const el = r.querySelector('[data-lenslab-tensor]');
      const canvas = el.querySelector('canvas.lenslab-tensor-canvas');
      const untilSettled = () =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('view not ready within 30 s')), 30_000);
          const check = () => {
            const s = el.dataset.state;
            if (s === 'ready' || s === 'error') {
              clearTimeout(timer);
              obs.disconnect();
              resolve(s);
            }
          };
          const obs = new MutationObserver(check);
          obs.observe(el, { attributes: true, attributeFilter: ['data-state'] });
          check();
        });
      const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
      // One slider step to `channel`: the request -> drawn time the panel measures, and the
      // time until the next frame after it (the browser's paint included).
      const step = async (channel) => {
        const input = el.querySelector('.lenslab-tensor-controls input[data-axis="1"]');
        if (!input) throw new Error('no slider for dim 1');
        await nextFrame();
        const before = performance.getEntriesByName('lenslab:tensor-view').length;
        const t0 = performance.now();
        input.value = String(channel);
        input.dispatchEvent(new Event('input'));
        const state = await untilSettled();
        if (state !== 'ready') throw new Error(`view state ${state}: ${el.querySelector('.lenslab-tensor-status')?.textContent}`);
        const tReady = performance.now();
        await nextFrame();
        const entries = performance.getEntriesByName('lenslab:tensor-view');
        return {
          measure: entries.length > before ? entries.at(-1).duration : null,
          ready: tReady - t0,
          frame: performance.now() - t0,
        };
      };
      for (let c = 1; c <= warmup; c++) await step(c);
      const fresh = [];
      for (let c = warmup + 1; c <= warmup + steps; c++) fresh.push(await step(c));
      const revisit = [];
      for (let c = warmup + 1; c <= warmup + cached; c++) revisit.push(await step(c));
      return {
        fresh,
        revisit,
        canvas: [canvas.height, canvas.width],
        message: el.querySelector('.lenslab-tensor-status')?.textContent ?? '',
      };
    },
    { warmup: WARMUP, steps: STEPS, cached: CACHED },
  );
  const kernel = await kernelOutput(page, KERNEL_CODE);
  let kernelSide = {};
  try {
    kernelSide = JSON.parse(kernel);
  } catch {
    kernelSide = { error: kernel.slice(0, 200) };
  }
  const pick = (rows, key) => round(median(rows.map((x) => x[key])));
  return {
    node: id,
    tensor_shape: [1, CHANNELS, SIZE, SIZE],
    drawn_shape: result.canvas,
    downsample_message: result.message,
    steps: result.fresh.length,
    slice_ms: pick(result.fresh, 'measure'),
    slice_ready_ms: pick(result.fresh, 'ready'),
    slice_to_frame_ms: pick(result.fresh, 'frame'),
    slice_ms_all: result.fresh.map((x) => round(x.measure)),
    cached_ms: pick(result.revisit, 'measure'),
    cached_to_frame_ms: pick(result.revisit, 'frame'),
    kernel_slice_ms: kernelSide.kernel_slice_ms === undefined ? null : round(kernelSide.kernel_slice_ms),
    kernel_error: kernelSide.error ?? kernelSide.reply?.error ?? null,
    lab_ready_s: round(labReadyS),
    page_errors: pageErrors.slice(0, 5),
  };
}

try {
  const out = await main();
  finished = true;
  clearTimeout(watchdog);
  await cleanup();
  console.log(JSON.stringify(out, null, 1));
  process.exit(0);
} catch (error) {
  clearTimeout(watchdog);
  await bail(`frontend_lab: ${error?.stack ?? error}`, 1);
}
