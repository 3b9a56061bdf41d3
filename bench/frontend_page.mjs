// Shared by the front-end benchmarks (frontend_graph.mjs, frontend_models.mjs): a local HTTP
// server over the repository and a headless Chromium page to load the widget in.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const root = fileURLToPath(new URL('..', import.meta.url));
const types = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.html': 'text/html' };

/**
 * Serves the repository's files on a free local port. `route(path)` answers a path first: a
 * `{ type, body }` to send as is, or a file path to read instead; undefined: the file at `path`.
 */
export async function serveRepo(route = () => undefined) {
  const server = createServer(async (req, res) => {
    const asked = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    const answer = route(asked);
    if (answer && typeof answer === 'object') return res.writeHead(200, { 'content-type': answer.type }).end(answer.body);
    const path = answer ?? join(root, asked);
    try {
      const body = await readFile(path);
      res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

/** The server's URL for `path` (starting with '/'). */
export const urlOf = (server, path) => `http://127.0.0.1:${server.address().port}${path}`;

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** A fresh 1400x900 page that reports its uncaught errors on stderr. */
export async function newTab(browser) {
  const tab = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  tab.on('pageerror', (e) => console.error('pageerror:', e.message));
  return tab;
}
