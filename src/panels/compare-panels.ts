// A compare widget's inspector: the selected op's activation in run a, in run b, and the
// difference b - a, side by side. Each is an ordinary tensor panel whose requests name a side.
import type { DataClient } from '../comm/client.ts';
import { SideClient } from '../comm/side-client.ts';
import type { Side } from '../comm/side-client.ts';
import { html } from '../render/svg.ts';
import { TensorPanel } from './tensor-panel.ts';
import type { TensorTarget } from './tensor-panel.ts';

export class ComparePanels {
  readonly el: HTMLElement;
  private readonly panels: { side: Side; panel: TensorPanel; title: HTMLElement }[] = [];
  private shown: string | null = null;

  /** `a` is the widget's own tensor panel; b and the difference are added beside it. */
  constructor(client: DataClient, a: TensorPanel) {
    this.el = html('div', 'lenslab-compare-panels');
    this.el.dataset['lenslabCompare'] = '';
    const sides: [Side, TensorPanel][] = [['a', a], ['b', new TensorPanel(new SideClient(client, 'b'))], ['diff', new TensorPanel(new SideClient(client, 'diff'))]];
    for (const [side, panel] of sides) {
      const column = html('div', 'lenslab-compare-side', this.el);
      column.dataset['side'] = side;
      const title = html('div', 'lenslab-compare-title', column);
      column.appendChild(panel.el);
      this.panels.push({ side, panel, title });
    }
  }

  /** Shows the op in every side; `labelB` is its match in b ('' when b did not run it). */
  show(target: TensorTarget | null, labelB: string): void {
    const key = target ? `${target.id}|${labelB}` : null;
    for (const { side, panel, title } of this.panels) {
      title.textContent = side === 'a' ? 'a' : side === 'b' ? (labelB ? `b \u00b7 ${labelB}` : 'b \u00b7 did not run') : 'b \u2212 a';
      if (side === 'a') continue; // the widget shows a itself
      const t = side === 'b' && !labelB ? null : target;
      if (key !== this.shown) panel.show(t);
    }
    this.shown = key;
  }

  dispose(): void {
    for (const { side, panel } of this.panels) if (side !== 'a') panel.dispose();
  }
}
