// Certificate lifecycle screens: a new organisation CA, issuing a user certificate to a .p12,
// revoking it, publishing a CRL, the self-test, and the expiry warnings of own identities.
// Needs Chromium at /usr/bin/chromium; see README.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, openApp, close, calls, answerDialogs, shoot } from './harness.mjs';
import { alice, bob, ca, chains } from './fixtures.mjs';

before(start);
after(stop);

const text = async (loc) => (await loc.innerText()).replace(/\s+/g, ' ').trim();
const inDays = (d) => new Date(Date.now() + d * 86400000).toISOString();

test('New organisation CA: the form explains itself, refuses bad input and opens the new CA', async () => {
  const page = await openApp({ certs: [alice], chains: {} });
  const authorities = page.getByTestId('cert-list-authority');
  await authorities.getByRole('button', { name: 'New organisation CA…' }).click();
  const dialog = page.getByTestId('new-ca-dialog');
  await dialog.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'ca-name', 'focus starts in the name field');
  assert.match(await text(dialog), /Its private key stays in this computer’s keystore/);
  const confirm = page.getByTestId('new-ca-confirm');
  assert.equal(await confirm.isDisabled(), true, 'no name yet');
  await page.getByLabel('Name').fill('Example Ltd Mail CA');
  await page.getByLabel('Valid for (days)').fill('9000');
  assert.match(await text(page.getByTestId('new-ca-problem')), /at most 7300 days/);
  assert.equal(await confirm.isDisabled(), true);
  await page.getByLabel('Valid for (days)').fill('3650');
  await page.getByLabel('RSA 4096').check();
  await shoot(page, 'new-ca-dialog');
  await confirm.click();
  await dialog.waitFor({ state: 'detached' });
  const details = page.getByTestId('cert-details');
  await details.getByRole('heading', { level: 1, name: 'Example Ltd Mail CA' }).waitFor();
  assert.deepEqual((await calls(page, 'create_ca')).map((c) => c.args), [{ name: 'Example Ltd Mail CA', key: 'rsa4096', days: 3650 }]);
  // A CA of this home: it can issue and publish, and nothing was issued yet.
  assert.equal(await page.getByTestId('issue-button').count(), 1);
  assert.equal(await page.getByTestId('crl-button').count(), 1);
  assert.match(await text(page.getByTestId('issued-list')), /None yet/);
  assert.equal(await text(page.getByTestId('trust-status')), 'Trusted authority');
  assert.deepEqual(page.errors, []);
  await close(page);
});

test('a CA whose key is not held offers neither issuing nor a CRL', async () => {
  const page = await openApp({ certs: [alice, ca], chains });
  await page.locator(`[data-fingerprint="${ca.fingerprint}"] .open-details`).click();
  await page.getByTestId('cert-details').getByRole('heading', { level: 1, name: 'Example Test CA' }).waitFor();
  assert.equal(await page.getByTestId('issue-button').count(), 0);
  assert.equal(await page.getByTestId('crl-button').count(), 0);
  assert.equal(await page.getByTestId('issued-list').count(), 0);
  assert.deepEqual(page.errors, []);
  await close(page);
});

test('issue a certificate to a .p12, revoke it with a reason, publish the CRL', async () => {
  const page = await openApp({ certs: [alice, ca], chains, caKeys: [ca.fingerprint] });
  await page.locator(`[data-fingerprint="${ca.fingerprint}"] .open-details`).click();
  await page.getByTestId('issue-button').click();
  const dialog = page.getByTestId('issue-dialog');
  await dialog.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'issue-emails');
  await page.getByLabel('E-mail addresses').fill('ivy@example.test, ivy.b@example');
  await page.getByLabel('Password for the file').fill('p12-secret');
  const problem = page.getByTestId('issue-problem');
  assert.match(await text(problem), /“ivy\.b@example” is not an e-mail address/);
  await page.getByLabel('E-mail addresses').fill('ivy@example.test, ivy.b@example.test');
  await page.getByLabel('Name in the identity file (optional)').fill('Ivy Example');
  await page.getByLabel('Key type').selectOption('p256');
  await page.getByLabel(/Valid for \(days, at most 825\)/).fill('900');
  assert.match(await text(problem), /at most 825 days/);
  await page.getByLabel(/Valid for \(days, at most 825\)/).fill('730');
  await page.getByLabel('Type it again').fill('p12-secreT');
  assert.match(await text(problem), /not the same/);
  assert.equal(await page.getByTestId('issue-confirm').isDisabled(), true);
  await page.getByLabel('Type it again').fill('p12-secret');
  await shoot(page, 'issue-dialog');

  // Cancelling the save dialog issues nothing.
  await answerDialogs(page, null);
  await page.getByTestId('issue-confirm').click();
  await page.waitForFunction(() => window.__calls.some((c) => c.cmd === 'choose_save_path'));
  assert.equal((await calls(page, 'issue_certificate')).length, 0);

  await answerDialogs(page, '/home/user/ivy.p12');
  await page.getByTestId('issue-confirm').click();
  const done = page.getByTestId('issue-done');
  await done.waitFor();
  assert.match(await text(done), /Issued a certificate for ivy@example\.test, ivy\.b@example\.test .* saved it with its private key to \/home\/user\/ivy\.p12/);
  const saves = await calls(page, 'choose_save_path');
  assert.equal(saves[1].args.options.defaultPath, 'ivy@example.test.p12');
  assert.equal(saves[1].args.options.title, 'Save identity file');
  assert.deepEqual((await calls(page, 'issue_certificate')).map((c) => c.args), [
    {
      ca: ca.fingerprint,
      emails: ['ivy@example.test', 'ivy.b@example.test'],
      name: 'Ivy Example',
      key: 'p256',
      days: 730,
      password: 'p12-secret',
      path: '/home/user/ivy.p12',
    },
  ]);
  await shoot(page, 'issue-done');
  await page.getByTestId('issue-close').click();
  await dialog.waitFor({ state: 'detached' });

  // The CA lists what it issued; revoke it from there.
  const entry = page.getByTestId('issued-entry');
  await entry.waitFor();
  assert.match(await text(entry), /ivy@example\.test, ivy\.b@example\.test · serial 5e/);
  assert.equal(await entry.getAttribute('data-revoked'), 'false');
  await entry.getByRole('button', { name: /Revoke the certificate of ivy@example\.test/ }).click();
  const revoke = page.getByTestId('revoke-dialog');
  await revoke.waitFor();
  assert.match(await text(revoke), /can never be used again/);
  assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), 'Cancel', 'the safe choice has focus');
  await page.getByLabel(/The private key was lost or stolen/).check();
  await shoot(page, 'revoke-dialog');
  await page.getByTestId('revoke-confirm').click();
  await revoke.waitFor({ state: 'detached' });
  await page.waitForSelector('[data-testid="issued-entry"][data-revoked="true"]');
  assert.match(await text(entry), /Revoked .* the private key was lost or stolen/);
  assert.match(await text(page.getByTestId('details-notice')), /Publish a new revocation list/);
  const issuedFp = (await calls(page, 'revoke_certificate'))[0].args.fingerprint;
  assert.deepEqual((await calls(page, 'revoke_certificate')).map((c) => c.args), [{ fingerprint: issuedFp, reason: 'key-compromise' }]);

  // Publish the CRL.
  await page.getByTestId('crl-button').click();
  const crl = page.getByTestId('crl-dialog');
  await crl.waitFor();
  await page.getByLabel(/Current for/).fill('5');
  await answerDialogs(page, '/home/user/example-ca.crl');
  await page.getByTestId('crl-confirm').click();
  const crlDone = page.getByTestId('crl-done');
  await crlDone.waitFor();
  assert.match(await text(crlDone), /Saved CRL number 1 to \/home\/user\/example-ca\.crl: it lists 1 revoked certificate/);
  assert.deepEqual((await calls(page, 'publish_crl')).map((c) => c.args), [{ ca: ca.fingerprint, days: 5, path: '/home/user/example-ca.crl' }]);
  assert.equal((await calls(page, 'choose_save_path')).at(-1).args.options.defaultPath, 'Example_Test_CA.crl');
  await shoot(page, 'crl-done');
  await page.keyboard.press('Escape');
  await crl.waitFor({ state: 'detached' });

  // The revoked certificate's own details say so and offer no second revocation.
  await entry.getByRole('button', { name: 'ivy@example.test' }).click();
  await page.getByTestId('cert-details').getByRole('heading', { level: 1, name: 'ivy@example.test' }).waitFor();
  assert.match(await text(page.getByTestId('revoked-notice')), /Revoked by your authority on .* \(the private key was lost or stolen\)/);
  assert.equal(await page.getByTestId('revoke-button').count(), 0);
  await shoot(page, 'details-revoked');
  assert.deepEqual(page.errors, []);
  await close(page);
});

test('Test runs the self-test of an identity and lists each check in plain words', async () => {
  const soon = { ...alice, not_after: inDays(10) };
  const page = await openApp({ certs: [soon, bob, ca], chains });
  await page.locator(`[data-fingerprint="${alice.fingerprint}"] .open-details`).click();
  await page.getByTestId('cert-details').getByRole('heading', { level: 1, name: 'Alice Example' }).waitFor();
  assert.match(await text(page.getByTestId('renew-hint')), /Renew it soon/);
  await page.getByRole('button', { name: 'Test' }).click();
  const panel = page.getByTestId('self-test');
  await panel.waitFor();
  assert.equal(await panel.getAttribute('data-usable'), 'true');
  assert.match(await text(page.getByTestId('self-test-verdict')), /Everything works: you can sign mail and receive encrypted mail/);
  const lines = await page.getByTestId('self-test-line').evaluateAll((els) => els.map((e) => [e.dataset.item, e.dataset.level, e.innerText.replace(/\s+/g, ' ').trim()]));
  assert.deepEqual(lines.map((l) => l[0]), ['chain', 'revocation', 'validity', 'addresses', 'private-key', 'signing', 'encryption']);
  const validity = lines.find((l) => l[0] === 'validity');
  assert.equal(validity[1], 'warning');
  assert.match(validity[2], /^Warning: Validity Expires in (9|10) days \(on [A-Z][a-z]{2} \d{1,2}, \d{4}\): renew it now$/, 'the date as every screen shows it, not ISO');
  assert.deepEqual((await calls(page, 'check_certificate')).map((c) => c.args), [{ fingerprint: alice.fingerprint }]);
  await shoot(page, 'self-test');
  assert.deepEqual(page.errors, []);
  await close(page);
});

test('a failing self-test says so first', async () => {
  const check = {
    fingerprint: bob.fingerprint, subject: bob.subject, kind: 'person', emails: bob.emails, usable: false, can_sign: false,
    can_encrypt: false, trusted_path: false, chain: [], revoked: false, has_private_key: false, days_left: 20, expiry_warning: 30,
    lines: [{ item: 'chain', level: 'problem', text: 'Not trusted: no trusted authority issued this certificate' }],
  };
  const page = await openApp({ certs: [alice, bob, ca], chains, checks: { [bob.fingerprint]: check } });
  await page.locator(`[data-fingerprint="${bob.fingerprint}"] .open-details`).click();
  await page.getByTestId('test-button').click();
  await page.getByTestId('self-test').waitFor();
  assert.equal(await page.getByTestId('self-test').getAttribute('data-usable'), 'false');
  assert.match(await text(page.getByTestId('self-test-verdict')), /cannot be used now/);
  assert.match(await text(page.getByTestId('self-test-line')), /Problem: Chain|Problem: Issuer chain Not trusted: no trusted authority/);
  assert.deepEqual(page.errors, []);
  await close(page);
});

test('own identities expiring within 30 days warn on the Certificates screen until dismissed', async () => {
  const soon = { ...alice, not_after: inDays(10) };
  const page = await openApp({ certs: [soon, bob, ca], chains });
  const warning = page.getByTestId('expiry-warning');
  await warning.waitFor();
  assert.equal(await warning.count(), 1, 'people’s certificates do not warn here (bob expires in 21 days)');
  assert.equal(await warning.getAttribute('data-threshold'), '14');
  assert.match(await text(warning), /Your certificate for alice@example\.test expires in (9|10) days\. Ask your certificate authority for a new one/);
  await shoot(page, 'expiry-warning');
  // "Show certificate" opens it.
  await warning.getByRole('button', { name: 'Show certificate' }).click();
  await page.getByTestId('cert-details').getByRole('heading', { level: 1, name: 'Alice Example' }).waitFor();
  await page.getByTestId('details-back').click();
  // Dismiss: gone, and still gone after a restart of the page.
  await page.getByRole('button', { name: 'Dismiss the warning about alice@example.test' }).click();
  await warning.waitFor({ state: 'detached' });
  await page.reload();
  await page.waitForSelector('[data-testid="keystore-status"][data-kind]');
  await page.locator('[data-testid="cert-row"]').first().waitFor();
  assert.equal(await page.getByTestId('expiry-warning').count(), 0);
  // The next threshold warns again: the same certificate, now 5 days before its end (the list
  // asks for the status each time it is shown).
  await page.evaluate((na) => {
    window.__fakeState.certs.find((c) => c.kind === 'identity').not_after = na;
  }, inDays(5));
  await page.getByRole('button', { name: 'Alice Example' }).click();
  await page.getByTestId('details-back').click();
  await page.waitForSelector('[data-testid="expiry-warning"][data-threshold="7"]');
  assert.match(await text(page.getByTestId('expiry-warning')), /expires in [45] days/);
  assert.deepEqual(page.errors, []);
  await close(page);
});

const bobChange = {
  email: 'bob@example.test',
  key_changed: true,
  issuer_changed: false,
  accepted_fingerprint: '7'.repeat(64),
  accepted_issuer: 'CN=Example Test CA, O=Example',
  accepted_at: '2026-03-01T09:00:00Z',
  new_fingerprint: bob.fingerprint,
  new_issuer: 'CN=Example Test CA, O=Example',
  text: 'The certificate of bob@example.test changed: another key than the one accepted for this address. Make sure it is really theirs (ask them, compare fingerprints) before you accept it.',
};

const fromBob = {
  view: {
    id: 21,
    report: {
      encrypted: false,
      signed: true,
      valid: true,
      layers: [
        {
          type: 'signed',
          form: 'multipart-signed',
          signatures: [{ status: 'valid', reason: '', emails: ['bob@example.test'], fingerprint: bob.fingerprint, algorithm: 'ECDSA P-256 SHA-256', signing_time: null }],
        },
      ],
      cert_changes: [bobChange],
    },
    headers: { from: 'Bob Builder <bob@example.test>', to: 'alice@example.test', cc: '', subject: 'New laptop', date: '', message_id: '' },
    text: 'I have a new laptop and a new certificate.',
    html: null,
    attachments: [],
  },
};

test('a correspondent’s certificate change: compose chip, message banner and details say so until accepted', async () => {
  const page = await openApp({ certs: [alice, bob, ca], chains, changes: [bobChange], messages: { '/home/user/from-bob.eml': fromBob } });

  // Opening a message from bob: the banner carries the alert.
  await page.click('#nav-messages');
  await answerDialogs(page, ['/home/user/from-bob.eml']);
  await page.click('#open-message');
  const banner = page.getByTestId('security-banner');
  await banner.waitFor();
  const alert = banner.getByTestId('cert-change');
  await alert.waitFor();
  assert.match(await text(alert), /The certificate of bob@example\.test changed: another key .* Accepted 77:77:.* New BB:BB:/);
  assert.equal(await banner.getAttribute('data-tone'), 'good', 'the signature itself is still valid');
  await shoot(page, 'cert-change-message');

  // Composing to bob: the chip is marked and the same alert is shown; encryption is not blocked.
  await page.click('#tab-compose');
  await page.locator('#compose-from').waitFor();
  await page.fill('#compose-to', 'bob@example.test');
  const chip = page.locator('[data-testid="recipient-chip"][data-email="bob@example.test"]');
  await page.waitForSelector('[data-testid="recipient-chip"][data-email="bob@example.test"][data-state="changed"]');
  assert.match(await text(chip), /certificate changed/);
  assert.match(await chip.getAttribute('title'), /another key/);
  const composeAlert = page.getByTestId('cert-change');
  assert.match(await text(composeAlert), /The certificate of bob@example\.test changed/);
  if ((await page.locator('#compose-encrypt').getAttribute('aria-pressed')) !== 'true') await page.click('#compose-encrypt');
  assert.equal(await page.getByTestId('encrypt-blocked').count(), 0);
  await shoot(page, 'cert-change-compose');

  // Accept: the alert goes, the chip is a known certificate again.
  await page.getByRole('button', { name: 'Accept the new certificate of bob@example.test' }).click();
  await composeAlert.waitFor({ state: 'detached' });
  await page.waitForSelector('[data-testid="recipient-chip"][data-email="bob@example.test"][data-state="known"]');
  assert.deepEqual((await calls(page, 'accept_certificate')).map((c) => c.args), [{ fingerprint: bob.fingerprint }]);

  // And bob's details no longer show it.
  await page.click('#nav-certificates');
  await page.locator(`[data-fingerprint="${bob.fingerprint}"] .open-details`).click();
  await page.getByTestId('cert-details').getByRole('heading', { level: 1, name: 'Bob Builder' }).waitFor();
  assert.equal(await page.getByTestId('cert-change').count(), 0);
  assert.deepEqual(page.errors, []);
  await close(page);
});

test('the details of a changed certificate offer to accept it', async () => {
  const page = await openApp({ certs: [alice, bob, ca], chains, changes: [bobChange] });
  await page.locator(`[data-fingerprint="${bob.fingerprint}"] .open-details`).click();
  const alert = page.getByTestId('cert-change');
  await alert.waitFor();
  assert.match(await text(alert), /another key/);
  await shoot(page, 'cert-change-details');
  await alert.getByRole('button', { name: /Accept the new certificate/ }).click();
  await alert.waitFor({ state: 'detached' });
  assert.equal((await calls(page, 'accept_certificate')).length, 1);
  assert.equal((await calls(page, 'certificate_details')).length, 2, 'the details are read again');
  assert.deepEqual(page.errors, []);
  await close(page);
});

test('an identity’s details list the other certificates of its mailbox, whose keys are kept', async () => {
  const earlier = { ...alice, fingerprint: '5'.repeat(64), serial: '1a', not_before: inDays(-400), not_after: inDays(-35) };
  const page = await openApp({ certs: [alice, earlier, bob, ca], chains });
  await page.locator(`[data-testid="cert-list-identity"] [data-fingerprint="${alice.fingerprint}"] .open-details`).click();
  const history = page.getByTestId('cert-history');
  await history.waitFor();
  assert.match(await text(history), /Certificate history Other certificates for alice@example\.test, newest first\./i);
  assert.match(await text(history), /Earlier private keys are kept, so mail encrypted to older certificates still opens/);
  const entry = page.getByTestId('history-entry');
  assert.equal(await entry.count(), 1);
  assert.match(await text(entry), /Earlier certificate, valid .* 55:55:55.* Private key kept/);
  await shoot(page, 'key-history');
  // It opens the earlier certificate, whose history names the newer one.
  await entry.getByRole('button', { name: /Earlier certificate/ }).click();
  await page.waitForSelector(`[data-testid="cert-details"][data-fingerprint="${earlier.fingerprint}"]`);
  assert.match(await text(page.getByTestId('history-entry')), /Newer certificate/);
  // Bob has no other certificate: no history section.
  await page.getByTestId('details-back').click();
  await page.locator(`[data-fingerprint="${bob.fingerprint}"] .open-details`).click();
  await page.getByTestId('cert-details').getByRole('heading', { level: 1, name: 'Bob Builder' }).waitFor();
  assert.equal(await page.getByTestId('cert-history').count(), 0);
  assert.deepEqual(page.errors, []);
  await close(page);
});
