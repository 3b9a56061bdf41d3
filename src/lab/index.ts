// The JupyterLab extension shell. The widget itself is an anywidget (src/widget.ts), loaded
// per output cell from the kernel; this plugin is where lab-wide pieces (panels, commands,
// a viewer for saved bundles) will live. Its package.json "style" field makes JupyterLab load
// style/index.css once per page.
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';

export const PLUGIN_ID = 'lenslab:plugin';

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

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'lenslab: see every tensor op of a PyTorch forward pass.',
  autoStart: true,
  activate: (app: JupyterFrontEnd): void => {
    // Marks the page so browser tests (and users) can tell the extension is active.
    document.body.dataset['lenslabExtension'] = 'active';
    publishSharedLibraries();
    console.debug(`${PLUGIN_ID} activated in ${app.name}`);
  },
};

export default plugin;
