// Browser checks of the inspector follow-ups (issues 14 and 15) in JupyterLab with a live kernel:
// a batch of images in the pinned input panel, picked with arrows, its saliency following the
// picked image; grad_fn in the inspector and the layer table; the gradient-flow overlay the
// kernel computes when it is first shown. Screenshots: out/panels-*.png.
//
//   import { panelsSpec } from './panels.spec.mjs';
//   await panelsSpec({ context, lab, test, assert, out });
//
// `node ui-tests/one.mjs panels` runs this spec alone (its own JupyterLab).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kernelJson, runAllCells } from './kernel.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

// Three different images; only image 2 (index 1) reaches the score backward runs from, so the
// input's gradient is zero for images 1 and 3: a saliency map exists for the second image only.
const CELLS = [
  `import torch
from torch import nn
from lenslab import lens
torch.manual_seed(0)
model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 2))
x = torch.rand(3, 3, 16, 16)
x[0, :, :8] = 0.0
x[2, :, :, 8:] = 1.0
x.requires_grad_()
h = lens(model, x, grads=True)
h`,
  `h.outputs[0].activation[1, 0].backward()`,
];

function notebook(cells) {
  return JSON.stringify({
    cells: cells.map((source) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source })),
    metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

/** Red pixels (the saliency overlay) in the pinned canvas, and which image it drew. */
const pinnedState = (page) =>
  page.evaluate(() => {
    const pin = document.querySelector('[data-lenslab-pinned-input]');
    const canvas = pin?.querySelector('canvas');
    const ctx = canvas?.getContext('2d');
    let red = 0;
    if (ctx && canvas.width > 0) {
      const d = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 0; i < d.length; i += 4) if (d[i] - d[i + 1] > 60 && d[i] - d[i + 2] > 60) red++;
    }
    return {
      batch: pin?.dataset.batch, size: pin?.dataset.batchSize, drawn: pin?.dataset.drawnBatch, saliency: pin?.dataset.saliency,
      text: pin?.querySelector('.lenslab-pinned-batch-text')?.textContent, red, note: pin?.querySelector('.lenslab-pinned-note')?.textContent,
      nextDisabled: pin?.querySelector('[data-action="pinned-batch-next"]')?.disabled,
      prevDisabled: pin?.querySelector('[data-action="pinned-batch-prev"]')?.disabled,
    };
  });

export async function panelsSpec({ context, lab, test, assert, out }) {
  const dir = join(out, 'panels');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'batch.ipynb'), notebook(CELLS));
  const path = relative(ROOT, join(dir, 'batch.ipynb'));
  const page = await context.newPage();
  try {
    await page.goto(`${lab.url}/lab/tree/${path}?token=${lab.token}&reset`);
    await page.waitForFunction(() => window.jupyterapp?.shell?.currentWidget?.content?.widgets, null, { timeout: 90_000 });
    await runAllCells(page);
    await page.waitForSelector('.lenslab-root[data-state="ready"]', { timeout: 300_000 });

    await test('panels: a batch of images has arrows in the pinned input; the saliency follows the picked image', async () => {
      await page.waitForFunction(() => document.querySelector('[data-lenslab-pinned-input]')?.dataset.saliency === 'true', null, { timeout: 60_000 });
      const pick = async (action, k) => {
        if (action) await page.locator(`[data-action="pinned-batch-${action}"]`).click();
        await page.waitForFunction((n) => document.querySelector('[data-lenslab-pinned-input]')?.dataset.drawnBatch === String(n), k, { timeout: 30_000 });
        return pinnedState(page);
      };
      const first = await pick(null, 0);
      assert(first.size === '3' && first.batch === '0' && first.text === 'image 1 of 3', `first image: ${JSON.stringify(first)}`);
      assert(first.prevDisabled === true && first.nextDisabled === false, `arrows at the start: ${JSON.stringify(first)}`);
      assert(first.red === 0, `image 1 did not reach the score: no saliency, got ${first.red} red pixels`);
      assert(first.note === 'no gradient reached this image', `note: ${first.note}`);
      const second = await pick('next', 1);
      assert(second.batch === '1' && second.text === 'image 2 of 3', `second image: ${JSON.stringify(second)}`);
      assert(second.red > 20, `image 2's saliency is drawn (${second.red} red pixels)`);
      await page.locator('[data-lenslab-pinned-input]').screenshot({ path: join(out, 'panels-01-batch-image-2.png') });
      const third = await pick('next', 2);
      assert(third.red === 0 && third.nextDisabled === true, `third image: ${JSON.stringify(third)}`);
      await page.locator('[data-lenslab-pinned-input]').screenshot({ path: join(out, 'panels-02-batch-image-3.png') });
    });

    await test('panels: the inspector and the layer table show grad_fn', async () => {
      const facts = await kernelJson(page, 'import json\nprint(json.dumps({"label": h["0"].label, "grad_fn": h["0"].grad_fn}))');
      await page.locator('.lenslab-root').evaluate((root, id) => root.lenslabView.select(id), facts.label);
      await page.waitForFunction((id) => document.querySelector('[data-lenslab-inspector]')?.dataset.selected === id, facts.label);
      const row = await page.evaluate(() => {
        const dt = [...document.querySelectorAll('[data-lenslab-inspector] dt')].find((d) => d.textContent === 'grad_fn');
        return dt?.nextElementSibling?.textContent ?? null;
      });
      assert(row === facts.grad_fn && row === 'ConvolutionBackward0', `inspector grad_fn ${row} (kernel: ${facts.grad_fn})`);
      await page.locator('.lenslab-root').screenshot({ path: join(out, 'panels-03-grad-fn.png') });
      await page.locator('.lenslab-root button[data-tab="layers"]').click();
      const header = await page.locator('.lenslab-root').evaluate((r) => r.textContent.includes('grad_fn') && r.textContent.includes('ConvolutionBackward0'));
      assert(header, 'the layer table has a grad_fn column with the conv\'s node');
      await page.locator('.lenslab-root').screenshot({ path: join(out, 'panels-04-table-grad-fn.png') });
      await page.locator('.lenslab-root button[data-tab="graph"]').click();
    });

    await test('panels: the gradient-flow overlay is fetched from the kernel when first shown', async () => {
      const expected = await kernelJson(page, `
import json, math
t = h.to_pandas()
r = [float(v) for v in t["grad_ratio"] if v is not None and math.isfinite(v)]
print(json.dumps({"max": max(r), "min": min(v for v in r if v > 0)}))`);
      await page.locator('.lenslab-root .lenslab-overlay').selectOption('flow');
      await page.waitForFunction(() => /gradient flow/.test(document.querySelector('.lenslab-legend-title')?.textContent ?? ''), null, { timeout: 30_000 });
      await page.waitForFunction(() => [...document.querySelectorAll('.lenslab-legend-end')].every((e) => e.textContent !== 'no data' && e.textContent !== '\u2014'), null, { timeout: 30_000 });
      const ends = await page.$$eval('.lenslab-legend-end', (e) => e.map((x) => Number(x.textContent)));
      assert(Math.abs(ends[1] - expected.max) <= 0.01 * expected.max, `legend max ${ends[1]} vs kernel ${expected.max}`);
      await page.locator('.lenslab-root').screenshot({ path: join(out, 'panels-05-flow-overlay.png') });
    });
  } finally {
    await page.evaluate(() => window.jupyterapp?.shell?.currentWidget?.sessionContext?.shutdown()).catch(() => undefined);
    await page.close();
  }
}
