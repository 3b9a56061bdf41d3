// Bundles the anywidget ESM (src/widget.ts → python_pkg/lenslab/static/widget.js) and copies
// its stylesheet. Fails when the bundle outgrows the 300 KB budget (it is saved per widget).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'python_pkg', 'lenslab', 'static');
const LIMIT = 300 * 1024;

mkdirSync(outDir, { recursive: true });
// The layout worker is bundled first and inlined into the widget as text (started from a Blob
// URL), so the widget stays one self-contained ESM file.
const worker = await build({
  entryPoints: [join(root, 'src', 'layout', 'worker.ts')],
  bundle: true,
  format: 'iife',
  minify: true,
  target: 'es2020',
  legalComments: 'none',
  write: false,
  logLevel: 'warning',
});
const workerSource = worker.outputFiles[0].text;
await build({
  define: { __LENSLAB_LAYOUT_WORKER__: JSON.stringify(workerSource) },
  entryPoints: [join(root, 'src', 'widget.ts')],
  outfile: join(outDir, 'widget.js'),
  bundle: true,
  format: 'esm',
  minify: true,
  target: 'es2020',
  legalComments: 'none',
  logLevel: 'warning',
});
// The ESM each widget's saved state keeps: a loader that finds the module above (src/loader.ts).
await build({
  entryPoints: [join(root, 'src', 'loader.ts')],
  outfile: join(outDir, 'loader.js'),
  bundle: true,
  format: 'esm',
  minify: true,
  target: 'es2020',
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync(join(root, 'style', 'widget.css'), join(outDir, 'widget.css'));
// Standalone HTML (h.to_html) inlines this: the same view with an in-page data server.
await build({
  define: { __LENSLAB_LAYOUT_WORKER__: JSON.stringify(workerSource) },
  entryPoints: [join(root, 'src', 'standalone.ts')],
  outfile: join(outDir, 'standalone.js'),
  bundle: true,
  format: 'iife',
  minify: true,
  target: 'es2020',
  legalComments: 'none',
  logLevel: 'warning',
});
// The page's tensor math as an ES module, for test pages that answer requests without a kernel
// (ui-tests/standalone/fake-kernel.mjs): one TypeScript implementation everywhere. Not shipped.
await build({
  entryPoints: [join(root, 'src', 'local', 'tensor-math.ts')],
  outfile: join(root, 'lib', 'local', 'tensor-math.js'),
  bundle: true,
  format: 'esm',
  target: 'es2020',
  logLevel: 'warning',
});

const loaderSize = statSync(join(outDir, 'loader.js')).size;
console.log(`loader.js ${(loaderSize / 1024).toFixed(1)} KB (limit 4 KB: saved per widget)`);
if (loaderSize > 4096) {
  console.error('loader.js is over the size budget');
  process.exit(1);
}
const size = statSync(join(outDir, 'widget.js')).size;
console.log(`widget.js ${(size / 1024).toFixed(1)} KB (limit ${LIMIT / 1024} KB)`);
if (size > LIMIT) {
  console.error('widget.js is over the size budget');
  process.exit(1);
}
