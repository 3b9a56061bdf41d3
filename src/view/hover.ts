// The hover card: a floating summary of the node under the pointer, plus the highlight of the
// other passes of its layer (unrolled view). Text only.
import type { NodeDescription } from '../graph/describe.ts';
import { renderHoverCard } from '../render/inspector.ts';
import type { Stage } from '../render/stage.ts';

export interface HoverSource {
  /** The summary of a node, or null when there is none (no graph yet, unknown id). */
  describe(id: string): NodeDescription | null;
  /** The pass group of a drawn node ("" when it has none). */
  passGroup(id: string): string;
}

export class HoverCard {
  private hovered = '';
  private readonly detach: () => void;

  constructor(private readonly stage: Stage, private readonly card: HTMLElement, private readonly source: HoverSource) {
    card.hidden = true;
    const onMove = (ev: PointerEvent): void => this.onMove(ev);
    const onLeave = (): void => this.clear();
    stage.el.addEventListener('pointermove', onMove);
    stage.el.addEventListener('pointerleave', onLeave);
    this.detach = () => {
      stage.el.removeEventListener('pointermove', onMove);
      stage.el.removeEventListener('pointerleave', onLeave);
    };
  }

  dispose(): void {
    this.detach();
  }

  /** Hides the card and clears the pass highlight (after every redraw). */
  clear(): void {
    this.show(null);
  }

  private onMove(ev: PointerEvent): void {
    if (ev.buttons !== 0) return this.show(null);
    const hit = this.stage.hitTest(ev);
    const id = hit?.kind === 'node' ? hit.id : null;
    if (id !== null && id === this.hovered && !this.card.hidden) {
      this.place(ev);
      return;
    }
    this.show(id, ev);
  }

  private show(id: string | null, ev?: PointerEvent): void {
    this.hovered = id ?? '';
    this.stage.setHover(id === null ? '' : this.source.passGroup(id));
    const d = id === null ? null : this.source.describe(id);
    if (!d || !ev) {
      this.card.hidden = true;
      return;
    }
    const r = this.stage.el.getBoundingClientRect();
    renderHoverCard(this.card, d, ev.clientX - r.left, ev.clientY - r.top, this.stage.size());
  }

  private place(ev: PointerEvent): void {
    const r = this.stage.el.getBoundingClientRect();
    const x = ev.clientX - r.left;
    const w = this.card.offsetWidth;
    this.card.style.left = `${Math.max(4, x + 14 + w > r.width ? x - w - 14 : x + 14)}px`;
    this.card.style.top = `${Math.max(4, Math.min(r.height - this.card.offsetHeight - 4, ev.clientY - r.top + 14))}px`;
  }
}
