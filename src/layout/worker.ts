// Web Worker body: lays out visible graphs off the main thread, keeping its own group cache;
// graphs and layouts travel packed (./transfer.ts).
// Bundled separately (scripts/build-widget.mjs) and started from a Blob URL by ./client.ts.
import { LayoutCache, layoutGraph } from './layout.ts';
import { packLayout, unpackGraph } from './transfer.ts';
import type { LayoutRequest, LayoutResponse } from './client.ts';

const cache = new LayoutCache();
const scope = self as unknown as {
  onmessage: ((ev: MessageEvent<LayoutRequest>) => void) | null;
  postMessage(msg: LayoutResponse, transfer?: ArrayBuffer[]): void;
};
scope.onmessage = (ev) => {
  const { id, graph, warm } = ev.data;
  try {
    const input = unpackGraph(graph);
    const layout = layoutGraph(input, cache);
    if (warm === true) {
      scope.postMessage({ id, warmed: true });
      return;
    }
    const { packed, transfer } = packLayout(layout, input);
    scope.postMessage({ id, layout: packed }, transfer);
  } catch (err) {
    scope.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
};
