// Browser checks of the compare widget (lenslab.compare displayed), on its standalone page:
// no kernel, no network, both runs' activations and their difference embedded. Python
// (ui-tests/compare_pages.py) writes the pages and what they must show.
//
//   import { compareSpec } from './compare.spec.mjs';
//   await compareSpec({ context, test, assert, out });
//
// or on its own: `node ui-tests/one.mjs compare` (prints `N passed, N failed`).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

function makePages(dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const run = spawnSync(join(ROOT, '.venv/bin/python'), [join(ROOT, 'ui-tests/compare_pages.py'), dir], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  if (run.status !== 0) throw new Error(`compare_pages.py failed:\n${run.stderr}`);
  return JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
}

async function openPage(context, file) {
  const page = await context.newPage();
  const blocked = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('blob:') || url.startsWith('data:')) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  await page.setViewportSize({ width: 1500, height: 900 });
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('.lenslab-root[data-state="ready"]', { timeout: 60_000 });
  return { page, blocked };
}

const view = (page, fn, arg) =>
  page.evaluate(([f, a]) => new Function('v', 'a', `return (${f})(v, a)`)(document.querySelector('.lenslab-root').lenslabView, a), [fn.toString(), arg]);

export async function compareSpec({ context, lab, test, assert, out }) {
  const dir = join(out, 'compare');
  const expected = makePages(dir);
  const { page, blocked } = await openPage(context, join(dir, 'ablated.html'));
  const want = expected.ablated;

  await test('compare page: data-mode="compare", drawn without a kernel or network', async () => {
    const mode = await page.evaluate(() => document.querySelector('.lenslab-root').dataset.mode);
    assert(mode === 'compare', `data-mode is ${mode}`);
    assert(blocked.length === 0, `network requests: ${blocked.join(', ')}`);
  });

  await test('compare page: diffOf gives the kernel\'s rel_l2 on every op node, max over a closed module', async () => {
    await view(page, (v) => v.setDepth(99));
    const ids = await view(page, (v) => v.visibleNodeIds());
    const drawn = await view(page, (v, ids) => Object.fromEntries(ids.map((id) => [id, v.diffOf(id)])), ids);
    for (const [label, rel] of Object.entries(want.rel_l2)) {
      assert(label in drawn, `${label} not drawn (drawn: ${ids.join(', ')})`);
      assert(Math.abs(drawn[label] - rel) < 1e-9, `${label}: diffOf ${drawn[label]}, kernel ${rel}`);
    }
    await view(page, (v) => v.collapse('module:block'));
    const block = await view(page, (v) => v.diffOf('module:block'));
    const inside = ['conv2d_2_5:1', 'relu_2_6:1', 'conv2d_3_7:1'].map((l) => want.rel_l2[l]);
    assert(Math.abs(block - Math.max(...inside)) < 1e-9, `module:block diffOf ${block}, ops inside ${inside}`);
    await view(page, (v) => v.expand('module:block'));
  });

  await test('compare page: changed ops are filled, unchanged ones are not; the legend has the scale', async () => {
    const fills = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('[data-node-id]')].map((g) => [g.getAttribute('data-node-id'), g.querySelector('rect, path')?.getAttribute('style') ?? g.querySelector('rect, path')?.getAttribute('fill') ?? ''])));
    const changed = want.changed.filter((l) => l in fills);
    const same = want.same.filter((l) => l in fills && !l.startsWith('input'));
    assert(changed.length > 2 && same.length > 2, `too few drawn nodes: ${JSON.stringify(fills)}`);
    const style = (l) => fills[l];
    for (const l of changed) for (const s of same) assert(style(l) !== style(s), `${l} and ${s} are drawn alike: ${style(l)}`);
    const legend = await page.evaluate(() => document.querySelector('.lenslab-legend')?.textContent ?? '');
    assert(/difference/.test(legend) && /first divergence: relu_2_6:1/.test(legend), `legend: ${legend}`);
  });

  await test('compare page: selecting an op shows a, b and b - a side by side', async () => {
    await view(page, (v) => v.select('conv2d_3_7:1'));
    await page.waitForFunction(() => document.querySelectorAll('[data-lenslab-compare] [data-lenslab-tensor="conv2d_3_7:1"][data-state="ready"]').length === 3, null, { timeout: 20_000 });
    const sides = await page.evaluate(() =>
      [...document.querySelectorAll('[data-lenslab-compare] [data-side]')].map((s) => {
        const t = s.querySelector('[data-lenslab-tensor]');
        const box = s.getBoundingClientRect();
        return { side: s.dataset.side, max: Number(t?.dataset.statMax), min: Number(t?.dataset.statMin), x: box.x, y: box.y, w: box.width };
      }),
    );
    assert(sides.map((s) => s.side).join() === 'a,b,diff', JSON.stringify(sides));
    const [a, b, d] = sides;
    assert(a.x < b.x && b.x < d.x && Math.abs(a.y - d.y) < 2 && a.w > 80, `not side by side: ${JSON.stringify(sides)}`);
    assert(a.max !== b.max && d.max > 0 && d.min < 0, `a/b/diff stats: ${JSON.stringify(sides)}`);
    await page.locator('.lenslab-root').screenshot({ path: join(out, 'compare-selected.png') });
  });

  await test('compare page: the layer table sorts by difference, largest first', async () => {
    await page.click('.lenslab-tabs [data-tab="layers"]');
    const rows = await page.evaluate(() => [...document.querySelectorAll('.lenslab-table-body [data-label]')].map((r) => r.dataset.label));
    const byDiff = Object.entries(want.rel_l2).sort((x, y) => y[1] - x[1]).map(([l]) => l);
    assert(rows[0] === byDiff[0], `first row ${rows[0]}, largest difference ${byDiff[0]}`);
    await page.locator('.lenslab-root').screenshot({ path: join(out, 'compare-table.png') });
  });

  const first = await page.evaluate(() => performance.getEntriesByName('lenslab:first-draw')[0]?.duration ?? -1);
  console.log(`     compare widget first draw: ${first.toFixed(1)} ms`);
  await page.close();

  const branch = await openPage(context, join(dir, 'branch.html'));
  await test('compare page: a branch taken differently is marked; the op only b ran is a node of its own', async () => {
    const legend = await branch.page.evaluate(() => document.querySelector('.lenslab-legend')?.textContent ?? '');
    assert(/branch taken differently \(1\)/.test(legend) && /only in b: 1 \(mul_1_5:1\)/.test(legend), `legend: ${legend}`);
    const gt = await view(branch.page, (v) => v.diffOf('gt_1_4:1'));
    assert(gt === 1, `the branch condition's difference is ${gt}`);
    // b's extra op (y * 2) is drawn as its own node, with b's edges: from relu_1_2 (where b's
    // path left a's) into the ops both runs share.
    await view(branch.page, (v) => v.setDepth(99));
    const drawn = await branch.page.evaluate(() => ({
      nodes: [...document.querySelectorAll('.lenslab-node--only-b')].map((g) => g.getAttribute('data-node-id')),
      edges: [...document.querySelectorAll('.lenslab-edge--only-b')].map((g) => g.getAttribute('data-edge')),
      fill: document.querySelector('.lenslab-node--only-b .lenslab-shape')?.style.fill ?? '',
    }));
    assert(JSON.stringify(drawn.nodes) === '["b/mul_1_5:1"]', `only-b nodes: ${drawn.nodes}`);
    assert(drawn.edges.includes('relu_1_2:1\u2192b/mul_1_5:1'), `edges: ${drawn.edges}`);
    assert(drawn.edges.some((e) => e.startsWith('b/mul_1_5:1\u2192')), `no edge leaves b's op: ${drawn.edges}`);
    assert(drawn.fill !== '', 'the only-b node has no fill');
    assert(expected.branch.only_b.every((l) => drawn.nodes.includes(`b/${l}`)), `Python's only_b: ${expected.branch.only_b}`);
    await view(branch.page, (v) => v.select('b/mul_1_5:1'));
    await branch.page.waitForFunction(() => document.querySelector('[data-lenslab-compare] [data-side="b"] [data-lenslab-colorbar]') !== null, null, { timeout: 20_000 });
    const panels = await branch.page.evaluate(() => ({
      note: document.querySelector('.lenslab-compare-only-b')?.textContent ?? '',
      titles: [...document.querySelectorAll('.lenslab-compare-title')].map((t) => t.textContent),
      max: Number(document.querySelector('[data-side="b"] [data-lenslab-colorbar]')?.getAttribute('data-max')),
    }));
    assert(panels.note.includes('only b ran mul_1_5:1'), `inspector note: ${panels.note}`);
    assert(panels.titles[0] === 'a \u00b7 did not run' && panels.titles[1] === 'b \u00b7 mul_1_5:1', `titles: ${panels.titles}`);
    assert(Math.abs(panels.max - expected.branch.only_b_max) < 1e-4 * Math.max(1, Math.abs(panels.max)), `b's colour bar max ${panels.max}, Python ${expected.branch.only_b_max}`);
    await branch.page.locator('.lenslab-root').screenshot({ path: join(out, 'compare-branch.png') });
  });
  await branch.page.close();

  const modes = await openPage(context, join(dir, 'modes.html'));
  await test('compare page: train vs eval draws the ops only training ran inside BatchNorm; dropout changed', async () => {
    const want = expected.modes;
    await view(modes.page, (v) => v.setDepth(99));
    const drawn = await modes.page.evaluate(() => [...document.querySelectorAll('.lenslab-node--only-b')].map((g) => g.getAttribute('data-node-id')));
    assert(drawn.includes('b/add_1_2:1'), `only-b nodes: ${drawn} (Python: ${want.only_b})`);
    const box = await modes.page.evaluate(() => document.querySelector('[data-node-id="b/add_1_2:1"]')?.closest('svg') !== null);
    assert(box, 'the only-b node is not in the drawing');
    const dropout = want.changed.find((l) => l.startsWith('dropout'));
    const d = await view(modes.page, (v, id) => v.diffOf(id), dropout);
    assert(d !== null && Math.abs(d - want.rel_l2[dropout]) < 1e-9, `dropout diffOf ${d}, Python ${want.rel_l2[dropout]}`);
    await modes.page.locator('.lenslab-root').screenshot({ path: join(out, 'compare-modes.png') });
  });
  await modes.page.close();

  if (lab) await viewerCheck({ context, lab, test, assert, out, dir, want: expected.branch });

  const kept = await openPage(context, join(dir, 'kept.html'));
  await test('a saved notebook\'s kept compare view colours the graph with no kernel and no tensors', async () => {
    const mode = await kept.page.evaluate(() => document.querySelector('.lenslab-root').dataset.mode);
    const d = await view(kept.page, (v) => v.diffOf('relu_2_6:1'));
    assert(mode === 'compare' && d === want.rel_l2['relu_2_6:1'], `mode ${mode}, diffOf ${d}`);
  });
  await kept.page.close();

  const ablated = await openPage(context, join(dir, 'intervened.html'));
  await test('an intervened history marks the replaced op in the graph, inspector and table', async () => {
    await view(ablated.page, (v) => v.setDepth(99));
    const marked = await ablated.page.evaluate(() => [...document.querySelectorAll('.lenslab-node--intervened')].map((g) => g.getAttribute('data-node-id')));
    assert(JSON.stringify(marked) === JSON.stringify(expected.intervened), `marked ${marked}, expected ${expected.intervened}`);
    await view(ablated.page, (v, id) => v.select(id), expected.intervened[0]);
    const rows = await ablated.page.evaluate(() => document.querySelector('[data-lenslab-inspector]')?.textContent ?? '');
    assert(rows.includes('output replaced by lens(intervene=)'), `inspector: ${rows.slice(0, 300)}`);
    await ablated.page.click('.lenslab-tabs [data-tab="layers"]');
    const flagged = await ablated.page.evaluate(() => [...document.querySelectorAll('.lenslab-table-row--intervened')].map((r) => r.dataset.label));
    assert(JSON.stringify(flagged) === JSON.stringify(expected.intervened), `table rows ${flagged}`);
    await ablated.page.click('.lenslab-tabs [data-tab="graph"]');
    await ablated.page.locator('.lenslab-root').screenshot({ path: join(out, 'compare-intervened.png') });
  });
  await ablated.page.close();
}

/** The live compare widget in JupyterLab: its tensor views are answered by the kernel. */
export async function compareLiveSpec({ context, lab, test, assert, out }) {
  const { runAllCells } = await import('./kernel.mjs');
  const dir = join(out, 'compare');
  mkdirSync(dir, { recursive: true });
  const expectedFile = join(dir, 'live.json');
  const cells = [
    'import json, torch, lenslab',
    'from compare_pages import Net',
    'torch.manual_seed(0)\nmodel, x = Net().eval(), torch.randn(1, 3, 12, 12)',
    'c = lenslab.compare(lenslab.lens(model, x), lenslab.lens(model, x, intervene={"block.1": "zero"}))',
    `rows = c.to_pandas()\njson.dump({r.label: r.rel_l2 for r in rows.itertuples()}, open(${JSON.stringify(expectedFile)}, "w"))`,
    'c',
    // The other branch (y * 2 runs only for the bright input): an op only b ran, drawn as a node.
    'branches = lenslab.compare(lenslab.lens(model, x), lenslab.lens(model, x.abs() * 3))\nbranches',
  ];
  const nb = {
    cells: cells.map((source) => ({ cell_type: 'code', metadata: {}, outputs: [], execution_count: null, source })),
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(ROOT, 'ui-tests', 'compare-live.ipynb'), JSON.stringify(nb));
  const page = await context.newPage();
  await test('live compare widget: kernel answers a, b and b - a for the selected op', async () => {
    await page.goto(`${lab.url}/lab/tree/ui-tests/compare-live.ipynb?token=${lab.token}&reset`);
    await page.waitForFunction(() => window.jupyterapp?.shell?.currentWidget?.content?.widgets, null, { timeout: 90_000 });
    await runAllCells(page);
    await page.waitForSelector('.lenslab-root[data-mode="compare"][data-state="ready"]', { timeout: 180_000 });
    const want = JSON.parse(readFileSync(expectedFile, 'utf8'));
    const got = await page.evaluate(() => document.querySelector('.lenslab-root[data-mode="compare"]').lenslabView.diffOf('conv2d_3_7:1'));
    assert(Math.abs(got - want['conv2d_3_7:1']) < 1e-9, `diffOf ${got}, kernel ${want['conv2d_3_7:1']}`);
    await page.evaluate(() => document.querySelector('.lenslab-root[data-mode="compare"]').lenslabView.select('conv2d_3_7:1'));
    await page.waitForFunction(() => document.querySelectorAll('[data-lenslab-compare] [data-lenslab-tensor="conv2d_3_7:1"][data-state="ready"]').length === 3, null, { timeout: 30_000 });
    await page.locator('.lenslab-root[data-mode="compare"]').first().screenshot({ path: join(out, 'compare-live.png') });
  });
  await test('live compare widget: an op only b ran is a node, its tensor answered by the kernel from b', async () => {
    const roots = page.locator('.lenslab-root[data-mode="compare"][data-state="ready"]');
    await roots.nth(1).waitFor({ timeout: 120_000 });
    const root = roots.nth(1);
    await root.evaluate((el) => el.lenslabView.setDepth(99));
    const only = await root.evaluate((el) => [...el.querySelectorAll('.lenslab-node--only-b')].map((g) => g.getAttribute('data-node-id')));
    assert(JSON.stringify(only) === '["b/mul_1_5:1"]', `only-b nodes: ${only}`);
    await root.evaluate((el) => el.lenslabView.select('b/mul_1_5:1'));
    await page.waitForFunction(() => {
      const el = document.querySelectorAll('.lenslab-root[data-mode="compare"]')[1];
      return el?.querySelector('[data-lenslab-compare] [data-side="b"] [data-lenslab-tensor="b/mul_1_5:1"][data-state="ready"]') !== null;
    }, null, { timeout: 30_000 });
    await root.screenshot({ path: join(out, 'compare-live-branch.png') });
  });
  await page.close();
  rmSync(join(ROOT, 'ui-tests', 'compare-live.ipynb'), { force: true });
}

/** A saved comparison (Comparison.save) opened in JupyterLab's .lens viewer, with no kernel. */
async function viewerCheck({ context, lab, test, assert, out, dir, want }) {
  const page = await context.newPage();
  await page.setViewportSize({ width: 1500, height: 900 });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await test('a saved comparison opens in the .lens viewer as the compare view (a, b, b - a; ops only b ran drawn)', async () => {
      const folder = relative(ROOT, dir);
      await page.goto(`${lab.url}/lab/tree/${folder}?token=${lab.token}&reset`);
      const item = page.locator('.jp-DirListing-itemText', { hasText: 'branch.lens' }).first();
      await item.waitFor({ timeout: 90_000 });
      await item.dblclick();
      const root = '.lenslab-bundle-view .lenslab-root';
      await page.waitForSelector(`${root}[data-state="ready"]`, { timeout: 90_000 });
      const mode = await page.evaluate((sel) => document.querySelector(sel).dataset.mode, root);
      assert(mode === 'compare', `data-mode is ${mode}`);
      await page.evaluate((sel) => document.querySelector(sel).lenslabView.setDepth(99), root);
      const diffs = await page.evaluate(([sel, labels]) => Object.fromEntries(labels.map((l) => [l, document.querySelector(sel).lenslabView.diffOf(l)])), [root, Object.keys(want.rel_l2)]);
      for (const [label, rel] of Object.entries(want.rel_l2)) assert(Math.abs(diffs[label] - rel) < 1e-9, `${label}: diffOf ${diffs[label]}, Python ${rel}`);
      const onlyB = await page.evaluate(() => [...document.querySelectorAll('.lenslab-bundle-view .lenslab-node--only-b')].map((g) => g.getAttribute('data-node-id')));
      assert(JSON.stringify(onlyB) === '["b/mul_1_5:1"]', `only-b nodes: ${onlyB}`);
      // b's value of its own op, and b - a of a changed op, both read from the file in the page.
      await page.evaluate((sel) => document.querySelector(sel).lenslabView.select('b/mul_1_5:1'), root);
      const bar = '.lenslab-bundle-view [data-lenslab-compare] [data-side="b"] [data-lenslab-colorbar]';
      await page.waitForSelector(bar, { timeout: 30_000 });
      const max = Number(await page.getAttribute(bar, 'data-max'));
      assert(Math.abs(max - want.only_b_max) < 1e-4 * Math.max(1, Math.abs(max)), `b's colour bar max ${max}, Python ${want.only_b_max}`);
      await page.evaluate((sel) => document.querySelector(sel).lenslabView.select('conv2d_2_5:1'), root);
      const diffBar = '.lenslab-bundle-view [data-lenslab-compare] [data-side="diff"] [data-lenslab-colorbar]';
      await page.waitForSelector(diffBar, { timeout: 30_000 });
      const titles = await page.evaluate(() => [...document.querySelectorAll('.lenslab-bundle-view .lenslab-compare-title')].map((t) => t.textContent));
      assert(titles.join('|') === 'a|b \u00b7 conv2d_2_6:1|b \u2212 a', `titles: ${titles}`);
      assert(errors.length === 0, `page errors: ${errors.join('; ')}`);
      await page.screenshot({ path: join(out, 'compare-viewer.png') });
    });
  } finally {
    await page.close();
  }
}
