// Export the current view (the whole visible graph, not only what is on screen) as a standalone
// SVG with its styles inlined, or as a PNG rendered from that SVG through a canvas.
import type { VisibleGraph } from '../graph/visible.ts';
import type { GraphLayout } from '../layout/layout.ts';
import { drawScene } from './scene.ts';
import type { SceneState } from './scene.ts';
import { SVG_NS, svg } from './svg.ts';

const STYLED = [
  'fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-dasharray', 'stroke-opacity', 'opacity',
  'font-family', 'font-size', 'font-weight', 'text-anchor', 'paint-order', 'display',
] as const;
const PAD = 16;

/** Draws the scene into a hidden SVG inside `host` (so the theme's CSS applies) and serialises it. */
export function sceneToSvg(host: HTMLElement, graph: VisibleGraph, layout: GraphLayout, state: SceneState): string {
  const width = Math.ceil(layout.width + 2 * PAD);
  const height = Math.ceil(layout.height + 2 * PAD);
  const root = svg('svg', { xmlns: SVG_NS, width, height, viewBox: `0 0 ${width} ${height}`, class: 'lenslab-canvas lenslab-export' }, host);
  try {
    const bg = getComputedStyle(host).getPropertyValue('--ll-bg').trim() || '#ffffff';
    svg('rect', { width, height, fill: bg }, root);
    const g = svg('g', { class: 'lenslab-viewport', transform: `translate(${PAD},${PAD})` }, root);
    drawScene(g, graph, layout, state);
    // Read every computed style first: removing a parent's class would change its children's.
    const styled = [...root.querySelectorAll('*')].filter((el) => el.tagName !== 'title').map((el) => {
      const cs = getComputedStyle(el);
      return [el, STYLED.map((p) => [p, cs.getPropertyValue(p)] as const)] as const;
    });
    for (const [el, props] of styled) {
      for (const [p, v] of props) if (v) el.setAttribute(p, v);
      el.removeAttribute('class');
      (el as SVGElement).style.removeProperty('fill');
    }
    root.removeAttribute('class');
    return new XMLSerializer().serializeToString(root);
  } finally {
    root.remove();
  }
}

export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Rasterises an SVG document; the scale is capped so huge graphs stay within canvas limits. */
export async function svgToPng(source: string, width: number, height: number): Promise<Blob> {
  const scale = Math.min(2, 16_000 / Math.max(width, height), Math.sqrt(120_000_000 / Math.max(1, width * height)));
  const url = URL.createObjectURL(new Blob([source], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.decoding = 'async';
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('the SVG could not be rasterised'));
      img.src = url;
    });
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.floor(width * scale));
    canvas.height = Math.max(1, Math.floor(height * scale));
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas');
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}

export function exportSize(layout: GraphLayout): { width: number; height: number } {
  return { width: Math.ceil(layout.width + 2 * PAD), height: Math.ceil(layout.height + 2 * PAD) };
}
