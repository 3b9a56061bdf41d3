// Starts a private JupyterLab for the browser test and shuts it down again.
// Private: a random token, a free port on 127.0.0.1, and fresh config/settings/workspace
// directories, so nothing from the user's ~/.jupyter (or a previous run) changes the page.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Lab settings for a quiet, deterministic page. */
const SETTINGS = {
  // No "Would you like to receive official Jupyter news?" toast, no update check.
  '@jupyterlab/apputils-extension/notification': {
    fetchNews: 'false',
    checkForUpdates: false,
    doNotDisturbMode: true,
  },
  // Never write the test's outputs into notebooks/ (the run takes well under the 120 s
  // default, but a slow machine should not dirty the checkout either).
  '@jupyterlab/docmanager-extension/plugin': { autosave: false },
  // Render every cell: windowed notebooks detach off-screen outputs.
  '@jupyterlab/notebook-extension/tracker': { windowingMode: 'none' },
};

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function writeSettings(settingsDir) {
  for (const [id, values] of Object.entries(SETTINGS)) {
    const file = join(settingsDir, `${id}.jupyterlab-settings`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(values, null, 2));
  }
}

/**
 * Starts `jupyter lab` on rootDir and resolves once its REST API answers.
 * @returns {Promise<{url: string, token: string, stop: () => Promise<void>, log: () => string}>}
 */
export async function startLab({ jupyter, rootDir, timeoutMs = 90_000 }) {
  const home = mkdtempSync(join(tmpdir(), 'lenslab-ui-lab-'));
  const settingsDir = join(home, 'settings');
  writeSettings(settingsDir);
  const token = randomBytes(16).toString('hex');
  const port = await freePort();
  const args = [
    'lab',
    '--no-browser',
    `--port=${port}`,
    '--ServerApp.ip=127.0.0.1',
    '--ServerApp.port_retries=0',
    `--IdentityProvider.token=${token}`,
    '--allow-root', // CI runs as root
    `--ServerApp.root_dir=${rootDir}`,
    `--LabApp.user_settings_dir=${settingsDir}`,
    `--LabApp.workspaces_dir=${join(home, 'workspaces')}`,
    // window.jupyterapp, to run commands (open, run all cells) without clicking menus.
    '--LabApp.expose_app_in_browser=True',
    '--JupyterNotebookApp.expose_app_in_browser=True', // the same in Notebook 7 (/notebooks/...)
  ];
  const env = {
    ...process.env,
    JUPYTER_CONFIG_DIR: join(home, 'config'),
    JUPYTER_DATA_DIR: join(home, 'data'), // kernels and lab extensions then come from .venv
    JUPYTER_RUNTIME_DIR: join(home, 'runtime'),
    JUPYTER_PLATFORM_DIRS: '1',
  };
  // Own process group, so stop() can end the server and anything it left behind.
  const child = spawn(jupyter, args, { cwd: rootDir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-200_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });

  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (!exited) {
      // Graceful first: the server shuts its kernels down (they run in their own sessions).
      await fetch(`${url}/api/shutdown`, {
        method: 'POST',
        headers: { Authorization: `token ${token}` },
      }).catch(() => undefined);
      for (let i = 0; i < 50 && !exited; i++) await sleep(200);
    }
    for (const signal of ['SIGTERM', 'SIGKILL']) {
      try {
        process.kill(-child.pid, signal);
      } catch {
        break; // group gone
      }
      for (let i = 0; i < 25 && !exited; i++) await sleep(200);
    }
    rmSync(home, { recursive: true, force: true });
  };

  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`jupyter lab exited early:\n${output.slice(-4000)}`);
    const ok = await fetch(`${url}/api/status`, { headers: { Authorization: `token ${token}` } })
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return { url, token, stop, log: () => output };
    await sleep(300);
  }
  await stop();
  throw new Error(`jupyter lab did not answer within ${timeoutMs / 1000} s:\n${output.slice(-4000)}`);
}
