// The toolbar's SVG / PNG buttons: the whole current view, saved as a file.
import type { GraphLayout } from '../layout/layout.ts';
import { download, exportSize, svgToPng } from '../render/export.ts';

/** Saves `svg` (the serialised view) as `name`.svg or rasterised as `name`.png. */
export async function downloadView(format: 'svg' | 'png', svg: string, layout: GraphLayout, name: string): Promise<void> {
  const file = `${name || 'model'}-lenslab.${format}`;
  if (format === 'svg') {
    download(new Blob([svg], { type: 'image/svg+xml' }), file);
    return;
  }
  const { width, height } = exportSize(layout);
  download(await svgToPng(svg, width, height), file);
}
