// JupyterLab mime extension (package.json jupyterlab.mimeExtension): draws lenslab views that
// need no kernel with the same view code as the widget (src/widget.ts):
//  - application/vnd.lenslab.graph+json: the output notebooks saved by earlier lenslab versions
//    keep next to the live widget (now an SVG snapshot: python_pkg/lenslab/export/notebook.py). While the live widget is on the page this output
//    hides; once the kernel is gone it shows the graph and hides "model not found".
// .lens bundles are opened by the plugin's viewer (viewer.ts), which reads them by byte range.
import { Widget } from '@lumino/widgets';
import widget from '../widget.ts';
import { localModel } from '../standalone.ts';

const GRAPH_MIME = 'application/vnd.lenslab.graph+json';

interface MimeModel {
  data: Record<string, unknown>;
}

class LensRenderer extends Widget {
  private cleanup: (() => void) | null = null;
  private observer: MutationObserver | null = null;

  constructor(private readonly mimeType: string) {
    super();
    this.addClass('lenslab-kept-view');
    this.node.style.minHeight = '520px';
  }

  async renderModel(model: MimeModel): Promise<void> {
    this.cleanup?.();
    const raw = model.data[this.mimeType];
    this.node.textContent = '';
    try {
      this.watchLiveWidget(() => {
        // A displayed comparison keeps its difference overlay too (lenslab.compare).
        const compare = typeof raw === 'object' && raw !== null ? ((raw as { compare?: unknown }).compare ?? null) : null;
        const m = localModel({ graph: raw, view_options: {}, grads_version: 0, compare }, null);
        this.cleanup = widget.render({ model: m as Parameters<typeof widget.render>[0]['model'], el: this.node });
      });
    } catch (err) {
      this.node.textContent = `lenslab cannot open this: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  /**
   * Draws (via `draw`) only once it is clear that the live widget is not on the page: its output
   * (the next sibling) shows "model not found" (then hidden), or never appears. A live widget
   * wins: this output stays empty and hidden, so the page holds one .lenslab-root per capture.
   */
  private watchLiveWidget(draw: () => void): void {
    let drawn = false;
    const decide = (final: boolean): void => {
      const mine = this.node.closest('.jp-OutputArea-child');
      const next = mine?.nextElementSibling;
      if (!(mine instanceof HTMLElement)) {
        if (final && !drawn) {
          drawn = true;
          draw();
        }
        return;
      }
      if (next instanceof HTMLElement && next.querySelector('.lenslab-root:not(.lenslab-kept-view .lenslab-root)')) {
        mine.style.display = 'none';
        this.cleanup?.();
        this.cleanup = null;
        drawn = true;
        return;
      }
      const broken = next instanceof HTMLElement && /model not found/.test(next.textContent ?? '');
      if (broken) (next as HTMLElement).style.display = 'none';
      if ((broken || final) && !drawn) {
        drawn = true;
        draw();
      }
    };
    const area = this.node.closest('.jp-OutputArea') ?? document.body;
    this.observer = new MutationObserver(() => decide(false));
    this.observer.observe(area, { childList: true, subtree: true, characterData: true });
    setTimeout(() => decide(true), 2500);
  }

  override dispose(): void {
    this.cleanup?.();
    this.observer?.disconnect();
    super.dispose();
  }
}

const extension = {
  id: 'lenslab:kept-views',
  rendererFactory: {
    safe: true, // draws data as text only; runs nothing from the output
    mimeTypes: [GRAPH_MIME],
    createRenderer: (options: { mimeType: string }) => new LensRenderer(options.mimeType),
  },
  rank: 0,
  dataType: 'string' as const,
};

export default extension;
