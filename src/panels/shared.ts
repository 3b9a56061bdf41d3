// Libraries loaded once per page and shared by every widget, published by the JupyterLab
// extension (src/lab/index.ts) on window.__lenslab_shared__. Elsewhere (VS Code, static HTML)
// they are absent and the panels draw with their own canvas code.

/** The part of plotly.js the panels use. */
export interface PlotlyLike {
  react(el: HTMLElement, data: unknown[], layout: object, config?: object): Promise<unknown>;
  purge(el: HTMLElement): void;
}

export interface SharedLibraries {
  loadPlotly?: () => Promise<PlotlyLike>;
}

export const SHARED_KEY = '__lenslab_shared__';

export function sharedLibraries(): SharedLibraries {
  const g = globalThis as unknown as Record<string, SharedLibraries | undefined>;
  return g[SHARED_KEY] ?? {};
}

/** plotly.js when the page has it, else null (never throws). */
export async function plotly(): Promise<PlotlyLike | null> {
  const load = sharedLibraries().loadPlotly;
  if (!load) return null;
  try {
    return await load();
  } catch {
    return null;
  }
}
