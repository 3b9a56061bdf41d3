// Web Worker body: lays out visible graphs off the main thread, keeping its own group cache.
// Bundled separately (scripts/build-widget.mjs) and started from a Blob URL by ./client.ts.
import { LayoutCache, layoutGraph } from './layout.ts';
import type { LayoutRequest, LayoutResponse } from './client.ts';

const cache = new LayoutCache();
const scope = self as unknown as {
  onmessage: ((ev: MessageEvent<LayoutRequest>) => void) | null;
  postMessage(msg: LayoutResponse): void;
};
scope.onmessage = (ev) => {
  const { id, graph } = ev.data;
  try {
    scope.postMessage({ id, layout: layoutGraph(graph, cache) });
  } catch (err) {
    scope.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
};
