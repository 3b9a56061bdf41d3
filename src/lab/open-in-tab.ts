// "Open in New Tab": a second view of a lenslab output in a main-area panel.
//
// A live widget: the notebook's widget manager (@jupyter-widgets/jupyterlab-manager) is
// reached through the notebook's own rendermime, whose renderer for
// application/vnd.jupyter.widget-view+json is bound to that manager. Rendering the output's
// {model_id} with it makes a new view of the same widget model (anywidget calls our render
// again with the same model), so the tab talks to the same kernel: selections pull tensors
// through the same comm. The cell's own view stays where it is (a mirror, not a move).
// A kept view (application/vnd.lenslab.graph+json, no kernel): the tab draws that graph.
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget } from '@jupyterlab/apputils';
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import type { IRenderMime } from '@jupyterlab/rendermime';
import { MimeModel } from '@jupyterlab/rendermime';
import type { Widget } from '@lumino/widgets';
import { LensHost, LensSplit, installPanelStyles } from './host.ts';

const WIDGET_MIME = 'application/vnd.jupyter.widget-view+json';
const GRAPH_MIME = 'application/vnd.lenslab.graph+json';

/** What a lenslab output in a notebook holds. */
export interface FoundOutput {
  panel: NotebookPanel;
  modelId: string | null;
  graph: unknown;
}

interface OutputLike {
  data: Record<string, unknown>;
}

interface CodeCellLike {
  node: HTMLElement;
  outputArea?: { widgets: readonly Widget[]; model: { length: number; get(i: number): OutputLike } };
}

/** The notebook output that holds `el` (a .lenslab-root), or, with no element, the notebook's current one. */
export function findOutput(tracker: INotebookTracker | null, el: Element | null): FoundOutput | null {
  if (!tracker) return null;
  const panels: NotebookPanel[] = [];
  tracker.forEach((p) => void panels.push(p));
  const panel = el ? panels.find((p) => p.node.contains(el)) : tracker.currentWidget;
  if (!panel) return null;
  const cells = panel.content.widgets as unknown as CodeCellLike[];
  const active = panel.content.activeCell as unknown as CodeCellLike | null;
  // With no element: the active cell's lenslab output first, else the first in the notebook.
  const order = el ? cells.filter((c) => c.node.contains(el)) : [...(active ? [active] : []), ...cells];
  for (const cell of order) {
    const area = cell.outputArea;
    if (!area) continue;
    let graph: unknown = null;
    let modelId: string | null = null;
    let hit = false;
    for (let i = 0; i < area.model.length; i++) {
      const data = area.model.get(i).data;
      const child = area.widgets[i];
      const holds = el ? !!child?.node.contains(el) : !!child?.node.querySelector('.lenslab-root');
      const view = data[WIDGET_MIME] as { model_id?: unknown } | undefined;
      if (data[GRAPH_MIME]) graph = data[GRAPH_MIME];
      if (view && typeof view.model_id === 'string' && (holds || !el)) modelId = view.model_id;
      hit ||= holds;
    }
    if (hit || (!el && (modelId || graph))) return { panel, modelId, graph };
  }
  return null;
}

/** A renderer drawing a second view of the widget model `modelId` of `panel`'s kernel. */
async function mirrorRenderer(found: FoundOutput & { modelId: string }): Promise<IRenderMime.IRenderer> {
  const renderer = found.panel.content.rendermime.createRenderer(WIDGET_MIME);
  renderer.addClass('lenslab-mirror');
  await renderer.renderModel(
    new MimeModel({ data: { [WIDGET_MIME]: { model_id: found.modelId, version_major: 2, version_minor: 0 } }, trusted: true }),
  );
  return renderer;
}

let counter = 0;

/** Opens the output in a new main-area tab; throws with a readable reason when it cannot. */
export async function openInTab(app: JupyterFrontEnd, found: FoundOutput): Promise<MainAreaWidget> {
  installPanelStyles();
  // The graph on the left; the view's inspector and layer table on the right (LensSplit).
  const split = new LensSplit();
  split.addClass('lenslab-tab');
  const content = split.graph;
  const main = new MainAreaWidget({ content: split });
  main.id = `lenslab-tab-${++counter}`;
  main.title.label = `lenslab: ${found.panel.title.label}`;
  main.title.closable = true;
  main.addClass('lenslab-tab-panel');
  const path = found.panel.context.path;
  const kept = (why: string): void => {
    if (!found.graph) throw new Error(`${why}, and the output keeps no graph to draw`);
    const host = new LensHost();
    content.addWidget(host);
    host.draw(found.graph, null);
    split.attach(host.node.querySelector('.lenslab-root'));
    split.node.dataset['lenslabSource'] = 'kept';
    main.title.caption = `lenslab view of ${path} (kept graph, no kernel)`;
  };
  let renderer: IRenderMime.IRenderer | null = null;
  if (found.modelId) {
    try {
      renderer = await mirrorRenderer({ ...found, modelId: found.modelId });
      content.addWidget(renderer);
    } catch (err) {
      console.warn('lenslab: cannot reach the live widget model; drawing the kept graph', err);
      renderer = null;
    }
  }
  if (!renderer) kept(found.modelId ? 'the live widget model is gone' : 'this output has no live widget');
  app.shell.add(main, 'main', { mode: 'split-right', ref: found.panel.id });
  app.shell.activateById(main.id);
  if (renderer) {
    const r = renderer;
    if (await waitForRoot(r.node)) {
      split.attach(r.node.querySelector('.lenslab-root'));
      split.node.dataset['lenslabSource'] = 'live';
      main.title.caption = `lenslab view of ${path} (live: the same widget model and kernel)`;
    } else {
      r.dispose();
      split.release();
      try {
        kept('the live widget did not draw');
      } catch (err) {
        main.dispose();
        throw err;
      }
    }
  }
  return main;
}

/** Resolves true once a .lenslab-root appears under `node` (the anywidget view renders async). */
function waitForRoot(node: HTMLElement, timeoutMs = 15_000): Promise<boolean> {
  if (node.querySelector('.lenslab-root')) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      observer.disconnect();
      clearTimeout(timer);
      resolve(ok);
    };
    const observer = new MutationObserver(() => node.querySelector('.lenslab-root') && done(true));
    observer.observe(node, { childList: true, subtree: true });
    const timer = setTimeout(() => done(!!node.querySelector('.lenslab-root')), timeoutMs);
  });
}
