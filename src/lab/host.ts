// Where the widget view is drawn inside a main-area panel (the .lens viewer, "Open in New Tab"):
// a lumino Widget whose node fills the panel, plus the few panel-only styles (the widget's own
// sheet, style/widget.css, sizes it for a notebook cell). Theme: the widget's colours are
// JupyterLab's CSS variables, so light/dark follow the lab theme.
//
// LensSplit lays a panel out as a draggable lumino SplitPanel: the graph on the left, and on the
// right the view's inspector above its layer table (a vertical SplitPanel), the view's own
// elements moved there by LensView.detachSidePanels. The notebook widget keeps its own layout.
import { Panel, SplitPanel, Widget } from '@lumino/widgets';
import type { Message } from '@lumino/messaging';
import widget from '../widget.ts';
import { localModel } from '../standalone.ts';
import type { LocalServer } from '../local/server.ts';

const PANEL_CSS = `
.lenslab-split { background: var(--jp-layout-color0); }
.lenslab-split .lm-SplitPanel-handle { background: var(--jp-border-color2); }
.lenslab-split .lm-SplitPanel-handle:hover { background: var(--jp-brand-color1); }
.lenslab-split-graph > .lenslab-panel { flex: 1; min-height: 0; }
.lenslab-split-graph, .lenslab-split-side { min-width: 180px; }
.lenslab-split-side .lenslab-side { min-height: 120px; }
.lenslab-panel { display: flex; flex-direction: column; overflow: hidden; background: var(--jp-layout-color0); color: var(--jp-ui-font-color1); }
.lenslab-panel > .lenslab-root, .lenslab-panel .jp-OutputArea-output .lenslab-root,
.lenslab-panel .lenslab-mirror .lenslab-root { flex: 1; height: 100%; min-height: 0; border: 0; border-radius: 0; }
.lenslab-panel .lenslab-root > .lenslab-resize { display: none; }
.lenslab-panel .lenslab-mirror, .lenslab-panel .lenslab-mirror > .lm-Widget, .lenslab-panel .lenslab-mirror .jupyter-widgets,
.lenslab-panel .lenslab-mirror .widget-subarea { display: flex; flex-direction: column; flex: 1; min-height: 0; height: 100%; }
.lenslab-panel-message { padding: 12px; color: var(--jp-ui-font-color2); font-family: var(--jp-ui-font-family); font-size: var(--jp-ui-font-size1); white-space: pre-wrap; }
.lenslab-panel-message[data-kind='error'] { color: var(--jp-error-color1); }
`;

/** Adds the panel styles once per page. */
export function installPanelStyles(): void {
  if (document.getElementById('lenslab-panel-styles')) return;
  const style = document.createElement('style');
  style.id = 'lenslab-panel-styles';
  style.textContent = PANEL_CSS; // a constant, no user text
  document.head.appendChild(style);
}

type RenderModel = Parameters<typeof widget.render>[0]['model'];

/** A widget drawing the lenslab view of `graph`, its data requests answered by `server`. */
export class LensHost extends Widget {
  private cleanup: (() => void) | null = null;

  constructor() {
    super();
    this.addClass('lenslab-panel');
    installPanelStyles();
  }

  /** Draws the view (replacing what was there); `compare`: a comparison's trait (compare view). */
  draw(graph: unknown, server: LocalServer | null, viewOptions: Record<string, unknown> = {}, compare: unknown = null): void {
    this.clear();
    const model = localModel({ graph, view_options: viewOptions, grads_version: 0, compare }, server);
    this.cleanup = widget.render({ model: model as RenderModel, el: this.node });
  }

  /** Shows a line of text instead of the view (textContent: never markup). */
  message(text: string, kind: 'info' | 'error' = 'info'): void {
    this.clear();
    const p = document.createElement('div');
    p.className = 'lenslab-panel-message';
    p.dataset['kind'] = kind;
    p.textContent = text;
    this.node.appendChild(p);
  }

  private clear(): void {
    this.cleanup?.();
    this.cleanup = null;
    this.node.textContent = '';
  }

  override dispose(): void {
    this.clear();
    super.dispose();
  }
}

/** What a host needs of the view drawn under a .lenslab-root (absent from an older widget bundle). */
interface HostedView {
  detachSidePanels?(): { inspector: HTMLElement; table: HTMLElement } | null;
  relayout?(): void;
}

/** A pane that reports its resizes (a split handle moved, the tab resized). */
class Pane extends Panel {
  constructor(private readonly resized: () => void) {
    super();
  }

  protected override onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this.resized();
  }

  protected override onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.resized();
  }
}

/** Graph (left) | inspector above layer table (right), with draggable handles. */
export class LensSplit extends SplitPanel {
  /** Where the graph goes (a LensHost, or the live widget's renderer). */
  readonly graph: Panel;
  private readonly side: SplitPanel;
  private readonly inspectorPane: Pane;
  private readonly tablePane: Pane;
  private view: HostedView | null = null;
  /** The side got its first width (later attaches keep what the user dragged). */
  private sized = false;

  constructor() {
    super({ orientation: 'horizontal', spacing: 4 });
    installPanelStyles();
    this.addClass('lenslab-split');
    const relayout = (): void => this.view?.relayout?.();
    this.graph = new Pane(relayout);
    this.graph.addClass('lenslab-panel');
    this.graph.addClass('lenslab-split-graph');
    this.side = new SplitPanel({ orientation: 'vertical', spacing: 4 });
    this.side.addClass('lenslab-split-side');
    this.inspectorPane = new Pane(relayout);
    this.inspectorPane.addClass('lenslab-side');
    this.inspectorPane.addClass('lenslab-side-inspector');
    this.tablePane = new Pane(relayout);
    this.tablePane.addClass('lenslab-side');
    this.tablePane.addClass('lenslab-side-table');
    this.side.addWidget(this.inspectorPane);
    this.side.addWidget(this.tablePane);
    this.side.setRelativeSizes([0.55, 0.45]);
    this.addWidget(this.graph);
    this.addWidget(this.side);
    this.setRelativeSizes([0.7, 0.3]);
    this.side.hide(); // until a view hands over its panels
  }

  /**
   * Moves the inspector and layer table of the view under `root` into the right-hand panes.
   * False (and the view keeps its own layout) when there is no such view or it cannot.
   */
  attach(root: Element | null): boolean {
    const view = (root as { lenslabView?: HostedView } | null)?.lenslabView ?? null;
    const parts = view?.detachSidePanels?.() ?? null;
    if (!view || !parts) {
      this.release();
      return false;
    }
    this.view = view;
    this.inspectorPane.node.replaceChildren(parts.inspector);
    this.tablePane.node.replaceChildren(parts.table);
    this.side.show();
    if (!this.sized) {
      // About 300 px for the inspector, at least 30% and at most half of the panel.
      this.sized = true;
      const width = this.node.clientWidth;
      const right = width > 0 ? Math.min(0.5, Math.max(0.3, 300 / width)) : 0.3;
      this.setRelativeSizes([1 - right, right]);
    }
    view.relayout?.();
    return true;
  }

  /** Empties the right-hand panes (the view is gone or is being replaced) and hides them. */
  release(): void {
    this.view = null;
    this.inspectorPane.node.replaceChildren();
    this.tablePane.node.replaceChildren();
    this.side.hide();
  }
}
