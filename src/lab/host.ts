// Where the widget view is drawn inside a main-area panel (the .lens viewer, "Open in New Tab"):
// a lumino Widget whose node fills the panel, plus the few panel-only styles (the widget's own
// sheet, style/widget.css, sizes it for a notebook cell). Theme: the widget's colours are
// JupyterLab's CSS variables, so light/dark follow the lab theme.
import { Widget } from '@lumino/widgets';
import widget from '../widget.ts';
import { localModel } from '../standalone.ts';
import type { LocalServer } from '../local/server.ts';

const PANEL_CSS = `
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

  /** Draws the view (replacing what was there). */
  draw(graph: unknown, server: LocalServer | null, viewOptions: Record<string, unknown> = {}): void {
    this.clear();
    const model = localModel({ graph, view_options: viewOptions, grads_version: 0 }, server);
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
