// What a LensView keeps for compare widgets (lenslab.compare displayed; patching effects): the
// compare trait as sent, parsed against the trace, the side-by-side tensor panels, and the
// difference each drawn node shows. Ordinary widgets have none of it (`data` stays null).
import type { Trace } from '../model/trace.ts';
import { parseCompare } from '../model/compare.ts';
import type { CompareData, NodeDiff } from '../model/compare.ts';
import type { Hierarchy } from '../graph/hierarchy.ts';
import type { VisibleGraph } from '../graph/visible.ts';
import { diffPerNode } from '../graph/diff.ts';
import { ComparePanels } from '../panels/compare-panels.ts';
import type { DataViews } from '../panels/data-views.ts';

/** What refreshPanels gets for a compare widget (frame.ts FrameInputs.compare). */
export interface CompareFrame {
  readonly data: CompareData;
  readonly diffs: ReadonlyMap<string, NodeDiff>;
  readonly panels: ComparePanels | null;
}

export class CompareView {
  private raw: unknown = null;
  private data: CompareData | null = null;
  private panels: ComparePanels | null = null;
  private diffs: ReadonlyMap<string, NodeDiff> = new Map();

  constructor(private readonly root: HTMLElement) {}

  dispose(): void {
    this.panels?.dispose();
  }

  /** A new compare trait (null: an ordinary widget); apply() reads it against the trace. */
  set(raw: unknown): void {
    this.raw = raw;
  }

  /** Parses the trait against `trace`; marks the root data-mode="compare" | "scores". */
  apply(trace: Trace | null, views: DataViews | null): void {
    this.data = trace ? parseCompare(this.raw, trace.ops.length) : null;
    if (this.data) this.root.dataset['mode'] = this.data.kind;
    else delete this.root.dataset['mode'];
    if (this.data && views) {
      views.setDiffs(this.data.values);
      if (this.data.kind === 'compare' && !this.panels) this.panels = new ComparePanels(views.client, views.panel);
    }
  }

  /** The differences of a new frame's nodes; undefined for an ordinary widget. */
  frame(h: Hierarchy, graph: VisibleGraph): CompareFrame | undefined {
    this.diffs = this.data ? diffPerNode(this.data, h, graph) : new Map();
    return this.data ? { data: this.data, diffs: this.diffs, panels: this.panels } : undefined;
  }

  /** The difference drawn on node `id` (the largest of its ops), or null. */
  diffOf(id: string): number | null {
    const v = this.diffs.get(id)?.value;
    return v === undefined || Number.isNaN(v) ? null : v;
  }
}
