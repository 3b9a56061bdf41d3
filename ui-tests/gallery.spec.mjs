// Browser checks of notebooks/gallery.ipynb (a ResNet, a ViT, a recurrent loop, a branch), for
// ui-tests/run.mjs to call once JupyterLab is up:
//
//   import { gallerySpec } from './gallery.spec.mjs';
//   await gallerySpec({ context, lab, test, assert, out: OUT });
//
// Opens the gallery in its own tab and runs it. For every widget: it is ready; fully expanded,
// the unrolled view draws one node per layer pass and the rolled view one per layer (what the
// kernel recorded); search finds a known label; selecting an op opens the inspector with
// data-selected. The hostile module name is drawn as text (no dialog, no element injected).
// Screenshots (light and dark theme): out/gallery-*.png.
import { kernelJson, runAllCells } from './kernel.mjs';
import { join } from 'node:path';

const NOTEBOOK = 'notebooks/gallery.ipynb';
const HOSTILE = '<img src=x onerror=alert(1)>';
const MODELS = [
  { name: 'resnet', history: 'h_resnet' },
  { name: 'vit', history: 'h_vit' },
  { name: 'recurrent', history: 'h_rnn', recurrent: true },
  { name: 'branch', history: 'h_branch', hostile: true },
];

/** What the kernel recorded for one history: counts without buffers, and a label to look for. */
const kernelFacts = (name) => `
import json
from lenslab.export.wire import to_wire
_h = ${name}
_roles = {op["label"]: op["role"] for op in to_wire(_h)["ops"]}
_shown = [l for l in _h.layers if _roles.get(l.label) != "buffer"]
_ops = [l for l in _shown if _roles.get(l.label) == "op" and l.module]
print(json.dumps({
    "passes": len(_shown),
    "layers": len({l.layer_label for l in _shown}),
    "maxPasses": max(l.num_passes for l in _shown),
    "label": _ops[len(_ops) // 2].label,
    "modules": sorted(a for a in _h.modules if a),
}))
`;


/** Calls root.lenslabView[method](...args) on the i-th widget. */
const call = (page, i, method, ...args) =>
  page.locator('.lenslab-root').nth(i).evaluate(async (root, [m, a]) => await root.lenslabView[m](...a), [method, args]);

export async function gallerySpec({ context, lab, test, assert, out }) {
  const page = await context.newPage();
  let dialogs = 0;
  page.on('dialog', (d) => {
    dialogs += 1;
    void d.dismiss();
  });
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  const shoot = async (i, name) => {
    const widget = page.locator('.lenslab-root').nth(i);
    await widget.scrollIntoViewIfNeeded();
    const path = join(out, `gallery-${name}.png`);
    await widget.screenshot({ path });
    console.log(`     screenshot ${path}`);
  };

  try {
    await test('gallery: the notebook runs and shows four ready widgets', async () => {
      await page.goto(`${lab.url}/lab/tree/${NOTEBOOK}?token=${lab.token}`);
      await page.waitForFunction(() => window.jupyterapp?.shell?.currentWidget?.content?.widgets, null, { timeout: 90_000 });
      await runAllCells(page);
      await page.waitForFunction(
        (n) => document.querySelectorAll('.lenslab-root[data-state="ready"]').length >= n,
        MODELS.length,
        { timeout: 240_000 },
      );
      const states = await page.$$eval('.lenslab-root', (els) => els.map((e) => e.dataset.state));
      assert(states.length === MODELS.length && states.every((s) => s === 'ready'), `widget states ${states.join(', ')}`);
      for (const [i, m] of MODELS.entries()) await shoot(i, m.name);
    });

    for (const [i, m] of MODELS.entries()) {
      await test(`gallery ${m.name}: unrolled / rolled counts, search, inspector`, async () => {
        const facts = await kernelJson(page, kernelFacts(m.history));
        await call(page, i, 'setRolled', false);
        await call(page, i, 'setDepth', 1000);
        const unrolled = await call(page, i, 'visibleNodeIds');
        assert(unrolled.length === facts.passes, `unrolled: ${unrolled.length} nodes, kernel has ${facts.passes} layer passes`);
        await call(page, i, 'setRolled', true);
        const rolled = await call(page, i, 'visibleNodeIds');
        assert(rolled.length === facts.layers, `rolled: ${rolled.length} nodes, kernel has ${facts.layers} layers`);
        if (m.recurrent) {
          assert(facts.maxPasses > 1 && rolled.length < unrolled.length, `recurrent: ${facts.maxPasses} passes, rolled ${rolled.length} < unrolled ${unrolled.length}`);
          await shoot(i, `${m.name}-rolled`);
        }
        await call(page, i, 'setRolled', false);
        const hits = await call(page, i, 'search', facts.label);
        assert(hits.includes(facts.label), `search ${facts.label}: ${hits.slice(0, 10).join(', ')}`);
        await call(page, i, 'search', '');
        await call(page, i, 'select', facts.label);
        const inspector = page.locator('.lenslab-root').nth(i).locator('[data-lenslab-inspector]');
        assert((await inspector.getAttribute('data-selected')) === facts.label, `inspector data-selected=${await inspector.getAttribute('data-selected')}`);
        assert(await inspector.isVisible(), 'the inspector opened');
        await shoot(i, `${m.name}-selected`);
        await inspector.locator('[data-action="close-inspector"]').click();
        await page.waitForFunction((n) => document.querySelectorAll('.lenslab-root [data-lenslab-inspector]')[n]?.hidden === true, i, { timeout: 10_000 });
        if (m.hostile) {
          assert(facts.modules.includes(HOSTILE), `kernel modules: ${facts.modules.join(', ')}`);
          await call(page, i, 'setDepth', 1);
          const ids = await call(page, i, 'visibleNodeIds');
          assert(ids.includes(`module:${HOSTILE}`), `depth 1: ${ids.join(', ')}`);
          await call(page, i, 'select', `module:${HOSTILE}`);
          const root = page.locator('.lenslab-root').nth(i);
          const literal = await root.evaluate((r, name) => r.textContent.includes(name), HOSTILE);
          assert(literal, 'the hostile name is shown as text');
          await shoot(i, `${m.name}-hostile`);
        }
      });
    }

    await test('gallery: no dialog fired, no element injected, no page errors', async () => {
      const injected = await page.$$eval('.lenslab-root img, .lenslab-root foreignObject, .lenslab-root script', (e) => e.length);
      assert(dialogs === 0, `${dialogs} dialogs`);
      assert(injected === 0, `${injected} injected elements`);
      assert(pageErrors.length === 0, pageErrors.join('\n'));
    });

    await test('gallery: dark theme screenshots', async () => {
      await page.evaluate(() => window.jupyterapp.commands.execute('apputils:change-theme', { theme: 'JupyterLab Dark' }));
      await page.waitForFunction(() => document.body.dataset.jpThemeLight === 'false', null, { timeout: 30_000 });
      await page.waitForTimeout(500);
      await call(page, 0, 'setDepth', 2);
      await shoot(0, 'resnet-dark');
      await call(page, 3, 'setDepth', 1000);
      await shoot(3, 'branch-dark');
      await page.evaluate(() => window.jupyterapp.commands.execute('apputils:change-theme', { theme: 'JupyterLab Light' }));
    });
  } finally {
    await page.close();
  }
}
