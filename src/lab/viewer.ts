// The .lens viewer: a document widget ("lenslab bundle viewer", default for *.lens) that draws a
// saved capture in a main-area tab with no kernel.
//
// The file is never loaded through the contents API (which would send the whole file, base64,
// in one JSON reply): the model factory has fileFormat null, so JupyterLab's document context
// fetches only the file's metadata (JupyterLab >= 4.4), and the viewer reads the bundle by
// HTTP byte ranges from the server's /files/ endpoint (tornado's static file handler answers
// Range with 206): 8 bytes, the header (the graph), then each tensor when the view asks for it.
// A server that ignores Range (200, whole body) still works: the body is read once and sliced.
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { ABCWidgetFactory, DocumentModel, DocumentWidget, TextModelFactory } from '@jupyterlab/docregistry';
import type { ISharedFile } from '@jupyter/ydoc';
import type { DocumentRegistry } from '@jupyterlab/docregistry';
import { ServerConnection } from '@jupyterlab/services';
import type { Contents } from '@jupyterlab/services';
import { LocalServer } from '../local/server.ts';
import { routeSides } from '../local/sides.ts';
import { openBundle } from './bundle-file.ts';
import type { ReadRange } from './bundle-file.ts';
import { LensHost, LensSplit } from './host.ts';

export const FILE_TYPE = 'lenslab-bundle';
export const FACTORY = 'lenslab bundle viewer';
const MODEL = 'lenslab-bundle-lazy';

/**
 * A text model factory that never loads the file's content (fileFormat null). Its models say
 * they are collaborative so that the context's canSave is false: JupyterLab then never makes a
 * checkpoint (a server-side copy of the whole file) of a bundle that is only ever read.
 */
class LazyModelFactory extends TextModelFactory {
  override createNew(options: DocumentRegistry.IModelOptions<ISharedFile> = {}): DocumentRegistry.ICodeModel {
    return new DocumentModel({ ...options, collaborationEnabled: true });
  }

  override get name(): string {
    return MODEL;
  }
  override get contentType(): Contents.ContentType {
    return 'file';
  }
  override get fileFormat(): Contents.FileFormat {
    return null;
  }
}

/** Byte ranges of `url` over the server connection (token header, no HTTP cache). */
export function httpRangeReader(url: string, settings: ServerConnection.ISettings): ReadRange & { requests: number; whole: boolean } {
  let whole: Promise<Uint8Array> | null = null;
  const reader = async (start: number, end: number): Promise<Uint8Array> => {
    if (end <= start) return new Uint8Array(0);
    if (whole) return (await whole).subarray(start, end);
    reader.requests++;
    const response = await ServerConnection.makeRequest(url, { headers: { Range: `bytes=${start}-${end - 1}` }, cache: 'no-store' }, settings);
    if (response.status === 206) return new Uint8Array(await response.arrayBuffer());
    if (response.status === 416) throw new Error('the file is truncated (a range past its end)');
    if (!response.ok) throw new Error(`cannot read the file: HTTP ${response.status} ${response.statusText}`);
    // No Range support: keep the whole body (the one read) and slice it from now on.
    reader.whole = true;
    whole = response.arrayBuffer().then((b) => new Uint8Array(b));
    return (await whole).subarray(start, end);
  };
  reader.requests = 0;
  reader.whole = false;
  return reader;
}

/**
 * The view of one bundle file; redraws when the file changes on disk and is reverted. Laid out
 * as a split: the graph, and beside it the inspector above the layer table.
 */
class BundleView extends LensSplit {
  private readonly host = new LensHost();

  constructor(private readonly context: DocumentRegistry.Context, private readonly app: JupyterFrontEnd) {
    super();
    this.addClass('lenslab-bundle-view');
    this.graph.addWidget(this.host);
    this.message('Reading the bundle\u2026');
    void context.ready.then(() => this.load());
    context.fileChanged.connect(() => void this.load());
  }

  private loading: Promise<void> | null = null;

  private message(text: string, kind: 'info' | 'error' = 'info'): void {
    this.release();
    this.host.message(text, kind);
  }

  private draw(graph: unknown, server: LocalServer, compare: unknown = null): void {
    this.release();
    this.host.draw(graph, server, {}, compare);
    this.attach(this.host.node.querySelector('.lenslab-root'));
  }

  private load(): Promise<void> {
    this.loading ??= this.read().finally(() => (this.loading = null));
    return this.loading;
  }

  private async read(): Promise<void> {
    const contents = this.app.serviceManager.contents;
    try {
      const url = await contents.getDownloadUrl(this.context.path);
      const reader = httpRangeReader(url, this.app.serviceManager.serverSettings);
      const size = this.context.contentsModel?.size;
      const bundle = await openBundle(reader, typeof size === 'number' ? size : null);
      if (this.isDisposed) return;
      this.node.dataset['lenslabRead'] = reader.whole ? 'whole' : 'ranges';
      const a = new LocalServer(bundle.source);
      const cmp = bundle.compare;
      // A saved comparison (Comparison.save) opens as the compare view: a, b and b − a.
      if (cmp) this.draw(bundle.graph, routeSides(a, new LocalServer(cmp.b), new LocalServer(cmp.diff)), cmp.trait);
      else this.draw(bundle.graph, a);
    } catch (err) {
      if (!this.isDisposed) this.message(`lenslab cannot open ${this.context.path}: ${err instanceof Error ? err.message : String(err)}`, 'error');
    }
  }
}

class BundleViewFactory extends ABCWidgetFactory<DocumentWidget<BundleView>> {
  constructor(private readonly app: JupyterFrontEnd, options: DocumentRegistry.IWidgetFactoryOptions) {
    super(options);
  }

  protected createNewWidget(context: DocumentRegistry.Context): DocumentWidget<BundleView> {
    // The viewer only reads: "Save" (Ctrl+S) would put the empty text model over the bundle
    // (the server refuses a write with no format, but says so in an error dialog). Nothing to save.
    Object.defineProperty(context, 'save', { value: async (): Promise<void> => undefined, configurable: true });
    const content = new BundleView(context, this.app);
    const doc = new DocumentWidget({ content, context });
    doc.addClass('lenslab-bundle-document');
    doc.title.iconClass = 'jp-MaterialIcon jp-FileIcon';
    return doc;
  }
}

/** Registers the .lens file type, the lazy model and the viewer (default for .lens). */
export function registerViewer(app: JupyterFrontEnd): void {
  const registry = app.docRegistry;
  if (!registry.getFileType(FILE_TYPE)) {
    registry.addFileType({
      name: FILE_TYPE,
      displayName: 'lenslab bundle',
      extensions: ['.lens'],
      mimeTypes: ['application/vnd.lenslab.bundle'],
      contentType: 'file',
      fileFormat: null,
    });
  }
  registry.addModelFactory(new LazyModelFactory());
  registry.addWidgetFactory(
    new BundleViewFactory(app, {
      name: FACTORY,
      label: 'lenslab Bundle Viewer',
      modelName: MODEL,
      fileTypes: [FILE_TYPE],
      defaultFor: [FILE_TYPE],
      readOnly: true,
    }),
  );
}
