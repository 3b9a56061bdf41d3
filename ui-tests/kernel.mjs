// Talking to the notebook's kernel from a browser test, the way the notebook itself does.

/** Runs every cell of the current notebook, once its context and kernel session are ready. */
export async function runAllCells(page) {
  await page.evaluate(async () => {
    const app = window.jupyterapp;
    const panel = app.shell.currentWidget;
    await panel.context.ready;
    await panel.sessionContext.ready;
    await app.commands.execute('notebook:run-all-cells');
  });
}

/** Runs `code` in the current notebook's kernel and returns what it printed. */
export function kernelOutput(page, code) {
  return page.evaluate(async (source) => {
    const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
    let out = '';
    const future = kernel.requestExecute({ code: source, store_history: false });
    future.onIOPub = (msg) => {
      if (msg.header.msg_type === 'stream') out += msg.content.text;
      if (msg.header.msg_type === 'error') out += `ERROR ${msg.content.ename}: ${msg.content.evalue}`;
    };
    await future.done;
    return out;
  }, code);
}

/** Runs `code` in the current notebook's kernel and returns what it printed, parsed as JSON. */
export async function kernelJson(page, code) {
  const text = await kernelOutput(page, code);
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`kernel printed no JSON: ${text.slice(0, 500)}`);
  }
}

/**
 * Trusts the current notebook (File > Trust Notebook, accepting the dialog), as JupyterLab does
 * itself for notebooks the user saved: SVG outputs, such as lenslab's kept snapshot, render
 * only in trusted notebooks.
 */
export async function trustNotebook(page) {
  await page.evaluate(async () => {
    const panel = window.jupyterapp.shell.currentWidget;
    await panel.context.ready;
    void window.jupyterapp.commands.execute('notebook:trust');
  });
  const accept = page.locator('.jp-Dialog .jp-mod-accept');
  await accept.waitFor({ timeout: 15_000 });
  await accept.click();
}
