// Browser checks of the data views (issue 6), for ui-tests/run.mjs to call after the quickstart
// notebook has run and its widget is ready:
//
//   import { dataSpec } from './data.spec.mjs';
//   await dataSpec({ page, test, assert, screenshot });
//
// It selects a conv layer and checks the view's data-stat-* against numbers computed by torch
// in the same kernel; captures with grads=True in a new cell, runs backward in another, and
// checks the gradient view of the *same* widget (no re-display); sorts the layer table.
import { kernelJson } from './kernel.mjs';

const CONV = 'conv2d_1_1:1';
const TOL = 1e-5;


const torchStats = (expr) => `
import json, torch
t = ${expr}
f = t[torch.isfinite(t)]
print(json.dumps({"mean": f.mean().item(), "std": f.std().item(), "min": f.min().item(), "max": f.max().item(), "nan": int(t.isnan().sum())}))
`;

/** Appends a code cell at the end of the notebook, runs it and waits for it to finish. */
async function runNewCell(page, source) {
  await page.evaluate(async (code) => {
    const panel = window.jupyterapp.shell.currentWidget;
    const notebook = panel.content;
    notebook.activeCellIndex = notebook.widgets.length - 1;
    await window.jupyterapp.commands.execute('notebook:insert-cell-below');
    notebook.activeCell.model.sharedModel.setSource(code);
    await window.jupyterapp.commands.execute('notebook:run-cell');
  }, source);
  await page.waitForFunction(() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle', null, { timeout: 60_000 });
}

/** Waits for the widget's tensor view of `id` to be drawn; returns its data-* attributes. */
async function readyView(root, id, kind) {
  const view = root.locator(`[data-lenslab-tensor="${id}"][data-kind="${kind}"][data-state="ready"]`);
  await view.waitFor({ timeout: 60_000 });
  return view.evaluate((e) => ({ ...e.dataset }));
}

function assertStats(assert, shown, expected, what) {
  for (const key of ['mean', 'std', 'min', 'max']) {
    const got = Number(shown[`stat${key[0].toUpperCase()}${key.slice(1)}`]);
    const want = expected[key];
    assert(Math.abs(got - want) <= TOL * Math.max(1, Math.abs(want)), `${what} ${key}: shown ${got}, kernel ${want}`);
  }
  assert(Number(shown.statNan) === expected.nan, `${what} nan: shown ${shown.statNan}, kernel ${expected.nan}`);
}

export async function dataSpec({ page, test, assert, screenshot }) {
  const first = page.locator('.lenslab-root').first();

  await test(`selecting ${CONV} shows its activation with the kernel's statistics`, async () => {
    await first.evaluate((root, id) => root.lenslabView.select(id), CONV);
    const shown = await readyView(first, CONV, 'activation');
    assertStats(assert, shown, await kernelJson(page, torchStats(`h['${CONV}'].activation`)), CONV);
    await screenshot(page, 'data-01-activation');
  });

  await test('every view of the conv output draws (heatmap, channels, line, histogram)', async () => {
    for (const view of ['channels', 'line', 'histogram', 'heatmap']) {
      await first.locator(`.lenslab-tensor-tabs [data-view="${view}"]`).click();
      await readyView(first, CONV, 'activation');
    }
  });

  await test('gradients: after backward, the same widget shows them without being re-displayed', async () => {
    await runNewCell(page, 'hg = lens(model, torch.randn(1, 3, 32, 32), grads=True)\nhg');
    const second = page.locator('.lenslab-root').nth(1);
    await second.waitFor({ timeout: 60_000 });
    await page.waitForFunction(() => document.querySelectorAll('.lenslab-root[data-state="ready"]').length >= 2, null, { timeout: 60_000 });
    await second.evaluate((root, id) => root.lenslabView.select(id), CONV);
    await second.locator('.lenslab-tensor-toggle [data-tensor-kind="gradient"]').click();
    await second.locator('[data-lenslab-tensor][data-state="error"]').waitFor({ timeout: 30_000 });
    await runNewCell(page, 'hg.outputs[0].activation.sum().backward()');
    const shown = await readyView(second, CONV, 'gradient');
    assertStats(assert, shown, await kernelJson(page, torchStats(`hg['${CONV}'].grad`)), `${CONV} gradient`);
    await second.locator('.lenslab-overlay').selectOption('grad');
    await second.locator('.lenslab-legend-title').filter({ hasText: 'gradient norm' }).waitFor({ timeout: 15_000 });
    await screenshot(page, 'data-02-gradient');
  });

  await test('the layer table sorts by time and selects the node of a clicked row', async () => {
    await first.locator('.lenslab-tabs [data-tab="layers"]').click();
    const header = first.locator('.lenslab-table-head [data-column="time"]');
    await header.click();
    await header.click();
    assert((await header.getAttribute('aria-sort')) === 'descending', 'time column sorted descending');
    const labels = await first.evaluate((root) => {
      const order = [...root.querySelectorAll('.lenslab-table-body .lenslab-table-row')].sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top));
      return order.map((r) => r.dataset.label);
    });
    assert(labels.length > 3, `rows drawn: ${labels.length}`);
    // The table sorts the wire graph's times (rounded to 3 digits): compare with those.
    const wireTimes = await kernelJson(page, 'import json\nfrom lenslab.export.wire import to_wire\nprint(json.dumps({op["label"]: op["time_s"] for op in to_wire(h)["ops"]}))');
    const times = labels.map((l) => wireTimes[l]);
    assert(times.every((t, i) => typeof t === 'number' && (i === 0 || times[i - 1] >= t)), `rows not in descending time: ${labels.map((l, i) => `${l}=${times[i]}`).join(', ')}`);
    const row = first.locator('.lenslab-table-body .lenslab-table-row').nth(2);
    const label = await row.getAttribute('data-label');
    await row.click();
    await page.waitForFunction(
      ([id]) => document.querySelector('.lenslab-root [data-lenslab-inspector]')?.getAttribute('data-selected') === id,
      [label],
      { timeout: 15_000 },
    );
    await screenshot(page, 'data-03-table');
    await first.locator('.lenslab-tabs [data-tab="graph"]').click();
  });
}
