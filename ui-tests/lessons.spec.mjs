// Browser checks of the five lessons in notebooks/lessons/: each opens in JupyterLab, runs top
// to bottom, and shows what it teaches. One screenshot per teaching moment (out/lesson-*.png),
// each taken after the check that the moment is on screen:
//
//   import { lessonsSpec } from './lessons.spec.mjs';
//   await lessonsSpec({ context, lab, test, assert, out: OUT });
//
// `node ui-tests/one.mjs lessons` runs this spec alone (its own JupyterLab).
import { join } from 'node:path';
import { kernelJson, runAllCells } from './kernel.mjs';

/** Calls root.lenslabView[method](...args) on the i-th widget of the page. */
const call = (page, i, method, ...args) =>
  page.locator('.lenslab-root').nth(i).evaluate(async (root, [m, a]) => await root.lenslabView[m](...a), [method, args]);

/** Attributes of the i-th widget's tensor view, source panel and colour bar, once drawn. */
async function panels(page, i) {
  const root = page.locator('.lenslab-root').nth(i);
  await root.locator('[data-lenslab-tensor]').first().waitFor({ state: 'attached', timeout: 30_000 });
  await page.waitForFunction(
    (n) => {
      const t = document.querySelectorAll('.lenslab-root')[n]?.querySelector('[data-lenslab-tensor]');
      return t && t.dataset.state !== 'loading';
    },
    i,
    { timeout: 60_000 },
  );
  return root.evaluate((r) => {
    const t = r.querySelector('[data-lenslab-tensor]');
    const s = r.querySelector('[data-lenslab-source]');
    const c = r.querySelector('[data-lenslab-colorbar]');
    return {
      tensor: t?.dataset.lenslabTensor, state: t?.dataset.state, kind: t?.dataset.kind, axes: t?.dataset.axes,
      argmax: t?.dataset.argmax, view: t?.querySelector('[data-view][aria-pressed="true"]')?.dataset.view,
      status: t?.querySelector('.lenslab-tensor-status')?.textContent ?? '',
      file: s?.dataset.file, line: s?.dataset.line, code: s?.textContent ?? '',
      colorbar: c && !c.hidden ? { min: Number(c.dataset.min), max: Number(c.dataset.max), scale: c.dataset.scale } : null,
    };
  });
}

const LESSONS = [
  { file: '1_what_a_cnn_sees.ipynb', widgets: 3, facts: `
import json
print(json.dumps({"early": h["conv1"].label, "relu": h[h["conv1"].children[0]].label,
                  "late": h["conv2"].label, "logits": h["fc"].label,
                  "pred": int(h["fc"].activation.argmax())}))` },
  { file: '2_attention.ipynb', widgets: 3, facts: `
import json
print(json.dumps({"weights": weights.label, "torch": [l.label for l in h_torch if l.func_name == "softmax"]}))` },
  { file: '3_recurrence_and_control_flow.ipynb', widgets: 2, facts: `
import json
print(json.dumps({"cell": [l.layer_label for l in h if l.num_passes > 1][0], "passes": max(l.num_passes for l in h),
                  "ops": sum(1 for l in h if not l.is_buffer), "cond": [l.label for l in h if l.is_terminal_bool]}))` },
  { file: '4_residual_and_batchnorm.ipynb', widgets: 3, facts: `
import json
print(json.dumps({"add": [l.label for l in h_train if l.func_name in ("__add__", "add")][0],
                  "bn": h_eval["block.bn1"].label, "buffers": [l.label for l in h_train.buffers]}))` },
  { file: '5_debugging_a_shape_error.ipynb', widgets: 2, facts: `
import json
print(json.dumps({"message": partial.failure.message, "parents": partial.failure.parents}))` },
];

export async function lessonsSpec({ context, lab, test, assert, out }) {
  let page = null;
  const pageErrors = [];
  /** Screenshot of the i-th widget; `at` scrolls the inspector to that part (tensor, code). */
  const shoot = async (i, name, at = '[data-lenslab-tensor]') => {
    const widget = page.locator('.lenslab-root').nth(i);
    await widget.scrollIntoViewIfNeeded();
    await widget.evaluate((r, sel) => r.querySelector(`[data-lenslab-inspector] ${sel}`)?.scrollIntoView({ block: 'center' }), at);
    await page.waitForTimeout(300);
    const path = join(out, `lesson-${name}.png`);
    await widget.screenshot({ path });
    console.log(`     screenshot ${path}`);
  };
  /** A fresh page and workspace per lesson: only its notebook is open, so widget n is its own. */
  const open = async (lesson) => {
    if (page) await close();
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${lab.url}/lab/tree/notebooks/lessons/${lesson.file}?token=${lab.token}&reset`);
    await page.waitForFunction(() => window.jupyterapp?.shell?.currentWidget?.content?.widgets, null, { timeout: 90_000 });
    await runAllCells(page);
    await page.waitForFunction(
      (n) => document.querySelectorAll('.lenslab-root[data-state="ready"]').length >= n,
      lesson.widgets,
      { timeout: 300_000 },
    );
    const errors = await page.$$eval('[data-mime-type="application/vnd.jupyter.error"]', (e) => e.map((x) => x.textContent.slice(0, 500)));
    assert(errors.length === 0, `notebook errors: ${errors.join('\n')}`);
    return kernelJson(page, lesson.facts);
  };
  const close = async () => {
    await page.evaluate(() => window.jupyterapp?.shell?.currentWidget?.sessionContext?.shutdown()).catch(() => undefined);
    await page.close();
    page = null;
  };

  try {
    await test('lesson 1 (CNN): code beside the graph, early vs late channels, logits as bars, saliency', async () => {
      const f = await open(LESSONS[0]);
      await call(page, 0, 'select', f.early);
      let p = await panels(page, 0);
      assert(p.state === 'ready' && p.view === 'channels' && p.axes === 'C,H,W', `early: ${JSON.stringify(p)}`);
      assert(p.colorbar?.scale === 'diverging' && p.colorbar.min < 0 && p.colorbar.max > 0, `conv colour bar ${JSON.stringify(p.colorbar)}`);
      assert(/^In \[\d+\]$/.test(p.file ?? '') && p.code.includes('self.conv1(x)'), `source panel: ${p.file}:${p.line} ${p.code.slice(0, 200)}`);
      await shoot(0, '1-early-features');
      await call(page, 0, 'select', f.relu);
      p = await panels(page, 0);
      assert(p.colorbar?.scale === 'sequential' && p.colorbar.min === 0, `ReLU colour bar ${JSON.stringify(p.colorbar)}`);
      await call(page, 0, 'select', f.late);
      p = await panels(page, 0);
      assert(p.view === 'channels' && p.axes === 'C,H,W', `late: ${JSON.stringify(p)}`);
      await shoot(0, '1-late-features');
      const hits = await call(page, 0, 'selectSource', p.file, Number(p.line));
      assert(hits.includes(f.late), `the line of conv2 selects ${hits.join(', ')}`);
      await call(page, 0, 'select', f.logits);
      p = await panels(page, 0);
      assert(p.view === 'bars' && Number(p.argmax) === f.pred, `logits: ${JSON.stringify(p)} (prediction ${f.pred})`);
      await shoot(0, '1-logits-bars');
      const current = [];
      for (let k = 0; k < 3; k++) current.push(await call(page, 0, 'step', 1));
      const root = page.locator('.lenslab-root').nth(0);
      assert((await root.getAttribute('data-current')) === current[2], `data-current after ${current.join(' > ')}`);
      assert((await root.locator('.lenslab-node--lit').count()) > 0, 'the current op is lit');
      await shoot(0, '1-player', '[data-lenslab-source]');
      await call(page, 2, 'select', 'input_1:1');
      p = await panels(page, 2);
      const salient = await page.locator('.lenslab-root').nth(2).locator('[data-lenslab-tensor]').getAttribute('data-saliency');
      assert(p.view === 'saliency' && salient === 'true', `saliency view: ${JSON.stringify(p)} data-saliency=${salient}`);
      await shoot(2, '1-saliency');
      await page.locator('.lenslab-root').nth(2).locator('[data-tensor-kind="gradient"]').click();
      await page.waitForFunction(() => document.querySelectorAll('.lenslab-root')[2]?.querySelector('[data-lenslab-tensor]')?.dataset.kind === 'gradient', null, { timeout: 30_000 });
      p = await panels(page, 2);
      assert(p.state === 'ready' && p.kind === 'gradient', `saliency: ${JSON.stringify(p)}`);
      await shoot(2, '1-input-gradient');
      // The input image pinned over the graph; after backward, |grad| laid over it (saliency).
      const pin = page.locator('.lenslab-root').nth(2).locator('[data-lenslab-pinned-input]');
      await page.waitForFunction(() => document.querySelectorAll('.lenslab-root')[2]?.querySelector('[data-lenslab-pinned-input]')?.dataset.saliency === 'true', null, { timeout: 30_000 });
      assert((await pin.getAttribute('data-lenslab-pinned-input')) === 'input_1' && (await pin.getAttribute('data-has-grad')) === 'true', 'pinned input_1 with its gradient');
      const size = await pin.locator('canvas').evaluate((c) => [c.width, c.height, c.getBoundingClientRect().width]);
      assert(size[0] === 8 && size[1] === 8 && size[2] >= 100, `the 8x8 digit, drawn large: ${size}`);
      await page.locator('.lenslab-root').nth(2).scrollIntoViewIfNeeded();
      await pin.screenshot({ path: join(out, 'lesson-1-pinned-saliency.png') });
      await pin.locator('[data-action="pinned-saliency"]').click();
      await page.waitForFunction(() => document.querySelectorAll('.lenslab-root')[2]?.querySelector('[data-lenslab-pinned-input]')?.dataset.saliency === 'false', null, { timeout: 30_000 });
      await pin.screenshot({ path: join(out, 'lesson-1-pinned-plain.png') });
      await pin.locator('.lenslab-pinned-title').click();
      assert(await pin.locator('canvas').isHidden(), 'the title folds the pinned image away');
      await pin.locator('.lenslab-pinned-title').click();
      assert(await pin.locator('canvas').isVisible(), 'and opens it again');
      // First draw fitted: every node inside the stage, unless fitting would shrink text below 7 px.
      const fit = await page.locator('.lenslab-root').nth(1).evaluate((r) => {
        const stage = r.querySelector('.lenslab-stage').getBoundingClientRect();
        const nodes = [...r.querySelectorAll('.lenslab-node')].map((n) => n.getBoundingClientRect());
        const inside = nodes.every((b) => b.left >= stage.left - 1 && b.right <= stage.right + 1 && b.top >= stage.top - 1 && b.bottom <= stage.bottom + 1);
        const text = r.querySelector('.lenslab-node text')?.getBoundingClientRect().height ?? 0;
        return { inside, text, count: nodes.length, stage: [stage.width, stage.height] };
      });
      assert(fit.count > 0 && fit.inside && fit.text >= 7, `first draw fits the widget with readable text: ${JSON.stringify(fit)}`);
      await shoot(1, '1-fitted-first-draw');
      // The grip under the widget changes its height; an untouched fit refits (ResizeObserver).
      const second = page.locator('.lenslab-root').nth(1);
      const nodeHeight = () => second.evaluate((r) => r.querySelector('.lenslab-node')?.getBoundingClientRect().height ?? 0);
      const before = { root: (await second.boundingBox()).height, node: await nodeHeight() };
      const grip = await second.locator('.lenslab-resize').boundingBox();
      await page.mouse.move(grip.x + grip.width / 2, grip.y + grip.height / 2);
      await page.mouse.down();
      await page.mouse.move(grip.x + grip.width / 2, grip.y + 200, { steps: 5 });
      await page.mouse.up();
      await page.waitForTimeout(400);
      const after = { root: (await second.boundingBox()).height, node: await nodeHeight() };
      assert(after.root > before.root + 150 && after.node > before.node, `resized ${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
      await shoot(1, '1-resized-refit');
      await second.locator('.lenslab-resize').dblclick();
    });

    await test('lesson 2 (attention): heads x query x key maps, named axes, fused attention recorded', async () => {
      const f = await open(LESSONS[1]);
      await call(page, 1, 'select', f.weights);
      const p = await panels(page, 1);
      assert(p.view === 'attention' && p.axes === 'heads,query,key', `attention view: ${JSON.stringify(p)}`);
      assert(p.colorbar?.scale === 'sequential', `softmax colour bar ${JSON.stringify(p.colorbar)}`);
      assert(p.code.includes('softmax(dim=-1)'), `the code line: ${p.code.slice(0, 300)}`);
      await shoot(1, '2-attention-weights');
      assert(f.torch.length > 0, 'attention_weights=True records the softmax');
      await call(page, 2, 'select', f.torch[0]);
      const q = await panels(page, 2);
      assert(q.state === 'ready', `torch layer: ${JSON.stringify(q)}`);
      await shoot(2, '2-torch-attention');
    });

    await test('lesson 3 (recurrence): unrolled steps, rolled passes, the branch taken', async () => {
      const f = await open(LESSONS[2]);
      await call(page, 0, 'setDepth', 1000);
      const unrolled = await call(page, 0, 'visibleNodeIds');
      assert(unrolled.length === f.ops, `unrolled ${unrolled.length} nodes, kernel ${f.ops}`);
      const branch = await page.locator('.lenslab-root').nth(0).locator('.lenslab-edge--branch').count();
      assert(branch > 0 && f.cond.length > 0, `branch edges drawn: ${branch}`);
      await shoot(0, '3-unrolled-and-branch');
      await call(page, 1, 'setDepth', 1000);
      const rolled = await call(page, 1, 'visibleNodeIds');
      assert(rolled.includes(f.cell) && rolled.length < unrolled.length, `rolled: ${rolled.join(', ')}`);
      const seen = [];
      for (let k = 0; k < 12; k++) seen.push(await call(page, 1, 'step', 1));
      assert(seen.filter((id) => id === f.cell).length >= 2, `the rolled cell is stepped once per pass: ${seen.join(' > ')}`);
      await shoot(1, '3-rolled-player');
    });

    await test('lesson 4 (residual, BatchNorm): the skip add, running statistics, train vs eval', async () => {
      const f = await open(LESSONS[3]);
      await call(page, 0, 'select', f.add);
      await shoot(0, '4-skip-connection');
      await call(page, 1, 'setDepth', 1000);
      const ids = await call(page, 1, 'visibleNodeIds');
      assert(f.buffers.some((b) => ids.some((id) => id.startsWith(b.split(':')[0]))), `buffers drawn: ${ids.join(', ')}`);
      await shoot(1, '4-running-stats');
      await call(page, 2, 'select', f.bn);
      const p = await panels(page, 2);
      assert(p.state === 'ready', `eval BatchNorm: ${JSON.stringify(p)}`);
      await shoot(2, '4-eval-batchnorm');
    });

    await test('lesson 5 (shape error): the failing call in red with its message, then the fix', async () => {
      const f = await open(LESSONS[4]);
      const ids = await call(page, 0, 'visibleNodeIds');
      assert(ids.includes('failed:1'), `partial graph: ${ids.join(', ')}`);
      const failed = page.locator('.lenslab-root').nth(0).locator('.lenslab-node--failed');
      assert((await failed.count()) === 1, 'one red node');
      const text = await failed.textContent();
      assert(text.includes('linear failed') && f.message.includes('mat1 and mat2'), `red node says: ${text}`);
      await shoot(0, '5-failing-call');
      const fixed = await call(page, 1, 'visibleNodeIds');
      assert(!fixed.includes('failed:1'), 'the fixed model has no failed call');
      await shoot(1, '5-fixed');
    });

    await test('lessons: no page errors', async () => {
      assert(pageErrors.length === 0, pageErrors.join('\n'));
    });
  } finally {
    if (page) await close();
  }
}
