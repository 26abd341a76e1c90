// Keystore flows: no OS keystore → offer the passphrase file; a locked file store asks for the
// passphrase at start and whenever a command says `keystore-locked`, then retries.
// Needs Chromium at /usr/bin/chromium; see README.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, openApp, close, calls, answerDialogs, shoot, unexpectedErrors } from './harness.mjs';
import { files, fullScenario, alice } from './fixtures.mjs';

before(start);
after(stop);

const text = async (loc) => (await loc.innerText()).replace(/\s+/g, ' ').trim();
const unavailable = { kind: 'os', available: false, unlocked: false, detail: 'no Secret Service on the session bus' };
const lockedFile = { kind: 'file', available: true, unlocked: false, detail: '/home/user/.local/share/sealpost/keys.sealed' };

test('no OS keystore: the app says so and offers a passphrase-protected file (typed twice, 8+ characters)', async () => {
  const page = await openApp({ certs: [], files, keystore: unavailable });
  const setup = page.getByTestId('keystore-setup');
  await setup.waitFor();
  assert.match(await text(setup), /No system keystore is reachable/);
  assert.match(await text(setup), /no Secret Service on the session bus/);
  assert.equal(await text(page.getByTestId('keystore-status')), 'No keystore for private keys');
  assert.equal(await page.getByTestId('first-run').count(), 1, 'first-run help is shown too');

  const use = page.locator('#keystore-use-file');
  assert.equal(await use.isDisabled(), true);
  await page.fill('#keystore-passphrase', 'short');
  assert.equal(await text(page.getByTestId('keystore-setup-error')), 'Use at least 8 characters.');
  await page.fill('#keystore-passphrase', 'correct horse battery');
  await page.fill('#keystore-passphrase-repeat', 'correct horse batter');
  assert.equal(await text(page.getByTestId('keystore-setup-error')), 'The two passphrases are not the same.');
  assert.equal(await use.isDisabled(), true);
  await shoot(page, 'keystore-unavailable');

  await page.fill('#keystore-passphrase-repeat', 'correct horse battery');
  assert.equal(await use.isEnabled(), true);
  await use.click();
  await setup.waitFor({ state: 'detached' });
  assert.deepEqual((await calls(page, 'use_file_keystore')).map((c) => c.args), [{ passphrase: 'correct horse battery' }]);
  assert.equal(await text(page.getByTestId('keystore-status')), 'Keys in a passphrase file (unlocked)');
  assert.equal(await page.getByTestId('keystore-status').getAttribute('data-kind'), 'file');
  assert.deepEqual(page.errors, []);
  await close(page);
});

test('a locked key file asks for the passphrase at start; a wrong one keeps asking', async () => {
  const page = await openApp({ ...fullScenario(), keystore: lockedFile });
  const dialog = page.getByTestId('unlock-dialog');
  await dialog.waitFor();
  assert.equal(await text(page.getByTestId('keystore-status')), 'Keys in a passphrase file (locked) Unlock…');
  await page.fill('#unlock-passphrase', 'tr0ub4dor');
  await page.click('#unlock-confirm');
  await dialog.getByRole('alert').waitFor();
  assert.equal(await text(dialog.getByRole('alert')), 'That passphrase does not open the key file.');
  await page.waitForFunction(() => document.activeElement?.id === 'unlock-passphrase');
  await shoot(page, 'unlock-wrong');
  await page.fill('#unlock-passphrase', 'correct horse battery');
  await page.click('#unlock-confirm');
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await text(page.getByTestId('keystore-status')), 'Keys in a passphrase file (unlocked)');
  assert.deepEqual(
    (await calls(page, 'unlock_keystore')).map((c) => c.args.passphrase),
    ['tr0ub4dor', 'correct horse battery'],
  );
  assert.deepEqual(page.errors, []);
  await close(page);
});

test('a command rejected with keystore-locked asks for the passphrase, then retries', async () => {
  const page = await openApp({ ...fullScenario(), keystore: lockedFile });
  const unlock = page.getByTestId('unlock-dialog');
  await unlock.waitFor();
  await page.getByRole('button', { name: 'Not now' }).click();
  await unlock.waitFor({ state: 'detached' });

  // Opening an encrypted message needs the key: asked for the passphrase, then it opens.
  await page.click('#nav-messages');
  await answerDialogs(page, ['/home/user/signed-encrypted.eml']);
  await page.click('#open-message');
  await unlock.waitFor();
  await page.fill('#unlock-passphrase', 'correct horse battery');
  await page.keyboard.press('Enter');
  await page.getByTestId('security-banner').waitFor();
  assert.equal((await calls(page, 'open_message')).length, 2, 'the command was retried after unlocking');
  assert.deepEqual(unexpectedErrors(page), []);
  await close(page);
});

test('cancelling the passphrase prompt reports the locked store in plain words', async () => {
  const page = await openApp({ certs: [], files, keystore: lockedFile });
  const unlock = page.getByTestId('unlock-dialog');
  await unlock.waitFor();
  await page.keyboard.press('Escape');
  await unlock.waitFor({ state: 'detached' });
  await answerDialogs(page, ['/home/user/alice.p12']);
  await page.click('#import-button');
  await page.fill('#import-password', 'secret');
  await page.click('#import-password-confirm');
  await unlock.waitFor();
  await page.getByRole('button', { name: 'Not now' }).click();
  const err = page.getByTestId('import-password-error');
  await err.waitFor();
  assert.equal(await text(err), 'alice.p12 could not be imported: The key file is locked.');

  // Trying again and unlocking this time imports the identity.
  await page.click('#import-password-confirm');
  await unlock.waitFor();
  await page.fill('#unlock-passphrase', 'correct horse battery');
  await page.click('#unlock-confirm');
  await page.getByTestId('import-password-dialog').waitFor({ state: 'detached' });
  await page.locator(`[data-testid="cert-list-identity"] [data-fingerprint="${alice.fingerprint}"]`).waitFor();
  assert.deepEqual(page.errors, []);
  await close(page);
});
