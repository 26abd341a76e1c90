// The production build (what Tauri ships from ui/dist) loads under its own strict CSP with no
// errors and makes no request outside the app. Built into target/ so ui/dist is left alone.
// Needs Chromium at /usr/bin/chromium; see README.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import { build, preview } from 'vite';
import { root, start, stop, openApp, close } from './harness.mjs';
import { fullScenario } from './fixtures.mjs';

const outDir = path.join(root, 'target/ui-dist-test');
let server;

before(async () => {
  await build({ configFile: path.join(root, 'ui/vite.config.ts'), logLevel: 'error', build: { outDir, emptyOutDir: true } });
  server = await preview({
    configFile: path.join(root, 'ui/vite.config.ts'),
    logLevel: 'error',
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0, strictPort: false },
  });
  await start();
});
after(async () => {
  await stop();
  await new Promise((resolve) => server.httpServer.close(resolve));
});

test('the built index.html carries a CSP with no remote origin', () => {
  const html = fs.readFileSync(path.join(outDir, 'index.html'), 'utf8');
  const csp = html.match(/http-equiv="Content-Security-Policy"\s+content="([^"]+)"/)?.[1];
  assert.ok(csp, 'a CSP meta tag');
  assert.match(csp, /default-src 'self'/);
  assert.doesNotMatch(csp, /https?:\/\/(?!ipc\.localhost)/, 'no remote origin (only Tauri IPC)');
  assert.doesNotMatch(html, /https?:\/\/(?!ipc\.localhost)/, 'no remote resource in the page');
  for (const file of fs.readdirSync(path.join(outDir, 'assets'))) {
    if (file.endsWith('.css')) assert.doesNotMatch(fs.readFileSync(path.join(outDir, 'assets', file), 'utf8'), /url\(\s*['"]?https?:/);
  }
});

test('the built app starts under its CSP without errors', async () => {
  const url = server.resolvedUrls.local[0];
  const page = await openApp(fullScenario(), { baseURL: url });
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.locator('[data-testid="cert-row"]').first().waitFor();
  await page.click('#nav-messages');
  await page.getByTestId('reader-empty').waitFor();
  assert.deepEqual(page.errors, []);
  assert.deepEqual(requests.filter((u) => !u.startsWith(url)), []);
  await close(page);
});
