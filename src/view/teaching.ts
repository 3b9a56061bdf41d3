// The teaching controls of a LensView: the forward-pass player (step / play / pause in
// execution order, lighting the current op and the edges feeding it, or the closed module
// holding it) and "select the ops of a line" from the source panel. The host owns the view
// state and the pipeline; this class decides what to select, open and light.
import type { Trace } from '../model/trace.ts';
import type { ViewState } from '../model/view-state.ts';
import { withExpanded, withSelected } from '../model/view-state.ts';
import type { Hierarchy } from '../graph/hierarchy.ts';
import type { VisibleGraph } from '../graph/visible.ts';
import { scopesToReveal } from '../graph/search.ts';
import { drawnNodeOfOp, litFor, playOrder, stepIndex } from '../graph/player.ts';
import { opsOfLine } from '../model/stack.ts';
import type { SceneState } from '../render/scene.ts';
import { html } from '../render/svg.ts';
import type { RefreshOptions } from './api.ts';
import { addressesOf } from './lookup.ts';

export interface TeachHost {
  readonly root: HTMLElement;
  currentTrace(): Trace | null;
  currentHierarchy(): Hierarchy;
  /** Presentation mode on or off: larger type, less chrome, the graph refitted larger. */
  present(on: boolean): void;
  /** Applies a state change and redraws; resolves once drawn. Ignored while nothing is loaded. */
  apply(f: (s: ViewState, h: Hierarchy) => ViewState, opts: (h: Hierarchy, s: ViewState) => RefreshOptions): Promise<void>;
}

export const SPEEDS_MS: readonly number[] = [2000, 1000, 500, 250, 100];

export class Teaching {
  /** Position in the play order of the current op, -1 before the first step. */
  private at = -1;
  private current: number | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lineHits: ReadonlySet<string> = new Set();
  speedMs = 500;
  /** Open the modules holding the current op instead of lighting their closed boxes. */
  openModules = false;
  readonly bar: HTMLElement;
  private readonly playButton: HTMLButtonElement;

  constructor(private readonly host: TeachHost) {
    this.bar = html('span', 'lenslab-player');
    this.bar.setAttribute('role', 'group');
    this.bar.setAttribute('aria-label', 'Play the forward pass');
    const button = (text: string, title: string, run: () => void): HTMLButtonElement => {
      const b = html('button', 'lenslab-button lenslab-player-button', this.bar, text);
      b.type = 'button';
      b.title = title;
      b.addEventListener('click', run);
      return b;
    };
    button('|\u25c0', 'Back to the first op', () => void this.restart());
    button('\u25c0', 'Step back one op', () => void this.step(-1));
    this.playButton = button('\u25b6', 'Play the forward pass, op by op', () => void (this.playing ? this.pause() : this.play()));
    this.playButton.dataset['action'] = 'play';
    button('\u25b6|', 'Step forward one op', () => void this.step(1));
    const speed = html('select', 'lenslab-player-speed', this.bar);
    speed.title = 'Playing speed';
    for (const ms of SPEEDS_MS) {
      const o = html('option', '', speed, `${(1000 / ms).toFixed(ms > 1000 ? 1 : 0)} ops/s`);
      o.value = String(ms);
    }
    speed.value = String(this.speedMs);
    speed.addEventListener('change', () => (this.speedMs = Number(speed.value)));
    const open = html('label', 'lenslab-player-open', this.bar, ' open modules');
    const box = html('input', '', open);
    box.type = 'checkbox';
    box.title = 'Open the modules the current op runs in (else their closed boxes light up)';
    open.prepend(box);
    box.addEventListener('change', () => (this.openModules = box.checked));
    const present = button('present', 'Presentation mode: larger type, less chrome (for a projector)', () => {
      const on = present.getAttribute('aria-pressed') !== 'true';
      present.setAttribute('aria-pressed', String(on));
      host.present(on);
    });
    present.dataset['action'] = 'present';
  }

  get playing(): boolean {
    return this.timer !== null;
  }

  /** A new graph: the player starts over. */
  reset(): void {
    this.pause();
    this.at = -1;
    this.current = null;
    this.lineHits = new Set();
    delete this.host.root.dataset['current'];
  }

  /** Moves `delta` ops in execution order; resolves to the current op's node id. */
  async step(delta: number): Promise<string> {
    const trace = this.host.currentTrace();
    if (!trace) return '';
    const order = playOrder(trace);
    this.at = stepIndex(order.length, this.at, delta);
    const op = order[this.at];
    if (op === undefined) return '';
    this.current = op;
    let id = '';
    await this.host.apply(
      (s, h) => {
        id = h.items[h.itemOfOp[op] ?? -1]?.id ?? '';
        const selected = withSelected(s, id || null);
        return this.openModules ? withExpanded(selected, addressesOf(h, scopesToReveal(h, id)), true) : selected;
      },
      (h, s) => ({ reveal: drawnNodeOfOp(h, s.expanded, op) ?? undefined }),
    );
    const trace2 = this.host.currentTrace();
    const o = trace2?.ops[op];
    this.host.root.dataset['current'] = id;
    if (o) this.host.root.dataset['currentPass'] = String(o.pass_index);
    return id;
  }

  play(): Promise<void> {
    if (this.playing) return Promise.resolve();
    const trace = this.host.currentTrace();
    if (trace && this.at >= playOrder(trace).length - 1) this.at = -1; // at the end: from the start
    this.setPlaying(true);
    const tick = async (): Promise<void> => {
      if (!this.playing) return;
      const before = this.at;
      await this.step(1);
      if (!this.playing) return;
      if (this.at === before) return this.pause(); // the last op
      this.timer = setTimeout(() => void tick(), this.speedMs);
    };
    this.timer = setTimeout(() => void tick(), 0);
    return Promise.resolve();
  }

  pause(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.setPlaying(false);
    return Promise.resolve();
  }

  async restart(): Promise<void> {
    await this.pause();
    this.at = -1;
    await this.step(1);
  }

  private setPlaying(on: boolean): void {
    if (!on) this.timer = null;
    this.host.root.dataset['playing'] = String(on);
    this.playButton.textContent = on ? '\u23f8' : '\u25b6';
    this.playButton.setAttribute('aria-pressed', String(on));
  }

  /** Selects every op a line ran (all passes); resolves to their node ids. */
  async selectSource(file: string, line: number): Promise<string[]> {
    const trace = this.host.currentTrace();
    if (!trace) return [];
    const ops = opsOfLine(trace, file, line);
    let ids: string[] = [];
    await this.host.apply(
      (s, h) => {
        ids = [...new Set(ops.map((i) => h.items[h.itemOfOp[i] ?? -1]?.id).filter((id): id is string => !!id))];
        this.lineHits = new Set(ids);
        return withSelected(s, ids[0] ?? s.selected);
      },
      (h, s) => ({ reveal: ids[0] === undefined ? undefined : (drawnNodeOfOp(h, s.expanded, ops[0] ?? -1) ?? undefined) }),
    );
    this.host.root.dataset['sourceHits'] = String(ids.length);
    return ids;
  }

  /** The user selected something else: the line's ops are no longer highlighted. */
  selectionChanged(id: string | null): void {
    if (id === null || !this.lineHits.has(id)) this.lineHits = new Set();
  }

  /** Adds the player's light and the line's ops to the scene the renderer draws. */
  decorate(scene: SceneState, trace: Trace, h: Hierarchy, state: ViewState, graph: VisibleGraph): SceneState {
    let out = scene;
    if (this.lineHits.size > 0) {
      const matches = new Set(scene.matches);
      for (const id of this.lineHits) {
        const index = h.items.findIndex((it) => it.id === id);
        const op = h.items[index]?.ops[0];
        const drawn = op === undefined ? null : drawnNodeOfOp(h, state.expanded, op);
        if (drawn) matches.add(drawn);
      }
      out = { ...out, matches };
    }
    if (this.current !== null) {
      const lit = litFor(trace, h, state.expanded, graph, this.current);
      out = { ...out, lit: lit.nodes, litEdges: lit.edges };
    }
    return out;
  }
}
