// The minimal inspector: the selected node's facts as a definition list.
import type { NodeDescription } from '../graph/describe.ts';
import { html } from './svg.ts';

export function createInspector(): HTMLElement {
  const el = html('aside', 'lenslab-inspector');
  el.setAttribute('data-lenslab-inspector', '');
  el.setAttribute('data-selected', '');
  return el;
}

export function renderInspector(el: HTMLElement, d: NodeDescription | null): void {
  el.replaceChildren();
  el.setAttribute('data-selected', d?.id ?? '');
  if (!d) {
    html('p', 'lenslab-inspector-hint', el, 'Click an op to inspect it; click a module to open it.');
    return;
  }
  html('h3', 'lenslab-inspector-title', el, d.title);
  const dl = html('dl', 'lenslab-inspector-rows', el);
  for (const [name, value] of d.rows) {
    html('dt', '', dl, name);
    html('dd', '', dl, value);
  }
}
