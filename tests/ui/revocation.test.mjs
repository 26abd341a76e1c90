// Revocation on the Certificates screen: the status line of every certificate (list and
// details), the off / when available / required setting (keyboard), "Check now", and the
// shell's background refresh event. Needs Chromium at /usr/bin/chromium; see README.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, openApp, close, calls, answerDialogs, emitEvent, shoot } from './harness.mjs';
import { alice, bob, fullScenario, refreshResult, revocationAnswers } from './fixtures.mjs';

before(start);
after(stop);

const text = async (loc) => (await loc.innerText()).replace(/\s+/g, ' ').trim();
const scenario = () => ({ ...fullScenario(), revocationAnswers, refreshResult });
const rowStatus = (page, fp) => page.locator(`[data-testid="cert-row"][data-fingerprint="${fp}"] [data-testid="cert-revocation"]`);

test('every certificate shows its revocation status; Check now fetches and the list follows', async () => {
  const page = await openApp(scenario());
  const settings = page.getByTestId('revocation-settings');
  await settings.waitFor();
  assert.equal(await page.locator('#revocation-mode').inputValue(), 'when-available');
  assert.match(await text(settings), /A certificate its authority revoked is refused/);
  assert.match(await text(settings), /never while a message is open/);
  for (const c of fullScenario().certs) {
    assert.equal(await text(rowStatus(page, c.fingerprint)), 'Not checked yet', c.common_name);
  }
  assert.equal((await calls(page, 'refresh_revocation')).length, 0, 'nothing fetched on start');

  await page.getByTestId('revocation-refresh').click();
  await page.waitForFunction((fp) => document.querySelector(`[data-fingerprint="${fp}"] [data-testid="cert-revocation"]`)?.getAttribute('data-state') === 'revoked', bob.fingerprint);
  assert.equal((await calls(page, 'refresh_revocation')).length, 1);
  assert.equal(await text(rowStatus(page, alice.fingerprint)), 'Not revoked (checked 2026-11-28 via OCSP)');
  assert.equal(await text(rowStatus(page, bob.fingerprint)), 'Revoked on 2026-11-20 (key compromise), according to the CRL');
  const summary = page.getByTestId('revocation-summary');
  assert.equal(await text(summary), 'Checked 3 sources: 2 answered, 1 failed.');
  assert.match(await text(page.getByTestId('revocation-failures')), /down\.example\.test.*connection refused/);
  await shoot(page, 'revocation-checked');

  // The details view says the same in its own words.
  await page.locator(`[data-fingerprint="${bob.fingerprint}"] .open-details`).click();
  const status = page.getByTestId('revocation-status');
  await status.waitFor();
  assert.equal(await status.getAttribute('data-state'), 'revoked');
  assert.match(await text(status), /^Revoked on 2026-11-20 \(key compromise\), according to the CRL$/);
  assert.match(await text(page.locator('.section', { has: status })), /reason: key compromise/);
  await shoot(page, 'revocation-details-revoked');
  assert.deepEqual(page.errors, []);
  await close(page);
});

test('the setting is a labelled select that works from the keyboard; off disables Check now', async () => {
  const page = await openApp(scenario());
  const select = page.getByLabel('Use revocation lists and OCSP');
  await select.waitFor();
  await select.focus();
  await page.keyboard.press('ArrowDown');
  await page.waitForFunction(() => window.__calls.some((c) => c.cmd === 'set_revocation_mode'));
  let set = await calls(page, 'set_revocation_mode');
  assert.deepEqual(set.map((c) => c.args.mode), ['required']);
  assert.match(await text(page.getByTestId('revocation-settings')), /accepted only with a current answer/);

  await select.selectOption('off');
  await page.waitForFunction(() => window.__calls.filter((c) => c.cmd === 'set_revocation_mode').length === 2);
  set = await calls(page, 'set_revocation_mode');
  assert.equal(set[1].args.mode, 'off');
  await page.waitForFunction((fp) => document.querySelector(`[data-fingerprint="${fp}"] [data-testid="cert-revocation"]`)?.textContent?.includes('off'), alice.fingerprint);
  assert.equal(await text(rowStatus(page, alice.fingerprint)), 'Revocation checking is off');
  assert.equal(await page.getByTestId('revocation-refresh').isDisabled(), true);
  await shoot(page, 'revocation-off');
  assert.deepEqual(page.errors, []);
  await close(page);
});

test('a background refresh by the shell updates the list without a click', async () => {
  const page = await openApp(scenario());
  await rowStatus(page, bob.fingerprint).waitFor();
  // The shell refreshed in the background: the fake's cache changes, then the event arrives.
  await page.evaluate(([fp, answer]) => {
    const c = window.__fakeState.certs.find((x) => x.fingerprint === fp);
    c.revocation = answer;
  }, [bob.fingerprint, revocationAnswers[bob.fingerprint]]);
  await emitEvent(page, 'revocation-refreshed', refreshResult);
  await page.waitForFunction((fp) => document.querySelector(`[data-fingerprint="${fp}"] [data-testid="cert-revocation"]`)?.getAttribute('data-state') === 'revoked', bob.fingerprint);
  assert.equal(await text(page.getByTestId('revocation-summary')), 'Checked 3 sources: 2 answered, 1 failed.');
  assert.equal((await calls(page, 'refresh_revocation')).length, 0, 'the page itself fetched nothing');
  assert.deepEqual(page.errors, []);
  await close(page);
});

test('a CRL file imported by hand is summarised and the revoked certificate shows it', async () => {
  const crlFile = {
    certs: [],
    crls: [
      {
        summary: {
          issuer: 'CN=Example Test CA, O=Example',
          issuer_fingerprint: 'c'.repeat(64),
          this_update: '2026-11-28T00:00:00Z',
          next_update: '2026-12-05T00:00:00Z',
          revoked: 1,
        },
        revokes: { [bob.fingerprint]: revocationAnswers[bob.fingerprint] },
      },
    ],
  };
  const s = scenario();
  const page = await openApp({ ...s, files: { ...s.files, '/home/user/ca.crl': crlFile } });
  await rowStatus(page, bob.fingerprint).waitFor();
  await answerDialogs(page, ['/home/user/ca.crl']);
  await page.click('#import-button');
  const result = page.getByTestId('import-crls');
  await result.waitFor();
  assert.match(await text(result), /Imported a revocation list/);
  assert.match(await text(result), /From CN=Example Test CA, O=Example: 1 revoked certificate, current until/);
  const opens = await calls(page, 'import_files');
  assert.deepEqual(opens[0].args.paths, ['/home/user/ca.crl']);
  await page.waitForFunction((fp) => document.querySelector(`[data-fingerprint="${fp}"] [data-testid="cert-revocation"]`)?.getAttribute('data-state') === 'revoked', bob.fingerprint);
  await shoot(page, 'revocation-crl-imported');
  assert.deepEqual(page.errors, []);
  await close(page);
});
