import { readFileSync } from 'node:fs';
import dagre from '@dagrejs/dagre';
import { createTrace } from '/work/main/src/model/trace.ts';
import { buildHierarchy } from '/work/main/src/graph/hierarchy.ts';
import { buildVisibleGraph } from '/work/main/src/graph/visible.ts';
import { expandedForDepth } from '/work/main/src/graph/depth.ts';
import { initialViewState } from '/work/main/src/model/view-state.ts';
import { nodeSize, edgeLabelSize } from '/work/main/src/layout/size.ts';
const trace = createTrace(JSON.parse(readFileSync(process.argv[2]!, 'utf8')));
const h = buildHierarchy(trace, false);
const g0 = buildVisibleGraph(trace, h, initialViewState(expandedForDepth(h, 1), 1));
for (const ranker of ['network-simplex', 'tight-tree', 'longest-path']) {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 22, ranksep: 30, edgesep: 12, ranker });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of g0.nodes) g.setNode(n.id, nodeSize(n));
  for (const e of g0.edges) { const l = edgeLabelSize(e.label); g.setEdge(e.from, e.to, { width: l.width, height: l.height, labelpos: 'c' }); }
  const t = performance.now();
  (dagre as any).layout(g, { debugTiming: ranker === 'network-simplex' || ranker==='longest-path' });
  console.log(ranker, (performance.now() - t).toFixed(0));
}
