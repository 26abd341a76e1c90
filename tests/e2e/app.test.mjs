// End-to-end: the real Sealpost app (Tauri, WebKitGTK) driven through WebKitWebDriver, inside
// a D-Bus session with gnome-keyring (the OS keystore) and an X display (Xvfb). Native file
// dialogs (GTK) are driven with xdotool, the way a user types a path into them.
// Run by tests/e2e/run.sh; screenshots of every screen go to target/e2e-shots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { remote } from 'webdriverio';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const pki = path.join(root, 'target/test-pki');
const shots = path.join(root, 'target/e2e-shots');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sealpost-e2e-'));
const app = process.env.APP_BIN;
let browser;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function shot(name) {
  // WebKitWebDriver may return the previous paint: wait two animation frames first.
  await browser.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => done())));
  await browser.saveScreenshot(path.join(shots, `${name}.png`));
}

function xdotool(...args) {
  return execFileSync('xdotool', args, { encoding: 'utf8', timeout: 20000 }).trim();
}

/** Waits for the GTK file dialog titled `title`, types `file` into it and accepts. */
async function answerFileDialog(title, file) {
  let win = '';
  for (let i = 0; i < 100 && !win; i++) {
    try {
      win = xdotool('search', '--onlyvisible', '--name', `^${title}$`).split('\n')[0];
    } catch {
      await sleep(200);
    }
  }
  assert.ok(win, `the "${title}" dialog did not appear`);
  await sleep(700);
  xdotool('windowfocus', '--sync', win);
  // Ctrl+L opens the location field of GTK's chooser (open and save alike) with its text selected.
  xdotool('key', '--clearmodifiers', 'ctrl+l');
  await sleep(200);
  xdotool('key', '--clearmodifiers', 'ctrl+a');
  xdotool('type', '--delay', '15', file);
  await sleep(300);
  xdotool('key', '--clearmodifiers', 'Return');
  for (let i = 0; i < 50; i++) {
    try {
      xdotool('search', '--onlyvisible', '--name', `^${title}$`);
      await sleep(200);
    } catch {
      return;
    }
  }
  assert.fail(`the "${title}" dialog did not close`);
}

/** Answers a native message dialog of the shell with a key (Return: its first button, OK). */
async function answerNativeDialog(title, key) {
  const name = `^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
  let win = '';
  for (let i = 0; i < 100 && !win; i++) {
    try {
      win = xdotool('search', '--onlyvisible', '--name', name).split('\n')[0];
    } catch {
      await sleep(200);
    }
  }
  if (!win) {
    let names = '';
    try {
      names = xdotool('search', '--onlyvisible', '--name', '.*').split('\n').map((w) => { try { return xdotool('getwindowname', w); } catch { return '?'; } }).join(' | ');
    } catch {}
    const page = await (await browser.$('body')).getText();
    assert.fail(`the native "${title}" dialog did not appear; windows: ${names}; page: ${page.slice(0, 600)}`);
  }
  await sleep(500);
  xdotool('windowfocus', '--sync', win);
  xdotool('key', '--clearmodifiers', key);
  for (let i = 0; i < 50; i++) {
    try {
      xdotool('search', '--onlyvisible', '--name', name);
      await sleep(200);
    } catch {
      return;
    }
  }
  assert.fail(`the native "${title}" dialog did not close`);
}

async function byTestId(id) {
  return browser.$(`[data-testid="${id}"]`);
}

async function waitText(el, predicate, what, timeout = 15000) {
  await el.waitUntil(async () => predicate(await el.getText()), { timeout, timeoutMsg: what });
  return el.getText();
}

before(async () => {
  assert.ok(app && fs.existsSync(app), `APP_BIN must name the built app (got ${app})`);
  assert.ok(fs.existsSync(path.join(pki, '.done')), 'the test PKI is missing (tests/pki/make-pki.sh)');
  fs.mkdirSync(shots, { recursive: true });
  browser = await remote({
    hostname: '127.0.0.1',
    port: Number(process.env.WD_PORT ?? 4445),
    logLevel: 'error',
    connectionRetryTimeout: 60000,
    capabilities: {
      'wdio:enforceWebDriverClassic': true, // WebKitWebDriver has no BiDi
      'webkitgtk:browserOptions': { binary: app, args: [] },
    },
  });
  await browser.setWindowSize(1200, 800).catch(() => {});
});

after(async () => {
  // The last test closes the app itself; then there is no session left to end.
  await browser?.deleteSession().catch(() => {});
});

test('first run explains certificates and shows the OS keystore', async () => {
  const firstRun = await byTestId('first-run');
  await firstRun.waitForDisplayed({ timeout: 20000 });
  assert.match(await firstRun.getText(), /certificate/i);
  const ks = await byTestId('keystore-status');
  assert.equal(await ks.getAttribute('data-kind'), 'os');
  await shot('01-first-run');
});

test('a path the page names itself is refused: only dialog choices and real drops reach the core', async () => {
  // What a script in the webview would try (issue 11, item 6): name files it was never given.
  const tries = [
    ['open_message', { path: '/etc/hostname' }],
    ['import_files', { paths: [path.join(pki, 'rsa2048.p12')], password: 'secret' }],
    ['export_certificate', { fingerprint: 'x', format: 'pem', path: path.join(work, 'forged.pem'), password: null }],
    ['compose_message', { draft: { from: 'a@example.test', to: ['b@example.test'], cc: [], bcc: [], subject: 's', body: 'b', html: null, attachments: [path.join(pki, 'rsa2048.key')], sign: false, encrypt: false }, path: path.join(work, 'forged.eml') }],
  ];
  for (const [cmd, args] of tries) {
    const answer = await browser.executeAsync((c, a, done) => {
      window.__TAURI_INTERNALS__.invoke(c, a).then(() => done({ ok: true }), (e) => done({ ok: false, e }));
    }, cmd, args);
    assert.equal(answer.ok, false, `${cmd} with a forged path must be refused`);
    assert.match(JSON.stringify(answer.e), /not chosen in a Sealpost file dialog/, `${cmd}: ${JSON.stringify(answer.e)}`);
  }
  assert.ok(!fs.existsSync(path.join(work, 'forged.eml')) && !fs.existsSync(path.join(work, 'forged.pem')), 'nothing was written');
  // A drop event forged by the page (not a real drop on the window) names nothing the core reads.
  await browser.execute((p) => {
    window.__TAURI_INTERNALS__.invoke('plugin:event|emit', {
      event: 'tauri://drag-drop',
      payload: { paths: [p], position: { x: 400, y: 300 } },
    });
  }, path.join(pki, 'rsa2048.p12'));
  const forged = await byTestId('import-password-dialog');
  await forged.waitForDisplayed({ timeout: 10000 });
  await (await browser.$('#import-password')).setValue(fs.readFileSync(path.join(pki, 'password.txt'), 'utf8').trim());
  await (await browser.$('#import-password-confirm')).click();
  await browser.waitUntil(async () => /not chosen in a Sealpost file dialog/.test(await (await browser.$('body')).getText()), {
    timeout: 15000,
    timeoutMsg: 'the forged drop is refused and says why',
  });
  await shot('02a-forged-drop-refused');
  await browser.keys('Escape');
  await sleep(500);
});

test('a .p12 from the Import dialog asks for its password, refuses a wrong one, then imports the identity', async () => {
  await (await browser.$('#import-button')).click();
  await answerFileDialog('Import certificates or identities', path.join(pki, 'rsa2048.p12'));
  const dialog = await byTestId('import-password-dialog');
  await dialog.waitForDisplayed({ timeout: 10000 });
  const pw = await browser.$('#import-password');
  await pw.setValue('wrong password');
  await (await browser.$('#import-password-confirm')).click();
  const err = await byTestId('import-password-error');
  await err.waitForDisplayed({ timeout: 15000 });
  assert.match(await err.getText(), /password/i);
  assert.ok(await dialog.isDisplayed(), 'the dialog stays open after a wrong password');
  await shot('02-wrong-password');
  await pw.clearValue();
  await pw.setValue(fs.readFileSync(path.join(pki, 'password.txt'), 'utf8').trim());
  await (await browser.$('#import-password-confirm')).click();
  const result = await byTestId('import-result');
  await result.waitForDisplayed({ timeout: 20000 });
  assert.match(await result.getText(), /alice@example\.test/);
  const list = await byTestId('cert-list-identity');
  await waitText(list, (t) => t.includes('alice@example.test'), 'alice is listed as an identity');
  await shot('03-identity-imported');
});

test('the Import button imports certificates through the native file dialog', async () => {
  for (const file of ['ca.pem', 'rsa3072.pem']) {
    await (await browser.$('#import-button')).click();
    await answerFileDialog('Import certificates or identities', path.join(pki, file));
    await sleep(500);
  }
  const people = await byTestId('cert-list-person');
  await waitText(people, (t) => t.includes('bob@example.test'), 'bob is listed under people');
  const authorities = await byTestId('cert-list-authority');
  await waitText(authorities, (t) => t.length > 0 && !/No authorities/.test(t), 'the CA is listed');
  await shot('04-certificates');
});

test('certificate details, and trusting the authority', async () => {
  const ca = await browser.$('[data-testid="cert-list-authority"] [data-testid="cert-row"]');
  await (await ca.$('.open-details')).click();
  const details = await byTestId('cert-details');
  await details.waitForDisplayed({ timeout: 10000 });
  await (await byTestId('trust-button')).click();
  await (await byTestId('trust-dialog-confirm')).waitForDisplayed({ timeout: 5000 });
  await shot('05-trust-confirm');
  // The shell asks again in a native dialog, which no script in the page can answer:
  // declined there, nothing changes.
  await (await byTestId('trust-dialog-confirm')).click();
  await answerNativeDialog('Trust this authority?', 'Escape');
  await waitText(await byTestId('trust-dialog'), (t) => /cancelled/.test(t), 'declining natively cancels');
  assert.notEqual(await (await byTestId('trust-status')).getText(), 'Trusted authority');
  await (await byTestId('trust-dialog-confirm')).click();
  await answerNativeDialog('Trust this authority?', 'Return');
  await waitText(await byTestId('trust-status'), (t) => t === 'Trusted authority', 'CA trusted');
  await (await byTestId('details-back')).click();
  const alice = await browser.$('[data-testid="cert-list-identity"] [data-testid="cert-row"]');
  await (await alice.$('.open-details')).click();
  await (await byTestId('cert-details')).waitForDisplayed({ timeout: 10000 });
  assert.match(await (await byTestId('validity')).getText(), /day/i);
  assert.equal(await (await byTestId('trust-status')).getText(), 'Confirmed by a trusted authority');
  assert.match(await (await byTestId('key-type')).getText(), /RSA/i);
  await shot('06-identity-details');
  await (await byTestId('details-back')).click();
});

test('compose a signed and encrypted message, save it, open it again', async () => {
  await (await browser.$('#nav-messages')).click();
  await (await browser.$('#tab-compose')).click();
  await (await browser.$('#compose-to')).setValue('bob@example.test, nobody@example.test');
  await (await browser.$('#compose-subject')).setValue('Lab results');
  const body = await browser.$('#compose-body');
  await body.setValue('Dear Bob,');
  await browser.keys(['Enter']);
  await body.addValue('the results are fine.');
  const encrypt = await browser.$('#compose-encrypt');
  if ((await encrypt.getAttribute('aria-pressed')) !== 'true') await encrypt.click();
  const sign = await browser.$('#compose-sign');
  if ((await sign.getAttribute('aria-pressed')) !== 'true') await sign.click();
  // nobody@ has no certificate: encryption is blocked and the UI names them.
  const blocked = await byTestId('encrypt-blocked');
  await blocked.waitForDisplayed({ timeout: 10000 });
  assert.match(await blocked.getText(), /nobody@example\.test/);
  await shot('07-compose-blocked');
  const to = await browser.$('#compose-to');
  await to.clearValue();
  await to.setValue('bob@example.test');
  const chip = await browser.$('[data-testid="recipient-chip"][data-email="bob@example.test"]');
  await chip.waitUntil(async () => (await chip.getAttribute('data-state')) === 'known', {
    timeout: 10000,
    timeoutMsg: 'bob has a known certificate',
  });
  await shot('08-compose-ready');
  const out = path.join(work, 'lab-results.eml');
  await (await browser.$('#compose-save')).click();
  await answerFileDialog('Save message as', out);
  const result = await byTestId('compose-result');
  await result.waitForDisplayed({ timeout: 20000 });
  assert.ok(fs.existsSync(out), 'the message was written');
  const raw = fs.readFileSync(out, 'utf8');
  assert.match(raw, /application\/pkcs7-mime/);
  assert.doesNotMatch(raw, /Dear Bob/);
  // Bob reads it with openssl.
  const inner = execFileSync('openssl', ['cms', '-decrypt', '-in', out,
    '-recip', path.join(pki, 'rsa3072.pem'), '-inkey', path.join(pki, 'rsa3072.key')]);
  fs.writeFileSync(path.join(work, 'inner.eml'), inner);
  const verified = execFileSync('openssl', ['cms', '-verify', '-in', path.join(work, 'inner.eml'),
    '-CAfile', path.join(pki, 'ca.pem')], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  assert.match(verified, /Dear Bob/);
  await shot('09-compose-saved');

  // And the app opens its own sent copy again.
  await (await browser.$('#tab-read')).click();
  await (await browser.$('#open-message')).click();
  await answerFileDialog('Open a message', out);
  const banner = await byTestId('security-banner');
  const text = await waitText(banner, (t) => /signed/i.test(t), 'the security banner appears', 20000);
  assert.match(text, /alice@example\.test/);
  assert.match(text, /valid/i);
  assert.doesNotMatch(text, /not valid|invalid/i);
  assert.match(text, /encrypted/i);
  assert.equal(await banner.getAttribute('data-tone'), 'good');
  assert.match(await (await byTestId('message-body')).getText(), /Dear Bob,\s*\n\s*the results are fine\./);
  await shot('10-message-opened');
});

test('a message signed by openssl opens as valid, and tampered with as not valid', async () => {
  const src = fs.readFileSync(path.join(pki, 'msg.eml'));
  const signed = execFileSync('openssl', ['cms', '-sign', '-signer', path.join(pki, 'rsa2048.pem'),
    '-inkey', path.join(pki, 'rsa2048.key'), '-from', 'alice@example.test', '-to', 'bob@example.test',
    '-subject', 'Quarterly figures'], { input: src }).toString();
  const good = path.join(work, 'openssl-signed.eml');
  fs.writeFileSync(good, signed);
  await (await browser.$('#open-message')).click();
  await answerFileDialog('Open a message', good);
  const banner = await byTestId('security-banner');
  await banner.waitUntil(async () => /Quarterly/.test(await (await byTestId('message-subject')).getText())
    && (await banner.getAttribute('data-tone')) === 'good', {
    timeout: 15000,
    timeoutMsg: 'the openssl-signed message is valid',
  });
  const tampered = signed.replace('Hello Bob', 'Hello Rob');
  assert.notEqual(tampered, signed);
  const bad = path.join(work, 'tampered.eml');
  fs.writeFileSync(bad, tampered);
  await (await browser.$('#open-message')).click();
  await answerFileDialog('Open a message', bad);
  await banner.waitUntil(async () => (await banner.getAttribute('data-tone')) === 'bad', {
    timeout: 15000,
    timeoutMsg: 'the banner turns bad for a tampered message',
  });
  assert.match(await (await byTestId('message-body')).getText(), /Hello Rob/);
  await shot('11-message-tampered');

  // A plain message opens as it is, and the banner says it is unprotected.
  await (await browser.$('#open-message')).click();
  await answerFileDialog('Open a message', path.join(pki, 'msg.eml'));
  await banner.waitUntil(async () => (await banner.getAttribute('data-tone')) === 'neutral', {
    timeout: 15000,
    timeoutMsg: 'the banner is neutral for a plain message',
  });
  assert.match(await banner.getText(), /not signed/i);
  assert.match(await (await byTestId('message-body')).getText(), /Hello Bob/);
  await shot('12-message-plain');
});

/** The row of a certificate list (identity, person, authority) whose text matches `re`. */
async function rowMatching(kind, re, timeout = 15000) {
  let found;
  await browser.waitUntil(async () => {
    for (const row of await browser.$$(`[data-testid="cert-list-${kind}"] [data-testid="cert-row"]`)) {
      if (re.test(await row.getText())) {
        found = row;
        return true;
      }
    }
    return false;
  }, { timeout, timeoutMsg: `no ${kind} row matches ${re}` });
  return found;
}

test('an organisation CA: create it, issue a user certificate, import it, see the expiry warning and the self-test', async () => {
  await (await browser.$('#nav-certificates')).click();
  await (await byTestId('new-ca-button')).waitForDisplayed({ timeout: 10000 });
  await (await byTestId('new-ca-button')).click();
  await (await byTestId('new-ca-dialog')).waitForDisplayed({ timeout: 5000 });
  await (await browser.$('#ca-name')).setValue('E2E Org Mail CA');
  const caDays = await browser.$('#ca-days');
  await caDays.clearValue();
  await caDays.setValue('3650');
  await shot('13-new-ca');
  await (await byTestId('new-ca-confirm')).click();
  const heading = await browser.$('[data-testid="cert-details"] h1');
  await waitText(heading, (t) => t === 'E2E Org Mail CA', 'the new CA opens', 60000);
  assert.equal(await (await byTestId('trust-status')).getText(), 'Trusted authority');
  assert.match(await (await byTestId('key-type')).getText(), /P-384/);

  // Issue a certificate for erin, valid 20 days (so it warns at 30), to a .p12.
  await (await byTestId('issue-button')).click();
  await (await byTestId('issue-dialog')).waitForDisplayed({ timeout: 5000 });
  await (await browser.$('#issue-emails')).setValue('erin@example.test');
  await (await browser.$('#issue-name')).setValue('Erin Example');
  await (await browser.$('#issue-key')).selectByAttribute('value', 'p256');
  const days = await browser.$('#issue-days');
  await days.clearValue();
  await days.setValue('20');
  await (await browser.$('#issue-password')).setValue('erin-p12-pass');
  await (await browser.$('#issue-password-repeat')).setValue('erin-p12-pass');
  await shot('14-issue');
  const p12 = path.join(work, 'erin.p12');
  await (await byTestId('issue-confirm')).click();
  await answerFileDialog('Save identity file', p12);
  const done = await byTestId('issue-done');
  await done.waitForDisplayed({ timeout: 60000 });
  assert.match(await done.getText(), /erin@example\.test/);
  assert.ok(fs.existsSync(p12), 'the .p12 was written');
  assert.equal(fs.statSync(p12).mode & 0o077, 0, 'the .p12 is readable by its owner only');
  const certs = execFileSync('openssl', ['pkcs12', '-in', p12, '-passin', 'pass:erin-p12-pass', '-nokeys', '-clcerts']).toString();
  assert.match(certs, /erin@example\.test/);
  await shot('15-issued');
  await (await byTestId('issue-close')).click();
  const entry = await byTestId('issued-entry');
  await waitText(entry, (t) => t.includes('erin@example.test'), 'the CA lists what it issued');
  await (await byTestId('details-back')).click();

  // Import the .p12: erin becomes an identity, and the Certificates screen warns of its expiry.
  await (await browser.$('#import-button')).click();
  await answerFileDialog('Import certificates or identities', p12);
  await (await byTestId('import-password-dialog')).waitForDisplayed({ timeout: 10000 });
  await (await browser.$('#import-password')).setValue('erin-p12-pass');
  await (await browser.$('#import-password-confirm')).click();
  await rowMatching('identity', /erin@example\.test/, 20000);
  const warning = await browser.$('[data-testid="expiry-warning"]');
  await warning.waitForDisplayed({ timeout: 10000 });
  assert.equal(await warning.getAttribute('data-threshold'), '30');
  assert.match(await warning.getText(), /Your certificate for erin@example\.test expires in (19|20) days/);
  await shot('16-expiry-warning');

  // Its details: the countdown, then the self-test.
  await (await warning.$('button=Show certificate')).click();
  await waitText(heading, (t) => t === 'Erin Example' || t === 'erin@example.test', 'erin opens');
  assert.match(await (await byTestId('validity')).getText(), /Expires in (19|20) days/);
  assert.match(await (await byTestId('renew-hint')).getText(), /Renew it soon/);
  assert.equal(await (await byTestId('trust-status')).getText(), 'Confirmed by a trusted authority');
  await (await byTestId('test-button')).click();
  const selfTest = await byTestId('self-test');
  await selfTest.waitForDisplayed({ timeout: 30000 });
  assert.equal(await selfTest.getAttribute('data-usable'), 'true');
  assert.match(await (await byTestId('self-test-verdict')).getText(), /Everything works/);
  const lines = await selfTest.getText();
  assert.match(lines, /Trusted through E2E Org Mail CA \(trusted by you\)/);
  assert.match(lines, /Expires in (19|20) days .*renew it now/);
  assert.match(lines, /The private key unlocks and made a test signature that verifies/);
  assert.match(lines, /Not revoked \(issued by your CA\)/);
  await shot('17-self-test');

  // Dismissing the warning hides it.
  await (await byTestId('details-back')).click();
  await (await byTestId('expiry-dismiss')).click();
  await browser.waitUntil(async () => (await browser.$$('[data-testid="expiry-warning"]')).length === 0, {
    timeout: 5000,
    timeoutMsg: 'the dismissed warning goes',
  });
});

test('a correspondent’s certificate changes: the message banner and the compose chip say so until accepted', async () => {
  // Bob gets a new certificate (another key, another CA) from the organisation CA.
  const ca = await rowMatching('authority', /E2E Org Mail CA/);
  await (await ca.$('.open-details')).click();
  const heading = await browser.$('[data-testid="cert-details"] h1');
  await waitText(heading, (t) => t === 'E2E Org Mail CA', 'the CA opens');
  await (await byTestId('issue-button')).click();
  await (await byTestId('issue-dialog')).waitForDisplayed({ timeout: 5000 });
  await (await browser.$('#issue-emails')).setValue('bob@example.test');
  await (await browser.$('#issue-key')).selectByAttribute('value', 'p256');
  await (await browser.$('#issue-password')).setValue('bob-p12-pass');
  await (await browser.$('#issue-password-repeat')).setValue('bob-p12-pass');
  const p12 = path.join(work, 'bob-new.p12');
  await (await byTestId('issue-confirm')).click();
  await answerFileDialog('Save identity file', p12);
  await (await byTestId('issue-done')).waitForDisplayed({ timeout: 60000 });
  await (await byTestId('issue-close')).click();
  await (await byTestId('details-back')).click();

  // Bob signs with the new certificate (openssl), and the app opens it.
  const cert = path.join(work, 'bob-new.pem');
  const key = path.join(work, 'bob-new.key');
  execFileSync('openssl', ['pkcs12', '-in', p12, '-passin', 'pass:bob-p12-pass', '-nokeys', '-clcerts', '-out', cert]);
  execFileSync('openssl', ['pkcs12', '-in', p12, '-passin', 'pass:bob-p12-pass', '-nocerts', '-nodes', '-out', key]);
  const signed = execFileSync('openssl', ['cms', '-sign', '-signer', cert, '-inkey', key, '-from', 'bob@example.test',
    '-to', 'alice@example.test', '-subject', 'New certificate'], { input: 'Content-Type: text/plain\r\n\r\nI have a new key.\r\n' });
  const msg = path.join(work, 'bob-new-cert.eml');
  fs.writeFileSync(msg, signed);
  await (await browser.$('#nav-messages')).click();
  await (await browser.$('#tab-read')).click();
  await (await browser.$('#open-message')).click();
  await answerFileDialog('Open a message', msg);
  const banner = await byTestId('security-banner');
  await waitText(banner, (t) => /New certificate|bob@example\.test/.test(t) && /changed/.test(t), 'the banner shows the change', 20000);
  const alert = await banner.$('[data-testid="cert-change"]');
  assert.match(await alert.getText(), /The certificate of bob@example\.test changed: another key, issued by another authority \(CN=E2E Org Mail CA\)/);
  assert.equal(await banner.getAttribute('data-tone'), 'good', 'the signature is valid; the change is an alert');
  await shot('18-cert-change-message');

  // Composing to bob shows it too, until accepted.
  await (await browser.$('#tab-compose')).click();
  const to = await browser.$('#compose-to');
  await to.clearValue();
  await to.setValue('bob@example.test');
  const chip = await browser.$('[data-testid="recipient-chip"][data-email="bob@example.test"]');
  await chip.waitUntil(async () => (await chip.getAttribute('data-state')) === 'changed', {
    timeout: 10000,
    timeoutMsg: 'bob’s chip says the certificate changed',
  });
  const composeAlert = await byTestId('cert-change');
  assert.match(await composeAlert.getText(), /bob@example\.test changed/);
  await shot('19-cert-change-compose');
  await (await byTestId('cert-change-accept')).click();
  await chip.waitUntil(async () => (await chip.getAttribute('data-state')) === 'known', {
    timeout: 10000,
    timeoutMsg: 'accepted: bob’s certificate is known again',
  });
  assert.equal((await browser.$$('[data-testid="cert-change"]')).length, 0);
  await shot('20-cert-change-accepted');
});

// --- Mail: real Dovecot and Postfix on loopback (tests/mail/start.sh), bob's account in the app ---

/** A free loopback port. */
function freePort() {
  return Number(execFileSync('python3', ['-c', 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'], { encoding: 'utf8' }).trim());
}

const cli = path.join(root, 'target/debug/sealpost');

/** Why the mail servers cannot run here, or null. */
function mailServersMissing() {
  if (process.getuid?.() !== 0) return 'not root';
  for (const f of ['/usr/sbin/dovecot', '/usr/sbin/postfix', '/usr/lib/dovecot/lmtp']) if (!fs.existsSync(f)) return `${f} is missing`;
  if (!fs.existsSync(cli)) return `${cli} is missing (cargo build --bin sealpost)`;
  return null;
}

test('mail: add the local account, see the inbox, open the encrypted message, reply encrypted', async (t) => {
  const missing = mailServersMissing();
  if (missing) {
    assert.ok(!process.env.SEALPOST_REQUIRE_MAIL_SERVERS, `SEALPOST_REQUIRE_MAIL_SERVERS is set but the mail servers cannot run: ${missing}`);
    t.skip(`MAIL E2E NOT RUN: ${missing}`);
    return;
  }
  const srvDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sealpost-e2e-mail-'));
  const ports = { IMAP_PORT: freePort(), IMAPS_PORT: freePort(), LMTP_PORT: freePort(), SMTP_PORT: freePort(), SUBMISSION_PORT: freePort() };
  const env = { ...process.env, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])) };
  const started = Date.now();
  // Output to a file, not a pipe: the daemons outlive the script.
  const log = fs.openSync(path.join(srvDir, 'start.out'), 'w');
  try {
    execFileSync('bash', [path.join(root, 'tests/mail/start.sh'), srvDir], { env, stdio: ['ignore', log, log], timeout: 60000 });
  } catch (e) {
    assert.fail(`start.sh failed: ${fs.readFileSync(path.join(srvDir, 'start.out'), 'utf8')}`);
  }
  t.after(() => execFileSync('bash', [path.join(root, 'tests/mail/stop.sh'), srvDir], { stdio: 'ignore' }));
  t.diagnostic(`mail servers started in ${Date.now() - started} ms`);
  const caFile = path.join(srvDir, 'ca.pem');

  // alice, outside the app (the CLI with her own home), sends bob a signed and encrypted message.
  const aliceHome = fs.mkdtempSync(path.join(os.tmpdir(), 'sealpost-e2e-alice-'));
  const passFile = path.join(aliceHome, 'passphrase');
  fs.writeFileSync(passFile, 'correct horse battery\n');
  const pwFile = path.join(aliceHome, 'pw');
  fs.writeFileSync(pwFile, 'alicepw');
  const alice = (...args) =>
    execFileSync(cli, ['--home', aliceHome, ...args], { encoding: 'utf8', env: { ...process.env, SEALPOST_PASSPHRASE_FILE: passFile }, timeout: 60000 });
  alice('keystore', 'use', 'file', '--password-file', passFile);
  alice('cert', 'import', path.join(pki, 'rsa2048.p12'), '--password-file', path.join(pki, 'password.txt'));
  alice('cert', 'import', path.join(pki, 'rsa3072.pem'));
  alice('cert', 'trust', 'Sealpost Test CA');
  alice('account', 'add', '--name', 'alice', '--email', 'alice@example.test', '--imap', `localhost:${ports.IMAPS_PORT}`, '--imap-tls', 'implicit',
    '--smtp', `localhost:${ports.SUBMISSION_PORT}`, '--smtp-tls', 'starttls', '--ca-file', caFile, '--password-file', pwFile);
  const subject = 'Door codes for the lab';
  const msg = path.join(aliceHome, 'codes.eml');
  fs.writeFileSync(msg, `From: Alice <alice@example.test>\r\nTo: Bob <bob@example.test>\r\nSubject: ${subject}\r\n\r\nDear Bob,\r\nthe door code is 4711.\r\nAlice\r\n`);
  const sent = JSON.parse(alice('--json', 'send', '--account', 'alice', '--sign', '--encrypt', '--in', msg));
  assert.equal(sent.delivered, true, JSON.stringify(sent));

  // In the app: bob's identity (the key that opens the message).
  await (await browser.$('#nav-certificates')).click();
  await (await browser.$('#import-button')).click();
  await answerFileDialog('Import certificates or identities', path.join(pki, 'rsa3072.p12'));
  await (await byTestId('import-password-dialog')).waitForDisplayed({ timeout: 10000 });
  await (await browser.$('#import-password')).setValue(fs.readFileSync(path.join(pki, 'password.txt'), 'utf8').trim());
  await (await browser.$('#import-password-confirm')).click();
  await waitText(await byTestId('cert-list-identity'), (t) => t.includes('bob@example.test'), 'bob is an identity now', 20000);

  // Add the account, with the test CA as the server CA; test the connection first.
  await (await browser.$('#nav-mail')).click();
  await (await byTestId('account-form')).waitForDisplayed({ timeout: 10000 });
  await (await browser.$('#account-email')).setValue('bob@example.test');
  await (await browser.$('#account-name')).clearValue();
  await (await browser.$('#account-name')).setValue('bob');
  await (await browser.$('#account-password')).setValue('bobpw');
  await (await browser.$('#account-imap-host')).setValue('localhost');
  await (await browser.$('#account-imap-port')).clearValue();
  await (await browser.$('#account-imap-port')).setValue(String(ports.IMAPS_PORT));
  await (await browser.$('#account-smtp-host')).setValue('localhost');
  await (await browser.$('#account-smtp-tls')).selectByAttribute('value', 'starttls');
  await (await browser.$('#account-smtp-port')).clearValue();
  await (await browser.$('#account-smtp-port')).setValue(String(ports.SUBMISSION_PORT));
  // Without the CA the server's certificate is refused, and the test says so.
  await (await browser.$('#account-test')).click();
  const check = await byTestId('account-check');
  await check.waitForDisplayed({ timeout: 30000 });
  await waitText(check, (t) => /TLS certificate/.test(t), 'the untrusted server certificate is named', 30000);
  await shot('21-mail-account-untrusted');
  await (await byTestId('account-ca-choose')).click();
  await answerFileDialog('Choose the server CA certificate', caFile);
  await (await browser.$('#account-test')).click();
  await browser.waitUntil(
    async () => {
      const lines = await browser.$$('[data-testid="check-line"]');
      if (lines.length !== 2) return false;
      for (const l of lines) if ((await l.getAttribute('data-ok')) !== 'true') return false;
      return true;
    },
    { timeout: 30000, timeoutMsg: 'both servers connect and sign in with the CA' },
  );
  await shot('22-mail-account-ok');
  await (await browser.$('#account-add')).click();

  // The inbox syncs on its own and lists alice's message as encrypted and unread.
  const row = await browser.$(`[data-testid="message-row"]`);
  await row.waitForDisplayed({ timeout: 30000 });
  assert.equal(await row.getAttribute('data-smime'), 'encrypted');
  assert.equal(await row.getAttribute('data-unread'), 'true');
  await shot('23-mail-inbox');
  // (WebKitWebDriver's visible-text atom skips the ellipsis-truncated flex items: read the DOM.)
  assert.match(await browser.execute((el) => el.textContent, row), new RegExp(subject));
  await row.click();
  const banner = await byTestId('security-banner');
  const bannerText = await waitText(banner, (t) => /signed/i.test(t), 'the message opens with its banner', 20000);
  assert.match(bannerText, /alice@example\.test/);
  assert.match(bannerText, /encrypted/i);
  assert.equal(await banner.getAttribute('data-tone'), 'good');
  assert.match(await (await byTestId('message-body')).getText(), /the door code is 4711/);
  await browser.waitUntil(async () => (await row.getAttribute('data-unread')) === 'false', { timeout: 15000, timeoutMsg: 'marked read' });
  await shot('24-mail-message');

  // Reply: encrypted from the start, the text quoted; send.
  await (await byTestId('reply')).click();
  const encrypt = await browser.$('#compose-encrypt');
  await encrypt.waitForDisplayed({ timeout: 10000 });
  assert.equal(await encrypt.getAttribute('aria-pressed'), 'true');
  assert.equal(await (await browser.$('#compose-to')).getValue(), 'alice@example.test');
  assert.equal(await (await browser.$('#compose-subject')).getValue(), `Re: ${subject}`);
  const chip = await browser.$('[data-testid="recipient-chip"][data-email="alice@example.test"]');
  await chip.waitUntil(async () => (await chip.getAttribute('data-state')) === 'known', { timeout: 10000, timeoutMsg: 'alice has a certificate' });
  const body = await browser.$('#compose-body');
  // Typed at the start, above the quote. WebKitWebDriver's key actions drop spaces and its
  // element send-keys moves the caret to the end, so the text goes in the way a paste does:
  // at the caret, through the editor, with a real input event.
  await browser.execute(() => {
    const el = document.getElementById('compose-body');
    el.focus();
    el.setSelectionRange(0, 0);
    document.execCommand('insertText', false, 'Thanks Alice, noted.');
  });
  assert.match(await body.getValue(), /^Thanks Alice, noted\.\n\nOn .* wrote:\n> Dear Bob,\n> the door code is 4711\./);
  await shot('25-mail-reply');
  await (await byTestId('compose-send')).click();
  const result = await byTestId('send-result');
  await result.waitForDisplayed({ timeout: 30000 });
  assert.match(await result.getText(), /Sent .* to alice@example\.test/);
  assert.match(await result.getText(), /encrypted/);
  await shot('26-mail-sent');

  // alice receives an encrypted reply that decrypts and verifies, threaded to her message.
  let found = null;
  for (let i = 0; i < 50 && !found; i++) {
    alice('--json', 'sync', '--account', 'alice');
    found = JSON.parse(alice('--json', 'list', '--account', 'alice')).find((m) => m.subject === `Re: ${subject}`);
    if (!found) await sleep(300);
  }
  assert.ok(found, 'the reply arrived in alice\'s inbox');
  assert.equal(found.smime, 'encrypted');
  const out = path.join(aliceHome, 'reply.eml');
  const report = JSON.parse(alice('--json', 'read', '--account', 'alice', '--uid', String(found.uid), '--out', out));
  assert.equal(report.encrypted, true);
  assert.equal(report.valid, true, JSON.stringify(report));
  const plain = fs.readFileSync(out, 'utf8');
  assert.match(plain, /Thanks Alice, noted\./);
  assert.match(plain, /> the door code is 4711\./);
  assert.match(plain, new RegExp(`In-Reply-To: ${sent.entry.message_id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

  // New mail shows up by itself: the shell watches the inbox with IDLE and syncs; nobody
  // presses Sync.
  const second = 'One more thing';
  const msg2 = path.join(aliceHome, 'second.eml');
  fs.writeFileSync(msg2, `From: Alice <alice@example.test>\r\nTo: Bob <bob@example.test>\r\nSubject: ${second}\r\n\r\nThe lab closes at six.\r\n`);
  const sent2 = JSON.parse(alice('--json', 'send', '--account', 'alice', '--sign', '--in', msg2));
  assert.equal(sent2.delivered, true, JSON.stringify(sent2));
  await browser.waitUntil(
    async () =>
      browser.execute(
        (s) => [...document.querySelectorAll('[data-testid="message-row"]')].some((r) => r.textContent.includes(s)),
        second,
      ),
    { timeout: 90000, interval: 500, timeoutMsg: 'the new message appeared without a Sync click' },
  );
  await shot('27-mail-new-by-idle');

  // A formatted, encrypted message, saved as a draft first (WebKitGTK's own editing): the
  // draft sits encrypted in Drafts, reopens formatted, and goes out as HTML with a plain part.
  await (await byTestId('mail-compose')).click();
  const to = await browser.$('#compose-to');
  await to.waitForDisplayed({ timeout: 10000 });
  await to.setValue('alice@example.test');
  await (await browser.$('#compose-subject')).setValue('Agenda');
  await (await browser.$('#compose-encrypt')).click();
  await (await byTestId('compose-formatted')).click();
  const rich = await byTestId('compose-body-rich');
  await rich.waitForDisplayed({ timeout: 10000 });
  await browser.execute(() => {
    const el = document.querySelector('[data-testid="compose-body-rich"]');
    el.focus();
    document.execCommand('insertText', false, 'Budget first');
    const range = document.createRange();
    range.selectNodeContents(el);
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  });
  await (await byTestId('format-bold')).click();
  await browser.waitUntil(async () => /<(b|strong)>Budget first<\/(b|strong)>/.test(await browser.execute(() => document.querySelector('[data-testid="compose-body-rich"]').innerHTML)), {
    timeout: 5000,
    timeoutMsg: 'the Bold button made the text bold',
  });
  const agendaChip = await browser.$('[data-testid="recipient-chip"][data-email="alice@example.test"]');
  await agendaChip.waitUntil(async () => (await agendaChip.getAttribute('data-state')) === 'known', { timeout: 10000, timeoutMsg: 'alice has a certificate' });
  await (await byTestId('compose-save-draft')).click();
  const draftNote = await byTestId('draft-note');
  await draftNote.waitForDisplayed({ timeout: 30000 });
  assert.match(await draftNote.getText(), /Draft saved in Drafts .*encrypted so only you can read it/);
  await shot('28-mail-draft-saved');
  await (await byTestId('compose-back')).click();
  const draftsFolder = await browser.$('[data-testid="folder"][data-name="Drafts"]');
  await draftsFolder.waitForDisplayed({ timeout: 20000 });
  await draftsFolder.click();
  const draftRow = await browser.$('[data-testid="message-row"]');
  await draftRow.waitForDisplayed({ timeout: 30000 });
  assert.equal(await draftRow.getAttribute('data-smime'), 'encrypted', 'the draft is stored encrypted');
  await draftRow.click();
  await (await byTestId('edit-draft')).waitForDisplayed({ timeout: 20000 });
  await (await byTestId('edit-draft')).click();
  const reopened = await byTestId('compose-body-rich');
  await reopened.waitForDisplayed({ timeout: 20000 });
  assert.equal(await (await browser.$('#compose-subject')).getValue(), 'Agenda');
  assert.equal(await (await browser.$('#compose-encrypt')).getAttribute('aria-pressed'), 'true');
  assert.match(await browser.execute(() => document.querySelector('[data-testid="compose-body-rich"]').innerHTML), /<(b|strong)>Budget first<\/(b|strong)>/);
  await shot('29-mail-draft-reopened');
  await (await byTestId('compose-send')).click();
  const agendaResult = await byTestId('send-result');
  await agendaResult.waitForDisplayed({ timeout: 30000 });
  assert.match(await agendaResult.getText(), /Sent “Agenda” to alice@example\.test/);
  await browser.waitUntil(async () => (await browser.$$('[data-testid="message-row"]')).length === 0, {
    timeout: 20000,
    timeoutMsg: 'the sent draft left Drafts',
  });
  let agenda = null;
  for (let i = 0; i < 50 && !agenda; i++) {
    alice('--json', 'sync', '--account', 'alice');
    agenda = JSON.parse(alice('--json', 'list', '--account', 'alice')).find((m) => m.subject === 'Agenda');
    if (!agenda) await sleep(300);
  }
  assert.ok(agenda, 'the formatted message arrived');
  const agendaOut = path.join(aliceHome, 'agenda.eml');
  const agendaReport = JSON.parse(alice('--json', 'read', '--account', 'alice', '--uid', String(agenda.uid), '--out', agendaOut));
  assert.equal(agendaReport.encrypted, true);
  assert.equal(agendaReport.valid, true, JSON.stringify(agendaReport));
  // (quoted-printable soft line breaks joined)
  const agendaPlain = fs.readFileSync(agendaOut, 'utf8').replace(/=\r?\n/g, '');
  assert.match(agendaPlain, /multipart\/alternative/);
  assert.match(agendaPlain, /<(b|strong)>Budget first<\/(b|strong)>/);
  assert.doesNotMatch(agendaPlain, /X-Sealpost-Draft/, 'the draft marker never goes out');
  await shot('30-mail-formatted-sent');
});

test('closing the window with an unsaved message asks first; Discard closes the app', async () => {
  const appWindow = () => {
    try {
      return xdotool('search', '--onlyvisible', '--name', '^Sealpost$').split('\n')[0];
    } catch {
      return '';
    }
  };
  // The window manager's close button: a WM_DELETE_WINDOW client message.
  const requestClose = (win) => execFileSync('python3', [path.join(root, 'tests/e2e/close-window.py'), win], { timeout: 20000 });
  const key = async (win, name) => {
    xdotool('windowfocus', '--sync', win);
    xdotool('key', '--clearmodifiers', name);
    await sleep(400);
  };
  await (await browser.$('#nav-mail')).click();
  await (await byTestId('mail-compose')).click();
  const subjectField = await browser.$('#compose-subject');
  await subjectField.waitForDisplayed({ timeout: 10000 });
  await subjectField.setValue('Unfinished thoughts');
  const win = appWindow();
  assert.ok(win, 'the app window is on the display');
  // From here on WebKitWebDriver gives up on the session (the close request ends it for the
  // driver, though the app goes on), so the test answers the question with the keyboard alone.
  requestClose(win);
  await sleep(3000); // the app answers the close request with its question
  assert.ok(appWindow(), 'the window stays: the app asks first');
  // "Keep editing" has the focus: Enter keeps the message and the window.
  await key(win, 'Return');
  await sleep(1000);
  assert.ok(appWindow(), 'keep editing keeps the window');
  // Asked again: Tab to "Discard", Enter; the window closes and the app ends.
  requestClose(win);
  await sleep(3000);
  assert.ok(appWindow(), 'asked again');
  await key(win, 'Tab');
  await key(win, 'Return');
  let gone = false;
  for (let i = 0; i < 50 && !gone; i++) {
    gone = appWindow() === '';
    if (!gone) await sleep(200);
  }
  assert.ok(gone, 'the window closed after Discard');
});
