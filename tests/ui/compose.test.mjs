// Compose: recipient chips, encryption blocked until every recipient has a certificate, the
// draft sent to compose_message, attachments, keyboard shortcuts. Needs /usr/bin/chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, openApp, close, calls, answerDialogs, shoot } from './harness.mjs';
import { bob, fullScenario } from './fixtures.mjs';

before(start);
after(stop);

const text = async (loc) => (await loc.innerText()).replace(/\s+/g, ' ').trim();

async function openCompose(scenario = fullScenario()) {
  const page = await openApp(scenario);
  await page.click('#nav-messages');
  await page.click('#tab-compose');
  await page.locator('#compose-from').waitFor();
  return page;
}

const chip = (page, email) => page.locator(`[data-testid="recipient-chip"][data-email="${email}"]`);

test('chips say whether a certificate is known; encrypting is blocked until every recipient has one', async () => {
  const page = await openCompose();
  assert.deepEqual(await page.locator('#compose-from option').allTextContents(), ['Alice Example <alice@example.test>']);
  assert.equal(await page.inputValue('#compose-from'), 'alice@example.test');
  assert.equal(await page.locator('#compose-sign').getAttribute('aria-pressed'), 'true', 'signing is on when From can sign');
  assert.equal(await page.locator('#compose-encrypt').getAttribute('aria-pressed'), 'false');

  // Typing key by key: the lookup waits for a pause (debounce), then marks each chip.
  await page.locator('#compose-to').pressSequentially('bob@example.test, carol@example.test', { delay: 15 });
  await page.fill('#compose-cc', 'dave@example.test');
  await page.waitForFunction(() => !document.querySelector('[data-testid="recipient-chip"][data-state="checking"]'));
  assert.equal(await chip(page, 'bob@example.test').getAttribute('data-state'), 'known');
  assert.equal(await text(chip(page, 'bob@example.test')), 'bob@example.test certificate known');
  assert.equal(await chip(page, 'carol@example.test').getAttribute('data-state'), 'missing');
  assert.equal(await text(chip(page, 'carol@example.test')), 'carol@example.test no certificate');
  assert.equal(await chip(page, 'dave@example.test').getAttribute('data-state'), 'missing');
  assert.match(await text(chip(page, 'dave@example.test')), /no usable certificate: the key usage does not allow encryption/);
  const lookups = await calls(page, 'recipient_status');
  assert.ok(lookups.length <= 4, `debounced: ${lookups.length} lookups for ~40 keystrokes`);
  assert.ok(lookups.some((c) => c.args.emails.includes('carol@example.test')));

  await page.click('#compose-encrypt');
  assert.equal(await page.locator('#compose-encrypt').getAttribute('aria-pressed'), 'true');
  const blocked = page.getByTestId('encrypt-blocked');
  await blocked.waitFor();
  assert.equal(
    await text(blocked),
    'Cannot encrypt: no certificate for carol@example.test and dave@example.test. Import their certificates or turn off encryption.',
  );
  await page.fill('#compose-subject', 'Figures');
  await page.fill('#compose-body', 'See attached.');
  // The toolbar does not claim what cannot happen; Save is off and points at the reason.
  assert.equal(await text(page.getByTestId('compose-status')), 'Cannot encrypt yet');
  assert.equal(await page.locator('#compose-save').isDisabled(), true);
  assert.equal(await page.locator('#compose-save').getAttribute('aria-describedby'), 'encrypt-status');
  await shoot(page, 'compose-encrypt-blocked');

  // Saving by the shortcut is refused with the reason, and no file dialog is even shown.
  await page.locator('#compose-body').press('Control+S');
  await page.locator('[data-testid="encrypt-blocked"][data-attempted="true"][role="alert"]').waitFor();
  assert.equal(await page.getByTestId('compose-problems').count(), 0, 'the same reason is not repeated');
  assert.equal((await calls(page, 'choose_save_path')).length, 0);
  assert.equal((await calls(page, 'compose_message')).length, 0);

  // Remove the two recipients without certificates (chip button and editing the field).
  await page.getByRole('button', { name: 'Remove carol@example.test' }).click();
  await page.fill('#compose-cc', '');
  await blocked.waitFor({ state: 'detached' });
  assert.equal(await page.inputValue('#compose-to'), 'bob@example.test');
  assert.equal(await text(page.getByTestId('compose-status')), 'Signed and encrypted');
  assert.equal(await page.locator('#compose-save').isEnabled(), true);

  await answerDialogs(page, '/home/user/Figures.eml');
  await page.click('#compose-save');
  const result = page.getByTestId('compose-result');
  await result.waitFor();
  const save = (await calls(page, 'choose_save_path'))[0].args.options;
  assert.equal(save.defaultPath, 'Figures.eml');
  assert.deepEqual(save.filters, [{ name: 'Email message', extensions: ['eml'] }]);
  assert.deepEqual((await calls(page, 'compose_message')).map((c) => c.args), [
    {
      draft: {
        from: 'alice@example.test',
        to: ['bob@example.test'],
        cc: [],
        bcc: [],
        subject: 'Figures',
        body: 'See attached.',
        html: null,
        attachments: [],
        sign: true,
        encrypt: true,
      },
      path: '/home/user/Figures.eml',
    },
  ]);
  assert.match(await text(result), /Saved \/home\/user\/Figures\.eml \(2\.0 KB\) Signed, encrypted with AES-256-GCM · for bob@example\.test, alice@example\.test/);
  await shoot(page, 'compose-saved');
  assert.deepEqual(page.errors, []);
  await close(page);
});

test('keyboard shortcuts toggle Sign and Encrypt and save; titles and aria-keyshortcuts say so', async () => {
  const page = await openCompose();
  assert.equal(await page.locator('#compose-sign').getAttribute('aria-keyshortcuts'), 'Control+Shift+S');
  assert.equal(await page.locator('#compose-sign').getAttribute('title'), 'Sign (Ctrl+Shift+S)');
  assert.equal(await page.locator('#compose-encrypt').getAttribute('aria-keyshortcuts'), 'Control+Shift+E');
  assert.equal(await page.locator('#compose-save').getAttribute('aria-keyshortcuts'), 'Control+S');
  assert.match(await page.locator('#compose-save').getAttribute('title'), /Ctrl\+S/);

  await page.fill('#compose-to', 'bob@example.test');
  await chip(page, 'bob@example.test').and(page.locator('[data-state="known"]')).waitFor();
  await page.click('#compose-body');
  await page.keyboard.type('Hello');
  await page.keyboard.press('Control+Shift+S');
  assert.equal(await page.locator('#compose-sign').getAttribute('aria-pressed'), 'false');
  await page.keyboard.press('Control+Shift+E');
  assert.equal(await page.locator('#compose-encrypt').getAttribute('aria-pressed'), 'true');
  await page.keyboard.press('Control+Shift+S');
  assert.equal(await page.locator('#compose-sign').getAttribute('aria-pressed'), 'true');
  assert.equal(await page.inputValue('#compose-body'), 'Hello', 'shortcuts do not type into the body');

  await answerDialogs(page, '/tmp/message.eml');
  await page.keyboard.press('Control+S');
  await page.getByTestId('compose-result').waitFor();
  const [call] = await calls(page, 'compose_message');
  assert.equal(call.args.path, '/tmp/message.eml');
  assert.equal(call.args.draft.sign, true);
  assert.equal(call.args.draft.encrypt, true);
  assert.equal(call.args.draft.body, 'Hello');
  assert.deepEqual(page.errors, []);
  await close(page);
});

test('attachments are added through the file dialog and can be removed', async () => {
  const page = await openCompose();
  await page.fill('#compose-to', 'bob@example.test');
  await answerDialogs(page, ['/home/user/report.pdf', '/home/user/notes.txt']);
  await page.getByTestId('compose-attach').click();
  await page.getByTestId('compose-attachment').nth(1).waitFor();
  assert.deepEqual(await page.getByTestId('compose-attachment').evaluateAll((els) => els.map((e) => e.dataset.path)), [
    '/home/user/report.pdf',
    '/home/user/notes.txt',
  ]);
  await page.getByRole('button', { name: 'Remove attachment notes.txt' }).click();
  assert.equal(await page.getByTestId('compose-attachment').count(), 1);
  await shoot(page, 'compose-attachments');
  await answerDialogs(page, '/tmp/with-attachment.eml');
  await page.click('#compose-save');
  await page.getByTestId('compose-result').waitFor();
  const [call] = await calls(page, 'compose_message');
  assert.deepEqual(call.args.draft.attachments, ['/home/user/report.pdf']);
  assert.equal(call.args.draft.subject, '');
  assert.deepEqual(page.errors, []);
  await close(page);
});

test('without an identity that can sign, From is typed and the draft is not signed', async () => {
  const scenario = fullScenario();
  scenario.certs = scenario.certs.filter((c) => c.kind !== 'identity');
  const page = await openCompose(scenario);
  assert.equal(await page.locator('#compose-from').evaluate((e) => e.tagName), 'INPUT');
  assert.equal(await page.locator('#compose-sign').getAttribute('aria-pressed'), 'false');
  await page.fill('#compose-from', 'me@example.test');
  await page.fill('#compose-to', 'bob@example.test');
  await page.keyboard.press('Control+Shift+S');
  await page.click('#compose-save');
  await page.getByTestId('compose-problems').waitFor();
  assert.match(await text(page.getByTestId('compose-problems')), /me@example\.test has no identity that can sign/);
  await page.keyboard.press('Control+Shift+S');
  await answerDialogs(page, '/tmp/unsigned.eml');
  await page.click('#compose-save');
  await page.getByTestId('compose-result').waitFor();
  const [call] = await calls(page, 'compose_message');
  assert.equal(call.args.draft.sign, false);
  assert.equal(call.args.draft.from, 'me@example.test');
  assert.deepEqual(page.errors, []);
  await close(page);
});

test('formatted text: toolbar and Ctrl+B, a list, a link, plain-text paste; saved as html with its plain text', async () => {
  const page = await openCompose();
  await page.fill('#compose-to', 'bob@example.test');
  await page.fill('#compose-subject', 'Formatted');
  await page.fill('#compose-body', 'Dear Bob,');
  const toggle = page.locator('#compose-formatted');
  assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
  assert.equal(await page.locator('#compose-body').count(), 0, 'the plain text area is gone');

  const editor = page.getByRole('textbox', { name: 'Message body' });
  assert.equal(await editor.getAttribute('aria-multiline'), 'true');
  assert.equal(await editor.innerText(), 'Dear Bob,', 'the plain text carried over');
  const toolbar = page.getByRole('toolbar', { name: 'Formatting' });
  const tool = (name) => toolbar.getByRole('button', { name, exact: true });
  for (const name of ['Bold', 'Italic', 'Underline', 'Bulleted list', 'Numbered list', 'Quote', 'Link', 'Clear formatting']) {
    assert.equal(await tool(name).count(), 1, `${name} button`);
  }
  assert.equal(await tool('Bold').getAttribute('aria-pressed'), 'false');
  assert.equal(await tool('Clear formatting').getAttribute('aria-pressed'), null, 'Clear is not a toggle');

  // Bold by the toolbar button…
  await editor.click();
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  await page.keyboard.type('the figures are ');
  await tool('Bold').click();
  assert.equal(await tool('Bold').getAttribute('aria-pressed'), 'true');
  await page.keyboard.type('final');
  await tool('Bold').click();
  assert.equal(await tool('Bold').getAttribute('aria-pressed'), 'false');
  // …and by Ctrl+B.
  await page.keyboard.type(' and ');
  await page.keyboard.press('Control+b');
  await page.keyboard.type('checked');
  assert.equal(await tool('Bold').getAttribute('aria-pressed'), 'true');
  await page.keyboard.press('Control+b');
  await page.keyboard.type('.');
  // A bulleted list of two items, left with Enter on an empty item.
  await page.keyboard.press('Enter');
  await tool('Bulleted list').click();
  assert.equal(await tool('Bulleted list').getAttribute('aria-pressed'), 'true');
  await page.keyboard.type('revenue');
  await page.keyboard.press('Enter');
  await page.keyboard.type('costs');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  assert.equal(await tool('Bulleted list').getAttribute('aria-pressed'), 'false');
  // A link, its address typed into the inline field (Enter applies, the form is not submitted).
  await page.keyboard.type('Details: ');
  await tool('Link').click();
  const address = page.getByLabel('Link address');
  await address.fill('javascript:alert(1)');
  await address.press('Enter');
  await page.getByRole('alert').filter({ hasText: 'Enter a web address' }).waitFor();
  await address.fill('example.org/q3');
  await address.press('Enter');
  await address.waitFor({ state: 'detached' });
  // Pasted HTML arrives as its plain text.
  await page.keyboard.press('Enter');
  await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.setData('text/html', '<img src="https://evil.test/p.gif"><b style="color:red" onclick="x()">Pasted</b>');
    dt.setData('text/plain', 'Pasted');
    document.querySelector('#compose-body-rich').dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  });
  await shoot(page, 'compose-formatted');
  assert.equal((await calls(page, 'compose_message')).length, 0, 'Enter in the link field did not save');

  await answerDialogs(page, '/home/user/Formatted.eml');
  await page.click('#compose-save');
  await page.getByTestId('compose-result').waitFor();
  const [{ args }] = await calls(page, 'compose_message');
  const { html, body } = args.draft;
  assert.match(html, /<(b|strong)>final<\/\1>/, html);
  assert.match(html, /<(b|strong)>checked<\/\1>/, html);
  assert.match(html, /<ul><li>revenue<\/li><li>costs<\/li><\/ul>/, html);
  assert.match(html, /<a href="https:\/\/example\.org\/q3">https:\/\/example\.org\/q3<\/a>/, html);
  assert.doesNotMatch(html, /evil|onclick|<img|style=/, html);
  assert.equal(body, 'Dear Bob,\nthe figures are final and checked.\n\n- revenue\n- costs\n\nDetails: https://example.org/q3\nPasted\n');

  // Formatted off: the plain text stays, the draft has no html.
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
  assert.equal(await page.inputValue('#compose-body'), body);
  await answerDialogs(page, '/home/user/Plain.eml');
  await page.click('#compose-save');
  await page.waitForFunction(() => window.__calls.filter((c) => c.cmd === 'compose_message').length === 2);
  const second = (await calls(page, 'compose_message'))[1].args.draft;
  assert.equal(second.html, null);
  assert.equal(second.body, body);
  assert.deepEqual(page.errors, []);
  await close(page);
});

test('a chip without a certificate offers to import one, and the chip turns known', async () => {
  const carol = { ...bob, fingerprint: 'c'.repeat(64), subject: 'CN=Carol Example', common_name: 'Carol Example', serial: '2c', emails: ['carol@example.test'] };
  const scenario = fullScenario();
  scenario.files = { ...scenario.files, '/home/user/carol.cer': { certs: [carol] } };
  const page = await openCompose(scenario);
  await page.fill('#compose-to', 'carol@example.test');
  await page.waitForFunction(() => document.querySelector('[data-testid="recipient-chip"][data-email="carol@example.test"]')?.getAttribute('data-state') === 'missing');
  const importButton = chip(page, 'carol@example.test').getByTestId('chip-import');
  assert.equal(await importButton.getAttribute('aria-label'), 'Import a certificate for carol@example.test');
  // A file with someone else's certificate: imported, but the chip stays missing and says why.
  await answerDialogs(page, ['/home/user/bob.cer']);
  await importButton.click();
  await page.getByTestId('chip-import-note').waitFor();
  assert.equal(await text(page.getByTestId('chip-import-note')), 'The file holds no certificate for carol@example.test.');
  // The chips are looked up again after an import, and carol's stays missing.
  await page.waitForFunction(() => !document.querySelector('[data-testid="recipient-chip"][data-state="checking"]'));
  assert.equal(await chip(page, 'carol@example.test').getAttribute('data-state'), 'missing');
  // Cancelling the dialog changes nothing.
  await answerDialogs(page, null);
  await importButton.click();
  // Her certificate, by keyboard: Tab reaches the chip's button, Enter opens the dialog.
  await answerDialogs(page, ['/home/user/carol.cer']);
  await importButton.focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('[data-testid="recipient-chip"][data-email="carol@example.test"]')?.getAttribute('data-state') === 'known');
  assert.equal(await text(page.getByTestId('chip-import-note')), 'Imported a certificate for carol@example.test.');
  assert.equal(await chip(page, 'carol@example.test').getByTestId('chip-import').count(), 0, 'no import offered once known');
  const imports = (await calls(page, 'import_files')).map((c) => c.args);
  assert.deepEqual(imports, [
    { paths: ['/home/user/bob.cer'], password: null },
    { paths: ['/home/user/carol.cer'], password: null },
  ]);
  await shoot(page, 'compose-chip-imported');
});
