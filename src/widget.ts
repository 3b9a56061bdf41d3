// anywidget entry: binds a model's traits (graph, view options, gradients version) and its
// custom messages to a LensView. The view itself is in src/view/.
import type { AnyModel } from '@anywidget/types';
import { LensView } from './view/lens-view.ts';
import type { ViewOptions } from './view/lens-view.ts';
import { DataClient } from './comm/client.ts';
import type { Transport } from './comm/client.ts';

export { LensView } from './view/lens-view.ts';
export type { LensViewApi, ViewOptions } from './view/lens-view.ts';

interface GraphTraits {
  graph: unknown;
  /** The compact wire graph as zlib-compressed JSON (what the kernel syncs; `graph` is then empty). */
  graph_z?: DataView | ArrayBuffer | Uint8Array | null;
  view_options: ViewOptions | null;
  grads_version: number;
  /** Compare widgets only (lenslab.compare displayed): the second run and its difference. */
  compare?: unknown;
}

/** anywidget's custom messages as the data client's transport; null without a kernel. */
function modelTransport(model: AnyModel<GraphTraits>): Transport | null {
  if (typeof model.send !== 'function' || typeof model.on !== 'function') return null;
  return {
    send: (message) => model.send(message),
    listen: (receive) => {
      const handler = (msg: unknown, buffers?: DataView[]): void => receive(msg, buffers ?? []);
      model.on('msg:custom', handler);
      return () => model.off('msg:custom', handler);
    },
  };
}

/** Inflates zlib bytes (DecompressionStream 'deflate' is the zlib format) and parses the JSON. */
export async function inflateGraph(bytes: DataView | ArrayBuffer | Uint8Array): Promise<unknown> {
  const view = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stream = new Blob([view.slice()]).stream().pipeThrough(new DecompressionStream('deflate'));
  return JSON.parse(await new Response(stream).text()) as unknown;
}

/** The graph a model carries: `graph` (kept views, pages) or the compressed `graph_z` (kernel). */
async function modelGraph(model: AnyModel<GraphTraits>): Promise<unknown> {
  const packed = model.get('graph_z');
  const graph = model.get('graph');
  const empty = !graph || (typeof graph === 'object' && Object.keys(graph).length === 0);
  return packed && packed.byteLength > 0 && empty ? inflateGraph(packed) : graph;
}

export default {
  render({ model, el }: { model: AnyModel<GraphTraits>; el: HTMLElement }): () => void {
    const view = new LensView(el);
    const data = view.connect(new DataClient(modelTransport(model)));
    const onChange = (): void =>
      void modelGraph(model).then((graph) => view.setGraph(graph, model.get('view_options') ?? {}));
    const onGrads = (): void => data.gradsChanged(Number(model.get('grads_version')) || 0);
    const onCompare = (): void => void view.setCompare(model.get('compare') ?? null);
    model.on('change:graph', onChange);
    model.on('change:graph_z', onChange);
    model.on('change:grads_version', onGrads);
    model.on('change:compare', onCompare);
    onChange();
    onGrads();
    onCompare();
    return () => {
      model.off('change:graph', onChange);
      model.off('change:graph_z', onChange);
      model.off('change:grads_version', onGrads);
      model.off('change:compare', onCompare);
      view.dispose();
    };
  },
};
