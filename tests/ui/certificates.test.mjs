// Certificates screen: first run, import (button and drop), details, trust, delete.
// Needs Chromium at /usr/bin/chromium; see README.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, openApp, close, calls, answerDialogs, emitEvent, shoot } from './harness.mjs';
import { alice, bob, ca, dave, chains, files, fullScenario } from './fixtures.mjs';

before(start);
after(stop);

const text = async (loc) => (await loc.innerText()).replace(/\s+/g, ' ').trim();

test('first run explains what a certificate is for and offers Import', async () => {
  const page = await openApp({ certs: [], files });
  const intro = page.getByTestId('first-run');
  await intro.waitFor();
  const words = await text(intro);
  assert.match(words, /proves to the people you write to that a message really comes from your address/);
  assert.match(words, /Import the identity file \(\.p12 or \.pfx\)/);
  assert.equal(await intro.getByRole('button', { name: /Import identity/ }).count(), 1);
  assert.equal(await page.locator('#import-button').isEnabled(), true);
  assert.match(await text(page.getByTestId('keystore-status')), /OS keystore/);
  assert.equal(await page.locator('#nav-certificates').getAttribute('aria-current'), 'page');
  await shoot(page, 'certificates-first-run');
  assert.deepEqual(page.errors, []);
  await close(page);
});

test('Import button → .p12 → wrong password keeps the dialog open → right password imports', async () => {
  const page = await openApp({ certs: [], files });
  await answerDialogs(page, ['/home/user/alice.p12']);
  await page.click('#import-button');

  const dialog = page.getByTestId('import-password-dialog');
  await dialog.waitFor();
  assert.equal(await dialog.evaluate((d) => d.open && d.matches(':modal')), true, 'a real modal <dialog>');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'import-password', 'focus moves into the dialog');

  await page.fill('#import-password', 'hunter2');
  await page.click('#import-password-confirm');
  const error = page.getByTestId('import-password-error');
  await error.waitFor();
  assert.equal(await text(error), 'The password for alice.p12 is not right.');
  assert.equal(await dialog.evaluate((d) => d.open), true, 'the dialog stays open');
  assert.equal(await page.inputValue('#import-password'), '', 'the wrong password is cleared');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'import-password', 'focus is back in the field');
  await shoot(page, 'import-wrong-password');

  await page.fill('#import-password', 'secret');
  await page.click('#import-password-confirm');
  await dialog.waitFor({ state: 'detached' });

  const result = page.getByTestId('import-result');
  await result.waitFor();
  const summary = await text(result);
  assert.match(summary, /Imported 1 certificate/);
  assert.match(summary, /Alice Example/);
  assert.match(summary, /You can sign mail with it and receive encrypted mail/);
  const row = page.locator(`[data-testid="cert-list-identity"] [data-fingerprint="${alice.fingerprint}"]`);
  await row.waitFor();
  assert.equal(await page.getByTestId('first-run').count(), 0, 'the first-run card goes once there is an identity');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'import-button', 'focus returns to the Import button');

  const imports = await calls(page, 'import_files');
  assert.deepEqual(
    imports.map((c) => c.args),
    [
      { paths: ['/home/user/alice.p12'], password: 'hunter2' },
      { paths: ['/home/user/alice.p12'], password: 'secret' },
    ],
  );
  const opens = await calls(page, 'choose_files');
  assert.equal(opens.length, 1);
  assert.deepEqual(opens[0].args.options.filters[0].extensions, ['p12', 'pfx', 'pem', 'cer', 'crt', 'der', 'p7b', 'p7c', 'crl']);
  await shoot(page, 'import-result');
  assert.deepEqual(page.errors, []);
  await close(page);
});

test('dropping files: certificates import directly, a .p12 asks for its password, Escape skips it', async () => {
  const page = await openApp({ certs: [], files });
  await emitEvent(page, 'tauri://drag-enter', { paths: ['/home/user/bob.cer'], position: { x: 300, y: 300 } });
  await page.getByTestId('drop-overlay').waitFor();
  await shoot(page, 'drop-overlay');
  await emitEvent(page, 'tauri://drag-drop', { paths: ['/home/user/bob.cer', '/home/user/alice.p12'], position: { x: 300, y: 300 } });
  await page.getByTestId('drop-overlay').waitFor({ state: 'detached' });

  const dialog = page.getByTestId('import-password-dialog');
  await dialog.waitFor();
  assert.match(await text(dialog), /alice\.p12/);
  const row = page.locator(`[data-testid="cert-list-person"] [data-fingerprint="${bob.fingerprint}"]`);
  await row.waitFor();
  assert.match(await text(page.getByTestId('import-result')), /Bob Builder.*You can encrypt mail to this person and check their signatures/);

  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.deepEqual(
    (await calls(page, 'import_files')).map((c) => c.args),
    [{ paths: ['/home/user/bob.cer'], password: null }],
    'the .p12 was not imported without a password',
  );

  // A file that is neither a certificate nor a message is refused with plain words.
  await emitEvent(page, 'tauri://drag-drop', { paths: ['/home/user/notes.docx'], position: { x: 1, y: 1 } });
  const err = page.getByTestId('import-error');
  await err.waitFor();
  assert.match(await text(err), /notes\.docx: not a certificate, identity or message file/);
  assert.deepEqual(page.errors, []);
  await close(page);
});

test('certificate details show everything the issue lists', async () => {
  const page = await openApp(fullScenario());
  await page.locator(`[data-fingerprint="${bob.fingerprint}"] .open-details`).click();
  const details = page.getByTestId('cert-details');
  await details.getByRole('heading', { level: 1, name: 'Bob Builder' }).waitFor();
  const all = await text(details);
  assert.match(all, /bob@example\.test/);
  assert.match(await text(page.getByTestId('validity')), /Expires in 2[01] days/);
  assert.equal(await text(page.getByTestId('key-type')), 'ECDSA P-256');
  assert.match(all, /Digital signature, Key agreement/);
  assert.match(all, /Email protection/);
  assert.equal(await text(page.getByTestId('fingerprint-sha256')), Array(32).fill('BB').join(':'));
  assert.equal(await text(page.getByTestId('fingerprint-sha1')), Array(20).fill('BB').join(':'));
  assert.equal(await text(page.getByTestId('can-sign')), 'Can sign');
  assert.equal(await text(page.getByTestId('can-encrypt')), 'Can encrypt');
  assert.match(await text(page.getByTestId('issuer-chain')), /Bob Builder this certificate Example Test CA authority/);
  assert.match(await text(page.getByTestId('trust-text')), /No trusted authority vouches/);
  await shoot(page, 'details-person');

  await page.getByTestId('details-back').click();
  await page.locator(`[data-fingerprint="${dave.fingerprint}"] .open-details`).click();
  await details.getByRole('heading', { level: 1, name: 'Dave Signonly' }).waitFor();
  assert.match(await text(page.getByTestId('validity')), /Expired [34] days ago/);
  assert.equal(await text(page.getByTestId('can-encrypt')), 'Cannot encrypt: the key usage does not allow encryption');
  await shoot(page, 'details-expired');
  assert.deepEqual(page.errors, []);
  await close(page);
});

test('trusting an authority asks first, explains what it means, and updates the status', async () => {
  const page = await openApp(fullScenario());
  await page.locator(`[data-fingerprint="${ca.fingerprint}"] .open-details`).click();
  await page.getByTestId('trust-button').click();
  const dialog = page.getByTestId('trust-dialog');
  await dialog.waitFor();
  assert.match(await text(dialog), /Signatures from people whose certificates this authority issued will then be shown as valid/);
  await shoot(page, 'trust-confirm');

  // Focus stays inside the modal dialog when tabbing past its last control.
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => !!document.activeElement?.closest('dialog[open]')), true, 'focus is trapped');
  }
  // Escape cancels, and focus returns to the button that opened the dialog.
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'trust-button');
  assert.equal((await calls(page, 'trust_certificate')).length, 0);

  await page.getByTestId('trust-button').click();
  await page.getByTestId('trust-dialog-confirm').click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await text(page.getByTestId('trust-status')), 'Trusted authority');
  assert.equal(await page.getByTestId('trust-button').count(), 0);
  assert.deepEqual((await calls(page, 'trust_certificate')).map((c) => c.args), [{ fingerprint: ca.fingerprint }]);

  // A trusted authority can be un-trusted again, after a confirmation.
  await page.getByTestId('untrust-button').click();
  const untrust = page.getByTestId('untrust-dialog');
  await untrust.waitFor();
  assert.match(await text(untrust), /will no longer be shown as valid/);
  await shoot(page, 'untrust-confirm');
  await page.getByTestId('untrust-dialog-confirm').click();
  await untrust.waitFor({ state: 'detached' });
  assert.deepEqual((await calls(page, 'untrust_certificate')).map((c) => c.args), [{ fingerprint: ca.fingerprint }]);
  assert.equal(await page.getByTestId('untrust-button').count(), 0);
  await page.getByTestId('trust-button').waitFor();
  assert.match(await text(page.getByTestId('details-notice')), /no longer trust this authority/);
  assert.deepEqual(page.errors, []);
  await close(page);
});

test('an authority under a trusted root shows the same trusted status in the list as in its details', async () => {
  const root = { ...ca, trusted: true, trusted_path: true };
  const intermediate = { ...ca, fingerprint: 'd'.repeat(64), subject: 'CN=Example Mail CA', common_name: 'Example Mail CA', issuer: ca.subject, serial: '2000', trusted: false, trusted_path: true };
  const stranger = { ...ca, fingerprint: 'e'.repeat(64), subject: 'CN=Stranger CA', common_name: 'Stranger CA', issuer: 'CN=Stranger CA', serial: '3000', trusted: false, trusted_path: false };
  const page = await openApp({ ...fullScenario(), certs: [alice, bob, root, intermediate, stranger, dave] });
  const badge = (fp) => page.locator(`[data-fingerprint="${fp}"] [data-testid="cert-trust-badge"]`);
  await badge(intermediate.fingerprint).waitFor();
  assert.equal(await text(badge(root.fingerprint)), 'Trusted');
  assert.equal(await text(badge(intermediate.fingerprint)), 'Trusted through its root');
  assert.match(await badge(intermediate.fingerprint).getAttribute('class'), /good/);
  assert.equal(await text(badge(stranger.fingerprint)), 'Not trusted');
  assert.doesNotMatch(await badge(stranger.fingerprint).getAttribute('class'), /good/);
  await close(page);
});

test('deleting an identity warns that mail encrypted to it becomes unreadable', async () => {
  const page = await openApp(fullScenario());
  await page.locator(`[data-fingerprint="${alice.fingerprint}"] .open-details`).click();
  await page.getByTestId('delete-button').click();
  const dialog = page.getByTestId('delete-dialog');
  await dialog.waitFor();
  assert.match(await text(page.getByTestId('delete-identity-warning')), /Mail that was encrypted to alice@example\.test will become unreadable/);
  assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), 'Cancel', 'the safe choice has focus');
  await shoot(page, 'delete-identity-confirm');
  await page.getByTestId('delete-dialog-confirm').click();
  await page.getByRole('heading', { level: 1, name: 'Certificates' }).waitFor();
  assert.equal(await page.locator(`[data-fingerprint="${alice.fingerprint}"]`).count(), 0);
  assert.deepEqual((await calls(page, 'delete_certificate')).map((c) => c.args), [{ fingerprint: alice.fingerprint }]);
  await shoot(page, 'certificates-list');
  assert.deepEqual(page.errors, []);
  await close(page);
});

test('export: public formats through the save dialog, identity .p12 with a password typed twice', async () => {
  const page = await openApp({ certs: [alice, ca], chains });
  await page.locator(`[data-fingerprint="${alice.fingerprint}"] .open-details`).click();
  await page.getByTestId('export-button').click();
  const dialog = page.getByTestId('export-dialog');
  await dialog.waitFor();
  await answerDialogs(page, '/tmp/alice.cer');
  await page.getByTestId('export-confirm').click();
  await page.getByTestId('export-done').waitFor();
  const save = (await calls(page, 'choose_save_path'))[0].args.options;
  assert.equal(save.defaultPath, 'alice@example.test.cer');

  await page.getByTestId('export-format-p12').check();
  await page.fill('#export-password', 'new-password-1');
  await page.fill('#export-password-repeat', 'new-password-2');
  assert.equal(await page.getByTestId('export-confirm').isDisabled(), true, 'passwords differ');
  await shoot(page, 'export-p12');
  await page.fill('#export-password-repeat', 'new-password-1');
  await answerDialogs(page, '/tmp/alice.p12');
  await page.getByTestId('export-confirm').click();
  await page.getByText('Exported to /tmp/alice.p12.').waitFor();
  assert.deepEqual(
    (await calls(page, 'export_certificate')).map((c) => c.args),
    [
      { fingerprint: alice.fingerprint, format: 'der', path: '/tmp/alice.cer', password: null },
      { fingerprint: alice.fingerprint, format: 'p12', path: '/tmp/alice.p12', password: 'new-password-1' },
    ],
  );
  assert.deepEqual(page.errors, []);
  await close(page);
});

test('everything is reachable by keyboard, with a visible focus ring', async () => {
  const page = await openApp(fullScenario());
  await page.locator('[data-testid="cert-row"]').first().waitFor();
  const seen = [];
  // The eight controls of this screen, in reading order.
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press('Tab');
    seen.push(
      await page.evaluate(() => {
        const el = document.activeElement;
        const s = getComputedStyle(el);
        return { id: el.id || el.textContent.trim(), outline: s.outlineStyle !== 'none' && s.outlineWidth !== '0px' };
      }),
    );
  }
  assert.deepEqual(seen.slice(0, 5).map((s) => s.id), ['nav-certificates', 'nav-messages', 'nav-mail', 'import-button', 'Alice Example']);
  assert.ok(seen.every((s) => s.outline), 'every focused control shows an outline: ' + JSON.stringify(seen));
  assert.ok(seen.some((s) => s.id === 'Bob Builder'), 'certificate rows are reachable');
  await shoot(page, 'keyboard-focus');
  // Enter on a row opens its details; Back returns focus to that row.
  while ((await page.evaluate(() => document.activeElement.textContent.trim())) !== 'Bob Builder') await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Bob Builder' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.tagName), 'H1', 'focus moves to the details heading');
  await page.getByTestId('details-back').click();
  await page.getByRole('heading', { level: 1, name: 'Certificates' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.textContent.trim()), 'Bob Builder');
  assert.deepEqual(page.errors, []);
  await close(page);
});

test('window sizes: at 900×600 no Use badge is cut off; at 1600×1000 the screens use the width, centred', async () => {
  const page = await openApp(fullScenario());
  await page.setViewportSize({ width: 900, height: 600 });
  await page.locator('[data-testid="cert-use"]').first().waitFor();
  // Every badge of the Use column lies inside its cell, and the cell inside the table.
  const cut = await page.locator('[data-testid="cert-use"]').evaluateAll((cells) =>
    cells.flatMap((td) => {
      const cell = td.getBoundingClientRect();
      const wrap = td.closest('.table-wrap').getBoundingClientRect();
      return [...td.querySelectorAll('.badge')]
        .filter((b) => b.getBoundingClientRect().right > Math.min(cell.right, wrap.right) + 0.5)
        .map((b) => b.textContent.trim());
    }),
  );
  assert.deepEqual(cut, []);
  assert.equal(await page.locator('[data-testid="cert-use"]').first().innerText(), 'Sign\nEncrypt');
  await shoot(page, 'certificates-900x600');

  await page.setViewportSize({ width: 1600, height: 1000 });
  const span = (sel) =>
    page.evaluate((s) => {
      const main = document.querySelector('main').getBoundingClientRect();
      const r = document.querySelector(s).getBoundingClientRect();
      return { width: r.width, left: r.left - main.left, right: main.right - r.right, main: main.width };
    }, sel);
  const certs = await span('.page');
  assert.ok(certs.width > 1300, `the certificate list uses the width (${certs.width}px of ${certs.main}px)`);
  assert.ok(Math.abs(certs.left - certs.right) <= 16, `centred (${certs.left} / ${certs.right})`);
  await shoot(page, 'certificates-1600x1000');

  await page.click('#nav-messages');
  await answerDialogs(page, ['/home/user/signed-encrypted.eml']);
  await page.click('#open-message');
  await page.getByTestId('security-banner').waitFor();
  const messages = await span('.page');
  assert.ok(messages.width > 1200, `the message uses the width (${messages.width}px)`);
  assert.ok(Math.abs(messages.left - messages.right) <= 16, `centred (${messages.left} / ${messages.right})`);
  await shoot(page, 'message-1600x1000');
  await close(page);
});
