// Browser test of a ~10k-op model (issue 19): a 169-layer Llama-style config with random weights,
// captured by bench/big_models.py (cached) and saved with h.to_html, opened in Chromium without a
// kernel. Checks the first draw (layers folded), opening and closing the fold, showing one copy
// or all, selecting an op inside the fold (it opens at that copy) until its tensor is drawn. Called
// with use_cache=True: the KV cache's outputs are one output node.
// Screenshots: ui-tests/output/big/. Part of `make test` (tests/python/test_big_browser.py), or:
//   .venv/bin/python bench/big_models.py --only llama_10k   # prints the page's path
//   node ui-tests/big.spec.mjs PATH.html
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'ui-tests/output/big');
const page = process.argv[2];
if (!page) throw new Error('usage: node ui-tests/big.spec.mjs PATH.html');
mkdirSync(OUT, { recursive: true });

const results = [];
async function test(name, body) {
  const started = Date.now();
  try {
    await body();
    results.push(true);
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    results.push(false);
    console.log(`FAIL ${name} (${Date.now() - started} ms)\n     ${String(error?.message ?? error)}`);
  }
}
function assert(condition, message) {
  if (!condition) throw new Error(message);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const tab = await browser.newPage({ viewport: { width: 1400, height: 900 } });
const errors = [];
tab.on('pageerror', (e) => errors.push(e.message));
const view = (fn, arg) => tab.evaluate(([f, a]) => new Function('v', 'a', `return (${f})(v, a)`)(document.querySelector('.lenslab-root').lenslabView, a), [fn.toString(), arg]);
const shoot = async (name) => {
  const path = join(OUT, `${name}.png`);
  await tab.screenshot({ path });
  console.log(`     screenshot ${path}`);
};

try {
  let fold = '';
  await test('first draw: the decoder layers are one folded node', async () => {
    await tab.goto(`file://${page}`);
    await tab.waitForSelector('.lenslab-root[data-state="ready"], .lenslab-root[data-state="error"]', { timeout: 300_000 });
    const state = await tab.$eval('.lenslab-root', (r) => r.dataset.state);
    assert(state === 'ready', `widget state ${state}`);
    const ids = await view((v) => v.visibleNodeIds());
    const folds = ids.filter((id) => id.startsWith('fold:'));
    assert(folds.length === 1 && /^fold:model\.layers\.0\/\d+$/.test(folds[0]), `folds drawn: ${folds.join(', ')}`);
    fold = folds[0];
    assert(ids.length < 60, `${ids.length} nodes at first draw`);
    // use_cache=True: the key and value of every layer are outputs, drawn as one output group.
    const outputs = ids.filter((id) => id.startsWith('out:') || id.startsWith('output_'));
    assert(outputs.length === 2 && outputs.includes('out:cache'), `outputs drawn: ${outputs.join(', ')}`);
    const cache = await tab.$eval('[data-node-id="out:cache"]', (el) => el.textContent);
    assert(/cache ×\d+/.test(cache), `cache node text: ${cache}`);
    console.log(`     first draw: ${ids.length} nodes (${ids.join(' ')})`);
    assert(!ids.some((id) => id.startsWith('module:model.layers.')), 'no layer drawn on its own');
    const text = await tab.$eval(`[data-node-id="${fold}"]`, (el) => el.textContent);
    assert(/LlamaDecoderLayer ×\d+/.test(text), `fold node text: ${text}`);
    await shoot('first-draw');
  });

  await test('unfold: the first copy between two stand-ins; fold again', async () => {
    await view((v, id) => v.expand(id), fold);
    const ids = await view((v) => v.visibleNodeIds());
    assert(ids.includes(`${fold}~after`) && !ids.includes(`${fold}~before`), `stand-ins: ${ids.filter((i) => i.includes('~')).join(', ')}`);
    assert(ids.includes('module:model.layers.0') || ids.some((i) => i.startsWith('module:model.layers.0.')), 'copy 0 drawn');
    const panel = await tab.$eval('[data-lenslab-fold] .lenslab-fold-chart', (el) => el.querySelectorAll('rect').length);
    const copies = Number(fold.split('/')[1]);
    assert(panel === copies, `per-copy chart has ${panel} bars for ${copies} copies`);
    await shoot('unfolded-first-copy');
    await tab.click('[data-lenslab-fold] [data-action="fold-all"]');
    // Every copy drawn (open at the default depth): no stand-ins, ops of the last copy shown.
    await tab.waitForFunction((n) => {
      const ids = document.querySelector('.lenslab-root').lenslabView.visibleNodeIds();
      return !ids.some((id) => id.includes('~')) && ids.some((id) => id.startsWith(`module:model.layers.${n - 1}.`));
    }, copies, { timeout: 60_000 });
    await shoot('unfolded-all');
    await view((v, id) => v.collapse(id), fold);
    const again = await view((v) => v.visibleNodeIds());
    assert(again.includes(fold) && !again.some((id) => id.startsWith('module:model.layers.')), 'folded again');
  });

  await test('select an op inside the fold: that copy opens and its tensor is drawn', async () => {
    const hits = await view((v) => v.search('mlp.down_proj'));
    await view((v) => v.search(''));
    const ops = hits.filter((id) => !id.startsWith('module:') && !id.startsWith('fold:'));
    assert(ops.length > 100, `${ops.length} search hits`);
    const target = ops[Math.floor(ops.length / 2)];
    const started = Date.now();
    await view((v, id) => v.select(id), target);
    await tab.waitForSelector(`[data-lenslab-tensor="${target}"][data-state="ready"]`, { timeout: 60_000 });
    console.log(`     ${target}: tensor drawn ${Date.now() - started} ms after select`);
    const ids = await view((v) => v.visibleNodeIds());
    assert(ids.includes(target), 'the op is drawn');
    const standIns = ids.filter((id) => id.includes('~'));
    assert(standIns.includes(`${fold}~before`) && standIns.includes(`${fold}~after`), `stand-ins around it: ${standIns.join(', ')}`);
    await shoot('selected-in-fold');
  });

  await test('no page errors', async () => {
    assert(errors.length === 0, errors.join('\n'));
  });
} finally {
  await browser.close();
}
const failed = results.filter((r) => !r).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
