// What each toolbar control does to the view.
import type { Metric } from '../model/view-state.ts';
import type { ToolbarAction } from '../render/toolbar.ts';
import type { GraphLayout } from '../layout/layout.ts';
import { downloadView } from './download.ts';

/** The view as the toolbar sees it. */
export interface ToolbarTarget {
  readonly loaded: boolean;
  readonly depth: number;
  readonly maxDepth: number;
  readonly modelType: string;
  readonly currentLayout: GraphLayout | null;
  toggleOutline(): void;
  fit(): void;
  setDepth(depth: number): Promise<void>;
  setRolled(rolled: boolean): Promise<void>;
  search(query: string): string[];
  stepSearch(delta: number): Promise<void>;
  setOverlay(metric: Metric): Promise<void>;
  exportSvg(): string;
  showMessage(text: string): void;
}

export async function runToolbarAction(v: ToolbarTarget, a: ToolbarAction): Promise<void> {
  if (a.kind === 'outline') return v.toggleOutline();
  if (!v.loaded) return;
  switch (a.kind) {
    case 'fit':
      return v.fit();
    case 'expand-all':
      return v.setDepth(v.maxDepth);
    case 'collapse-all':
      return v.setDepth(1);
    case 'rolled':
      return v.setRolled(a.rolled);
    case 'depth':
      return v.setDepth(v.depth + a.delta);
    case 'search':
      v.search(a.query);
      return;
    case 'step':
      return v.stepSearch(a.delta);
    case 'overlay':
      return v.setOverlay(a.metric);
    case 'export': {
      const layout = v.currentLayout;
      if (!layout) return;
      try {
        await downloadView(a.format, v.exportSvg(), layout, v.modelType);
      } catch (err) {
        v.showMessage(`${a.format.toUpperCase()} export failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}
