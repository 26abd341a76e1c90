// Shared set-up for the page tests: a Vite dev server for ui/, Debian's Chromium driven by
// playwright-core, and the fake backend injected before the app loads. See README.md.
import { createServer, build } from 'vite';
import { chromium } from 'playwright-core';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import fs from 'node:fs';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const shotsDir = path.join(root, 'target/ui-shots');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

let server;
let browser;
let baseURL;
let mockBundle;
let fakeBackend;

async function bundleMocks() {
  const out = await build({
    configFile: false,
    root,
    logLevel: 'error',
    build: {
      write: false,
      minify: false,
      lib: { entry: path.join(root, 'tests/ui/tauri-mock-entry.js'), formats: ['iife'], name: 'SealpostTauriMocks' },
    },
  });
  const outputs = Array.isArray(out) ? out : [out];
  const chunk = outputs.flatMap((o) => o.output).find((o) => o.type === 'chunk');
  if (!chunk) throw new Error('the mock bundle produced no code');
  return chunk.code;
}

export async function start() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's "chromium" package or set CHROMIUM`);
  }
  fs.mkdirSync(shotsDir, { recursive: true });
  mockBundle = await bundleMocks();
  fakeBackend = fs.readFileSync(path.join(root, 'tests/ui/fake-backend.js'), 'utf8');
  server = await createServer({
    configFile: path.join(root, 'ui/vite.config.ts'),
    logLevel: 'error',
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
  });
  await server.listen();
  const addr = server.httpServer.address();
  baseURL = `http://127.0.0.1:${addr.port}/`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

export async function stop() {
  await browser?.close();
  await server?.close();
}

/**
 * Opens the app with a fake backend for `scenario` (see fake-backend.js). Page errors and
 * console errors are collected in page.errors so tests can assert there were none.
 */
export async function openApp(
  scenario = {},
  { colorScheme = 'light', waitFor = '[data-testid="keystore-status"][data-kind]', baseURL: url = baseURL } = {},
) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 820 }, colorScheme, reducedMotion: 'reduce' });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') page.errors.push(m.text());
  });
  await page.addInitScript({ content: mockBundle });
  await page.addInitScript({ content: fakeBackend });
  await page.addInitScript({ content: `window.__installFakeBackend(${JSON.stringify(scenario)});` });
  await page.goto(url);
  if (waitFor) await page.waitForSelector(waitFor);
  return page;
}

export async function close(page) {
  await page.context().close();
}

/** Calls the app made to one command (or all calls when cmd is omitted). */
export async function calls(page, cmd) {
  const all = await page.evaluate(() => window.__calls);
  return cmd ? all.filter((c) => c.cmd === cmd) : all;
}

/** Queues answers for the next native dialogs (open/save); null = the user cancelled. */
export async function answerDialogs(page, ...answers) {
  await page.evaluate((a) => window.__dialogAnswers.push(...a), answers);
}

/** Emits a Tauri event the way the shell would (drag-drop, progress). */
export async function emitEvent(page, event, payload) {
  await page.evaluate(([e, p]) => window.__TAURI_INTERNALS__.invoke('plugin:event|emit', { event: e, payload: p }), [event, payload]);
}

/** Screenshots the page in the light and the dark colour scheme. */
export async function shoot(page, name) {
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForTimeout(250); // let colour transitions finish
    await page.screenshot({ path: path.join(shotsDir, `${name}-${scheme}.png`) });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** Console messages that prove the message frame's defences worked (expected, not failures). */
const DEFENCES = [
  /^Blocked script execution in 'about:srcdoc' because the document's frame is sandboxed/,
  /^Loading the image '[^']+' violates the following Content Security Policy directive/,
];

export function isDefence(message) {
  return DEFENCES.some((re) => re.test(message));
}

/** Page errors other than the message frame's expected blocks. */
export function unexpectedErrors(page) {
  return page.errors.filter((e) => !isDefence(e));
}
