// The kernel-backed panels (tensor views in the inspector, the layer table, gradient norms),
// wired into the widget's toolbar and stage.
import type { DataClient } from '../comm/client.ts';
import { DataViews } from '../panels/data-views.ts';
import { html } from '../render/svg.ts';

export interface PanelHooks {
  /** A layer table row (a layer pass label) was clicked. */
  select(label: string): void;
  /** A line of code in the source panel was clicked. */
  selectLine(file: string, line: number): void;
  /** Gradient norms arrived: the overlay needs a redraw. */
  redraw(): void;
  /** The pass slider moved: rolled node `id` shows pass `pass`. */
  pickPass(id: string, pass: number): void;
}

export function mountDataViews(client: DataClient, hooks: PanelHooks, toolbar: HTMLElement, stage: HTMLElement): DataViews {
  const data = new DataViews(client, hooks);
  data.mount(toolbar, stage);
  const overlay = toolbar.querySelector<HTMLSelectElement>('.lenslab-overlay');
  if (overlay && !overlay.querySelector('option[value="grad"]')) html('option', '', overlay, 'colour: grad norm').value = 'grad';
  if (overlay && !overlay.querySelector('option[value="flow"]')) html('option', '', overlay, 'colour: gradient flow').value = 'flow';
  return data;
}
