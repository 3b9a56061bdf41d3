// The JupyterLab extension plugin. The widget itself is an anywidget (src/widget.ts), loaded
// per output cell from the kernel; this plugin holds the lab-wide pieces:
//  - plotly for every lenslab view on the page (window.__lenslab_shared__);
//  - the .lens viewer (viewer.ts: double-click a bundle in the file browser);
//  - commands, in the palette (category "lenslab") and the widget's context menu:
//    lenslab:open-in-tab ("Open in New Tab", open-in-tab.ts) and lenslab:open-bundle.
// Its package.json "style" field makes JupyterLab load style/index.css once per page.
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, InputDialog, showErrorMessage } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { FileDialog } from '@jupyterlab/filebrowser';
import { INotebookTracker } from '@jupyterlab/notebook';
import { FACTORY, registerViewer } from './viewer.ts';
import { findOutput, openInTab } from './open-in-tab.ts';
import { PROTOCOL_VERSION } from '../protocol/messages.gen.ts';
import widget from '../widget.ts';
import { KEPT } from '../loader.ts';

export const PLUGIN_ID = 'lenslab:plugin';
export const CATEGORY = 'lenslab';
export const CMD_OPEN_IN_TAB = 'lenslab:open-in-tab';
export const CMD_OPEN_BUNDLE = 'lenslab:open-bundle';

/**
 * plotly.js for every lenslab widget on the page (src/panels/shared.ts reads it): loaded once,
 * on first use, instead of being inlined into each widget's saved ESM.
 */
function publishSharedLibraries(): void {
  const key = '__lenslab_shared__';
  const g = globalThis as unknown as Record<string, Record<string, unknown> | undefined>;
  let plotly: Promise<unknown> | null = null;
  const loadPlotly = (): Promise<unknown> =>
    (plotly ??= import('plotly.js-basic-dist-min').then((m: { default?: unknown }) => m.default ?? m));
  g[key] = { ...g[key], loadPlotly };
}

/**
 * The widget module for every lenslab widget of the page: each widget's saved ESM is only a
 * loader (src/loader.ts) that takes it from here instead of asking the kernel for the code.
 */
function registerWidgetModule(): void {
  (globalThis as unknown as Record<symbol, unknown>)[Symbol.for('lenslab.widget')] = { protocol: PROTOCOL_VERSION, widget };
}

/**
 * Once the kernel is gone a widget output reads "Error displaying widget: model not found";
 * when the output before it is lenslab's kept SVG snapshot, that error is hidden (one graph).
 */
function hideOrphanedWidgets(): void {
  const sweep = (): void => {
    for (const img of document.querySelectorAll(`.jp-OutputArea-child :is(${KEPT})`)) {
      const next = img.closest('.jp-OutputArea-child')?.nextElementSibling;
      if (next instanceof HTMLElement && /model not found/.test(next.textContent ?? '')) next.style.display = 'none';
    }
  };
  let queued = false;
  new MutationObserver(() => {
    if (queued) return;
    queued = true;
    setTimeout(() => {
      queued = false;
      sweep();
    }, 200);
  }).observe(document.body, { childList: true, subtree: true });
}

function addCommands(app: JupyterFrontEnd, palette: ICommandPalette | null, notebooks: INotebookTracker | null, docs: IDocumentManager | null): void {
  const { commands } = app;
  /** The .lenslab-root the context menu was opened on (null from the palette). */
  const target = (): Element | null => app.contextMenuHitTest((node) => node.classList.contains('lenslab-root')) ?? null;

  commands.addCommand(CMD_OPEN_IN_TAB, {
    label: 'Open in New Tab',
    caption: 'Show this lenslab view in its own main-area tab (same widget model and kernel)',
    isEnabled: () => !!findOutput(notebooks, target()),
    execute: async (args) => {
      const el = target();
      const found = findOutput(notebooks, el);
      if (!found) {
        await showErrorMessage('lenslab', 'No lenslab output here: run a cell that shows a capture (h = lens(model, x); h) first.');
        return;
      }
      try {
        return await openInTab(app, found);
      } catch (err) {
        if (args['silent'] !== true) await showErrorMessage('lenslab: cannot open in a new tab', err instanceof Error ? err.message : String(err));
        throw err;
      }
    },
  });

  commands.addCommand(CMD_OPEN_BUNDLE, {
    label: (args) => (args['path'] ? `Open lenslab Bundle ${String(args['path'])}` : 'Open lenslab Bundle (.lens)\u2026'),
    caption: 'Open a saved capture (h.save("x.lens")) in the lenslab bundle viewer; no kernel needed',
    execute: async (args) => {
      let path = typeof args['path'] === 'string' ? args['path'] : null;
      if (!path && docs) {
        const result = await FileDialog.getOpenFiles({
          manager: docs,
          title: 'Open a lenslab bundle',
          filter: (m) => (m.type === 'directory' || m.name.endsWith('.lens') ? {} : null),
        });
        path = result.button.accept ? (result.value?.[0]?.path ?? null) : null;
      } else if (!path) {
        const result = await InputDialog.getText({ title: 'Open a lenslab bundle', label: 'Path of the .lens file (from the server root)', placeholder: 'capture.lens' });
        path = result.button.accept ? result.value : null;
      }
      if (!path) return;
      return commands.execute('docmanager:open', { path, factory: FACTORY });
    },
  });

  palette?.addItem({ command: CMD_OPEN_BUNDLE, category: CATEGORY });
  palette?.addItem({ command: CMD_OPEN_IN_TAB, category: CATEGORY });
  app.contextMenu.addItem({ command: CMD_OPEN_IN_TAB, selector: '.lenslab-root', rank: 0 });
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'lenslab: see every tensor op of a PyTorch forward pass.',
  autoStart: true,
  optional: [ICommandPalette, INotebookTracker, IDocumentManager],
  activate: (app: JupyterFrontEnd, palette: ICommandPalette | null, notebooks: INotebookTracker | null, docs: IDocumentManager | null): void => {
    // Marks the page so browser tests (and users) can tell the extension is active.
    document.body.dataset['lenslabExtension'] = 'active';
    publishSharedLibraries();
    registerWidgetModule();
    hideOrphanedWidgets();
    registerViewer(app);
    addCommands(app, palette, notebooks, docs);
    console.debug(`${PLUGIN_ID} activated in ${app.name}`);
  },
};

export default plugin;
