// Bundles the headless renderer (src/headless.ts → python_pkg/lenslab/static/headless.js): the
// widget's layout and SVG drawing as one IIFE for the JavaScript engine embedded in Python
// (h.to_svg / h.to_png). The SVG rules of style/widget.css go in with the theme variables
// resolved to their light defaults, so a figure looks like the widget without a browser.
import { build } from 'esbuild';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'python_pkg', 'lenslab', 'static');

/** The drawing's rules (module boxes, edges, nodes) from the widget stylesheet, made static. */
export function svgCss(css) {
  const vars = new Map();
  for (const m of css.matchAll(/(--ll-[\w-]+):\s*([^;]+);/g)) if (!vars.has(m[1])) vars.set(m[1], m[2].trim());
  const resolve = (value) => {
    let v = value;
    for (let i = 0; i < 5 && v.includes('var('); i++) {
      v = v.replace(/var\((--[\w-]+)(?:,\s*((?:[^()]|\([^()]*\))*))?\)/g, (_, name, fallback) => vars.get(name) ?? fallback ?? '');
    }
    return v;
  };
  const start = css.indexOf('/* Module boxes */');
  const end = css.indexOf('.lenslab-node--selected');
  if (start < 0 || end < 0) throw new Error('style/widget.css: the SVG rules were not found');
  const body = css.slice(start, css.indexOf('}', end) + 1).replace(/\/\*[\s\S]*?\*\//g, '');
  const rules = [];
  for (const m of body.matchAll(/([^{}]+)\{([^}]*)\}/g)) {
    const selector = m[1].trim();
    // Interaction-only states (hover, selection, search hits) never appear in a figure.
    if (/:hover|:active|--selected|--match|--current|--pass-peer|-hit\b/.test(selector)) continue;
    const decls = m[2].split(';').map((d) => d.trim()).filter((d) => d && !/^(cursor|pointer-events)\b/.test(d) && !d.includes('color-mix'));
    if (decls.length) rules.push(`${selector}{${decls.map(resolve).join(';')}}`);
  }
  rules.push('.lenslab-group-hit{fill:none}');
  return rules.join('\n');
}

mkdirSync(outDir, { recursive: true });
await build({
  define: { __LENSLAB_SVG_CSS__: JSON.stringify(svgCss(readFileSync(join(root, 'style', 'widget.css'), 'utf8'))) },
  entryPoints: [join(root, 'src', 'headless.ts')],
  outfile: join(outDir, 'headless.js'),
  bundle: true,
  format: 'iife',
  globalName: 'lenslabHeadless',
  minify: true,
  target: 'es2020',
  legalComments: 'none',
  logLevel: 'warning',
});
