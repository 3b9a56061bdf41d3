// Builds the JupyterLab extension shell:
//   1. esbuild: src/lab/index.ts -> lib/lab/index.js (ESM; @jupyterlab/* and @lumino/* stay
//      external because JupyterLab shares its own copies at run time);
//   2. `jupyter labextension build .` -> python_pkg/lenslab/labextension (webpack, slow).
// Step 2 is skipped while its inputs (lib/lab/index.js, style/, package.json) hash the same as
// at the last build, so `npm run build` is cheap to repeat. Pass --force to rebuild anyway.
//
// `jupyter` must come from the Python environment that has JupyterLab 4: pip's isolated build
// environment puts its own first on PATH; from a shell, .venv/bin is used when PATH has none.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'src/lab/index.ts');
const outFile = join(root, 'lib/lab/index.js');
const mimeEntry = join(root, 'src/lab/mime.ts');
const mimeOut = join(root, 'lib/lab/mime.js');
const outputDir = join(root, 'python_pkg/lenslab/labextension');
const stampFile = join(root, 'lib/lab/.labextension-inputs.sha256');
const force = process.argv.includes('--force');

function log(message) {
  console.log(`[build-lab] ${message}`);
}

/** Compiles the plugin; rewrites lib/lab/index.js only when its text changed. */
async function compilePlugin() {
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external: ['@jupyterlab/*', '@lumino/*'],
    write: false,
    logLevel: 'warning',
  });
  const text = result.outputFiles[0].text;
  mkdirSync(dirname(outFile), { recursive: true });
  if (!existsSync(outFile) || readFileSync(outFile, 'utf8') !== text) {
    writeFileSync(outFile, text);
    log(`wrote ${relative(root, outFile)}`);
  }
  await compileMime();
}

/** The mime extension (kept views, .lens viewer): src/lab/mime.ts -> lib/lab/mime.js. */
async function compileMime() {
  const result = await esbuild.build({
    entryPoints: [mimeEntry], bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
    external: ['@jupyterlab/*', '@lumino/*'], write: false, logLevel: 'warning', minify: true,
  });
  const text = result.outputFiles[0].text;
  if (!existsSync(mimeOut) || readFileSync(mimeOut, 'utf8') !== text) writeFileSync(mimeOut, text);
}

function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]))
    .sort();
}

function inputsHash() {
  const hash = createHash('sha256');
  for (const file of [outFile, mimeOut, join(root, 'package.json'), ...filesUnder(join(root, 'style'))]) {
    hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

function jupyterCandidates() {
  const fromPath = (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, 'jupyter'));
  const venv = process.env.VIRTUAL_ENV ? [join(process.env.VIRTUAL_ENV, 'bin/jupyter')] : [];
  const explicit = process.env.LENSLAB_JUPYTER ? [process.env.LENSLAB_JUPYTER] : [];
  return [...explicit, ...venv, ...fromPath, join(root, '.venv/bin/jupyter')];
}

/** The Python that runs a `jupyter` script, read from its shebang (plain or pip's sh form). */
function scriptPython(script) {
  const head = readFileSync(script, 'utf8').slice(0, 1024).split('\n');
  const shebang = head[0]?.startsWith('#!') ? head[0].slice(2).trim() : '';
  if (!shebang.startsWith('/bin/sh')) return shebang.split(/\s+/)[0] || null;
  const marker = "'''exec' ";
  const exec = head.find((line) => line.startsWith(marker));
  return exec ? exec.slice(marker.length).split(/\s+/)[0].replace(/^"|"$/g, '') : null;
}

const PROBE =
  'import jupyterlab, os; print(jupyterlab.__version__); ' +
  'print(os.path.join(os.path.dirname(jupyterlab.__file__), "staging"))';

/** The first `jupyter` whose Python has JupyterLab 4, and that JupyterLab's core (staging) dir. */
function findJupyter() {
  const tried = [];
  for (const jupyter of new Set(jupyterCandidates())) {
    if (!existsSync(jupyter)) continue;
    const python = scriptPython(jupyter);
    const run = python ? spawnSync(python, ['-c', PROBE], { encoding: 'utf8' }) : null;
    const [version = '', staging = ''] = (run?.stdout ?? '').trim().split('\n');
    if (run?.status === 0 && /^4\./.test(version) && existsSync(join(staging, 'package.json'))) {
      return { jupyter, version, staging };
    }
    tried.push(`${jupyter} (${version || 'no jupyterlab'})`);
  }
  throw new Error(
    `no jupyter with JupyterLab 4 found (tried: ${tried.join(', ') || 'none on PATH'}). ` +
      'Run `make build`, which sets up .venv first, or set LENSLAB_JUPYTER.',
  );
}

async function main() {
  await compilePlugin();
  const hash = inputsHash();
  const built = existsSync(join(outputDir, 'package.json'));
  if (!force && built && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === hash) {
    // Mark the output fresh for hatch-jupyter-builder's mtime check (source_dir=src).
    const now = new Date();
    utimesSync(join(outputDir, 'package.json'), now, now);
    log('lab extension up to date');
    return;
  }
  const { jupyter, version, staging } = findJupyter();
  // The build is pinned to the installed JupyterLab's core package.json (no download of its
  // core metadata). JupyterLab >= 4.6 hands `labextension build` to `jupyter-builder`; call
  // it directly when it is there, and put its bin dir first on PATH either way.
  const builder = join(dirname(jupyter), 'jupyter-builder');
  const [command, args] = existsSync(builder)
    ? [builder, ['build', '--core-package-file', join(staging, 'package.json'), '.']]
    : [jupyter, ['labextension', 'build', '--core-path', staging, '.']];
  log(`JupyterLab ${version}: ${command} ${args.join(' ')}`);
  const env = { ...process.env, PATH: [dirname(jupyter), process.env.PATH].join(delimiter) };
  const started = Date.now();
  const run = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  if (run.status !== 0) throw new Error(`lab extension build failed (exit ${run.status})`);
  writeFileSync(stampFile, hash);
  const size = statSync(join(outputDir, 'package.json')).size;
  log(`lab extension built in ${((Date.now() - started) / 1000).toFixed(1)} s (package.json ${size} B)`);
}

main().catch((error) => {
  console.error(`[build-lab] ${error.message}`);
  process.exit(1);
});
