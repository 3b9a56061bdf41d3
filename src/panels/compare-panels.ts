// A compare widget's inspector: the selected op's activation in run a, in run b, and the
// difference b - a, side by side. Each is an ordinary tensor panel whose requests name a side.
import type { DataClient } from '../comm/client.ts';
import { SideClient } from '../comm/side-client.ts';
import type { Side } from '../comm/side-client.ts';
import { html } from '../dom.ts';
import { TensorPanel } from './tensor-panel.ts';
import type { TensorTarget } from './tensor-panel.ts';

export class ComparePanels {
  readonly el: HTMLElement;
  private readonly panels: { side: Side; panel: TensorPanel; title: HTMLElement }[] = [];
  private shown: string | null = null;
  private readonly onlyB: HTMLElement;

  /** `a` is the widget's own tensor panel; b and the difference are added beside it. */
  constructor(client: DataClient, a: TensorPanel) {
    this.el = html('div', 'lenslab-compare-panels');
    this.el.dataset['lenslabCompare'] = '';
    this.onlyB = html('div', 'lenslab-compare-only-b', this.el);
    const sides: [Side, TensorPanel][] = [['a', a], ['b', new TensorPanel(new SideClient(client, 'b'))], ['diff', new TensorPanel(new SideClient(client, 'diff'))]];
    for (const [side, panel] of sides) {
      const column = html('div', 'lenslab-compare-side', this.el);
      column.dataset['side'] = side;
      const title = html('div', 'lenslab-compare-title', column);
      column.appendChild(panel.el);
      this.panels.push({ side, panel, title });
    }
  }

  /**
   * Shows the op in every side; `labelB` is its label in b ('' when b did not run it), `onlyB`
   * says that only b ran it (a did not: no a, no difference).
   */
  show(target: TensorTarget | null, labelB: string, onlyB = false): void {
    this.onlyB.textContent = onlyB ? `only b ran ${labelB}: a took another path (a different branch or model)` : '';
    this.onlyB.hidden = !onlyB;
    const key = target ? `${target.id}|${labelB}` : null;
    for (const { side, panel, title } of this.panels) {
      const b = labelB ? `b \u00b7 ${labelB}` : 'b \u00b7 did not run';
      title.textContent = side === 'a' ? (onlyB ? 'a \u00b7 did not run' : 'a') : side === 'b' ? b : onlyB ? 'b \u2212 a \u00b7 none' : 'b \u2212 a';
      if (side === 'a') continue; // the widget shows a itself
      const t = (side === 'b' && !labelB) || (side === 'diff' && onlyB) ? null : target;
      if (key !== this.shown) panel.show(t);
    }
    this.shown = key;
  }

  dispose(): void {
    for (const { side, panel } of this.panels) if (side !== 'a') panel.dispose();
  }
}
