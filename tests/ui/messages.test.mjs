// Message workbench (read side): open via button or drop, security banner, sandboxed HTML,
// attachments. Needs Chromium at /usr/bin/chromium; see README.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, openApp, close, calls, answerDialogs, emitEvent, shoot, unexpectedErrors } from './harness.mjs';
import { fullScenario } from './fixtures.mjs';

before(start);
after(stop);

const text = async (loc) => (await loc.innerText()).replace(/\s+/g, ' ').trim();

test('opening a signed and encrypted message: banner, headers, sandboxed HTML that cannot run scripts or fetch', async () => {
  const page = await openApp(fullScenario());
  const remote = [];
  // The tracker points at a closed port, so a request that really left the app either finished
  // or failed with ERR_CONNECTION_REFUSED. Chromium also reports loads it never started: blocked ("csp" or
  // ERR_BLOCKED_BY_CSP) or cancelled with the frame (ERR_ABORTED); those did not leave.
  const local = (u) => u.startsWith('http://127.0.0.1:' + new URL(page.url()).port);
  page.on('requestfinished', (r) => {
    if (!local(r.url())) remote.push(r.url());
  });
  page.on('requestfailed', (r) => {
    const why = r.failure()?.errorText ?? '';
    if (!local(r.url()) && !/^csp$|ERR_BLOCKED_BY_CSP|ERR_ABORTED/.test(why)) remote.push(`${r.url()} (${why})`);
  });
  await page.click('#nav-messages');
  assert.equal(await page.locator('#nav-messages').getAttribute('aria-current'), 'page');
  await page.getByTestId('reader-empty').waitFor();
  await shoot(page, 'messages-empty');

  await answerDialogs(page, ['/home/user/signed-encrypted.eml']);
  await page.click('#open-message');
  const banner = page.getByTestId('security-banner');
  await banner.waitFor();
  assert.match(await text(banner), /^Signed by alice@example\.test — valid, signed [A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}( [AP]M)? Encrypted with AES-256-GCM$/);
  assert.equal(await banner.getAttribute('data-tone'), 'good');
  assert.deepEqual((await calls(page, 'open_message')).map((c) => c.args), [{ path: '/home/user/signed-encrypted.eml' }]);
  assert.equal(await text(page.getByTestId('message-subject')), 'Quarterly figures');
  assert.equal(await text(page.getByTestId('message-from')), 'Alice Example <alice@example.test>');

  const body = page.getByTestId('message-body');
  assert.equal(await body.getAttribute('data-format'), 'html');
  const frame = body.locator('iframe');
  assert.equal(await frame.getAttribute('sandbox'), '', 'sandbox with no allowances: no scripts, no same-origin');
  const srcdoc = await frame.getAttribute('srcdoc');
  assert.match(srcdoc, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">/);
  // The banner is app chrome, outside the frame.
  assert.equal(await banner.evaluate((b) => !!b.closest('iframe')), false);

  const inner = page.frameLocator('[data-testid="message-frame"]');
  await inner.locator('#hello').waitFor();
  assert.equal(await text(inner.locator('#hello')), 'Hello Bob, the figures are attached.');
  assert.equal(await inner.locator('body').getAttribute('data-script-ran'), null, 'the <script> in the message did not run');
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  await page.waitForTimeout(300);
  assert.deepEqual(remote, [], 'no request left the app (the tracker image was blocked)');
  // Chromium reports both blocks: the sandbox stopped the script, the CSP stopped the image.
  assert.ok(page.errors.some((e) => /Blocked script execution in 'about:srcdoc'/.test(e)), 'script blocked by the sandbox');
  assert.ok(page.errors.some((e) => /track\.png' violates .* "img-src data:"/.test(e)), 'image blocked by the frame CSP');

  // Plain text is one click away when both parts exist.
  await page.getByRole('button', { name: 'Plain text' }).click();
  assert.equal(await text(body), 'Plain version');
  await page.getByRole('button', { name: 'HTML' }).click();

  // Attachments: each has a Save button → save dialog → save_attachment.
  const atts = page.getByTestId('attachment');
  assert.equal(await atts.count(), 2);
  assert.match(await text(atts.nth(0)), /figures-q4\.pdf application\/pdf · 47 KB/);
  await answerDialogs(page, '/home/user/Downloads/figures-q4.pdf');
  await page.getByRole('button', { name: 'Save figures-q4.pdf' }).click();
  await page.getByTestId('attachment-note').waitFor();
  assert.equal(await text(page.getByTestId('attachment-note')), 'Saved figures-q4.pdf to /home/user/Downloads/figures-q4.pdf.');
  assert.deepEqual((await calls(page, 'save_attachment')).map((c) => c.args), [
    { messageId: 7, index: 0, path: '/home/user/Downloads/figures-q4.pdf' },
  ]);
  const saveDialog = (await calls(page, 'choose_save_path'))[0].args.options;
  assert.equal(saveDialog.defaultPath, 'figures-q4.pdf');
  await shoot(page, 'message-signed-encrypted');
  assert.deepEqual(unexpectedErrors(page), []);
  await close(page);
});

test('a dropped .eml opens in the workbench; a bad signature says so in the banner', async () => {
  const page = await openApp(fullScenario());
  assert.equal(await page.locator('#nav-certificates').getAttribute('aria-current'), 'page');
  await emitEvent(page, 'tauri://drag-drop', { paths: ['/home/user/tampered.eml'], position: { x: 10, y: 10 } });
  const banner = page.getByTestId('security-banner');
  await banner.waitFor();
  assert.equal(await page.locator('#nav-messages').getAttribute('aria-current'), 'page', 'the drop switched to Messages');
  assert.equal(await text(banner), 'Signature not valid: the message was changed after it was signed, or the signature is damaged');
  assert.equal(await banner.getAttribute('data-tone'), 'bad');
  const body = page.getByTestId('message-body');
  assert.equal(await body.getAttribute('data-format'), 'text');
  assert.equal(await body.locator('pre').innerText(), 'Please pay invoice 42 to the new account.\n\nAlice');
  assert.equal((await calls(page, 'import_files')).length, 0, 'a message is not imported');
  await shoot(page, 'message-bad-signature');

  await emitEvent(page, 'tauri://drag-drop', { paths: ['/home/user/plain.eml'], position: { x: 10, y: 10 } });
  await page.getByText('Lunch on Friday?').waitFor();
  assert.equal(await text(banner), 'Not signed, not encrypted: the sender is not verified');
  assert.equal(await banner.getAttribute('data-tone'), 'neutral');
  // Said plainly: in the text colour and bold, not a faint grey.
  const plain = banner.locator('[data-kind="plain"]');
  assert.deepEqual(await plain.evaluate((p) => [getComputedStyle(p).color, getComputedStyle(document.body).color, getComputedStyle(p).fontWeight]), [
    await page.evaluate(() => getComputedStyle(document.body).color),
    await page.evaluate(() => getComputedStyle(document.body).color),
    '600',
  ]);
  assert.equal(await page.getByTestId('not-protected').count(), 0, 'plain mail claims no protection to begin with');
  await shoot(page, 'message-plain');

  // A file the core cannot read: plain words, no banner.
  await emitEvent(page, 'tauri://drag-drop', { paths: ['/home/user/broken.p7m'], position: { x: 10, y: 10 } });
  await page.getByTestId('message-error').waitFor();
  assert.equal(await text(page.getByTestId('message-error')), 'broken.p7m could not be opened: Not a MIME message.');
  assert.equal(await banner.count(), 0);
  assert.deepEqual(unexpectedErrors(page), []);
  await close(page);
});

test('long operations show progress and disable the control that started them', async () => {
  const scenario = fullScenario();
  scenario.delays = { open_message: 700 };
  scenario.progress = {
    open_message: [
      { operation: 'open', done: 1, total: 3, detail: 'decrypting' },
      { operation: 'open', done: 2, total: 3, detail: 'verifying signatures' },
    ],
  };
  const page = await openApp(scenario);
  await page.click('#nav-messages');
  await answerDialogs(page, ['/home/user/signed-encrypted.eml']);
  await page.click('#open-message');
  const activity = page.getByTestId('activity');
  await activity.waitFor();
  assert.equal(await page.locator('#open-message').isDisabled(), true, 'the Open button is disabled while busy');
  await page.getByText('Opening signed-encrypted.eml… 2 of 3 — verifying signatures').waitFor();
  assert.equal(await activity.getByRole('progressbar').getAttribute('aria-valuenow'), '67');
  // The window stays responsive: navigation works while the command runs.
  await page.click('#nav-certificates');
  assert.equal(await page.locator('#nav-certificates').getAttribute('aria-current'), 'page');
  await page.click('#nav-messages');
  await page.getByTestId('security-banner').waitFor();
  await activity.waitFor({ state: 'detached' });
  assert.equal(await page.locator('#open-message').isEnabled(), true);
  assert.deepEqual(unexpectedErrors(page), []);
  await close(page);
});

const lines = (banner) => banner.locator('p[data-kind]').evaluateAll((ps) => ps.map((p) => [p.dataset.kind, p.dataset.tone, p.innerText.trim()]));

test('a re-sent encrypted message (REPLY attack): the outer signature and the missing integrity warn; nothing is green', async () => {
  const page = await openApp(fullScenario());
  await page.click('#nav-messages');
  await answerDialogs(page, ['/home/user/resent.eml']);
  await page.click('#open-message');
  const banner = page.getByTestId('security-banner');
  await banner.waitFor();
  assert.equal(await banner.getAttribute('data-tone'), 'warn');
  assert.deepEqual(await lines(banner), [
    ['signature-outside', 'warn', 'Signed by mallory@example.test over the encrypted data only — this does not vouch for the content'],
    ['no-integrity', 'warn', 'Encrypted with AES-256-CBC, without integrity protection: the content may have been altered'],
  ]);
  // The outer header is all there is: every field shown says it is not protected.
  assert.deepEqual(await page.getByTestId('not-protected').evaluateAll((els) => els.map((e) => [e.dataset.field, e.textContent.trim()])), [
    ['subject', 'not protected'],
    ['from', 'not protected'],
    ['to', 'not protected'],
    ['date', 'not protected'],
  ]);
  assert.match(await text(page.getByTestId('not-protected-note')), /^Fields marked “not protected” come from the outer header/);
  // The details say which signature it was and quote the core's reason.
  await page.getByText('Details', { exact: true }).click();
  const details = page.getByTestId('security-details');
  assert.match(await text(details), /Signature 1, over the encrypted data Result outside-encryption/);
  assert.match(await text(details), /Content encryption AES-256-CBC \(no integrity protection\)/);
  await shoot(page, 'message-reply-attack');
  assert.deepEqual(unexpectedErrors(page), []);
  await close(page);
});

test('a spoofed sender: fixed sentences in the banner, the claims only quoted in Details, a warning at From, the frame marked', async () => {
  const page = await openApp(fullScenario());
  await page.click('#nav-messages');
  await answerDialogs(page, ['/home/user/spoofed.eml']);
  await page.click('#open-message');
  const banner = page.getByTestId('security-banner');
  await banner.waitFor();
  assert.equal(await banner.getAttribute('data-tone'), 'bad');
  assert.deepEqual(await lines(banner), [
    ['signature-invalid', 'bad', "Signature not valid: the signer's address is not the sender's address"],
    ['header-mismatch', 'bad', 'The sender (From) shown is the protected one; the unprotected outer sender (From) differs'],
    ['header-mismatch', 'warn', 'The subject shown is the protected one; the unprotected outer subject differs'],
    ['encrypted', 'good', 'Encrypted with AES-256-GCM'],
  ]);
  const bannerText = await text(banner);
  for (const claim of ['bank', 'carol@bar.test', 'New bank details']) assert.ok(!bannerText.includes(claim), `the banner does not repeat “${claim}”`);

  // Details: a disclosure, closed at first, opened from the keyboard; what they say is quoted.
  const details = page.getByTestId('security-details');
  assert.equal(await details.evaluate((d) => d.open), false);
  await page.locator('[data-testid="security-details"] summary').focus();
  await page.keyboard.press('Enter');
  assert.equal(await details.evaluate((d) => d.open), true);
  const said = await text(details);
  assert.match(said, /Sender address checked against the signatures, as the message states it “carol@bar\.test”/);
  assert.match(said, /“signed by alice@example\.test, but the message is from "Your bank <security@bank\.test>" carol@bar\.test”/);
  assert.match(said, /Addresses in the certificate “alice@example\.test”/);
  assert.match(said, /Header fields taken from inside the signed or encrypted part from, subject, to/);
  assert.match(said, /Outer header fields that differ from the protected ones from, subject/);
  assert.match(said, /Signing time, as the signer states it Dec 4, 2026/);
  await shoot(page, 'message-spoofed-details');

  // From: the name is an address; the real one is said next to it.
  const warning = page.getByTestId('from-name-warning');
  assert.equal(await warning.getAttribute('role'), 'note');
  assert.equal(await text(warning), 'The name looks like an address; the real address is carol@bar.test');
  assert.equal(await text(page.getByTestId('message-from')), '"alice@example.test" <carol@bar.test>');
  // From, Subject and To came from inside; the date did not.
  assert.deepEqual(await page.getByTestId('not-protected').evaluateAll((els) => els.map((e) => e.dataset.field)), ['date']);

  // The HTML is the sender's: labelled, and the frame shows a focus ring when tabbed into.
  const sender = page.getByRole('group', { name: 'Content from the sender' });
  assert.equal(await sender.locator('[data-testid="message-frame"]').count(), 1);
  const ring = () => sender.evaluate((g) => getComputedStyle(g).outlineStyle);
  assert.equal(await ring(), 'none');
  await page.keyboard.press('Tab');
  // Focus moves into the frame's own document asynchronously (another process).
  await page.waitForFunction(() => document.activeElement?.dataset.testid === 'message-frame', null, { timeout: 5000 });
  await page.waitForFunction(() => getComputedStyle(document.querySelector('.sender')).outlineStyle === 'solid', null, { timeout: 5000 });
  assert.equal(await ring(), 'solid');
  await shoot(page, 'message-spoofed');
  assert.deepEqual(unexpectedErrors(page), []);
  await close(page);
});
