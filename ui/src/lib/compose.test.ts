import { describe, expect, it } from 'vitest';
import { parseAddresses } from './addresses';
import { buildDraft, certChanges, chipFor, draftProblems, encryptReadiness, type DraftInput } from './compose';
import type { RecipientStatus } from './ipc/types';

const known = (email: string): RecipientStatus => ({ email, has_certificate: true, fingerprint: 'ab', problem: null, change: null });
const missing = (email: string, problem: string | null = null): RecipientStatus => ({ email, has_certificate: false, fingerprint: null, problem, change: null });

function chips(text: string, statuses: RecipientStatus[]) {
  const map = new Map(statuses.map((s) => [s.email.toLowerCase(), s]));
  return parseAddresses(text).map((t) => chipFor(t, map));
}

describe('chipFor', () => {
  it('says whether a certificate is known, missing, still being checked, or the text is not an address', () => {
    const c = chips('alice@example.test bob@example.test carol@example.test nope', [known('alice@example.test'), missing('bob@example.test')]);
    expect(c.map((x) => [x.email, x.state, x.label])).toEqual([
      ['alice@example.test', 'known', 'certificate known'],
      ['bob@example.test', 'missing', 'no certificate'],
      ['carol@example.test', 'checking', 'checking…'],
      ['nope', 'invalid', 'not an email address'],
    ]);
  });

  it('carries the core’s reason when a certificate exists but cannot be used', () => {
    const [c] = chips('bob@example.test', [missing('bob@example.test', 'the certificate expired on 2024-01-01')]);
    expect(c.label).toBe('no usable certificate: the certificate expired on 2024-01-01');
  });

  it('flags a changed certificate, which still encrypts, and lists each change once', () => {
    const change = {
      email: 'bob@example.test', key_changed: true, issuer_changed: false, accepted_fingerprint: 'aa', accepted_issuer: 'CN=CA',
      accepted_at: '2026-01-01T00:00:00Z', new_fingerprint: 'bb', new_issuer: 'CN=CA', text: 'The certificate of bob@example.test changed: another key',
    };
    const c = chips('bob@example.test, alice@example.test', [{ ...known('bob@example.test'), change }, known('alice@example.test')]);
    expect(c.map((x) => [x.state, x.label, x.problem])).toEqual([
      ['changed', 'certificate changed', change.text],
      ['known', 'certificate known', null],
    ]);
    expect(encryptReadiness(c).ready).toBe(true);
    expect(certChanges([...c, ...c])).toEqual([change]);
  });
});

describe('encryptReadiness', () => {
  it('is ready when every recipient has a certificate', () => {
    const r = encryptReadiness(chips('a@x.test, b@x.test', [known('a@x.test'), known('b@x.test')]));
    expect(r).toMatchObject({ ready: true, missing: [], message: null });
  });

  it('names every recipient without a certificate', () => {
    const r = encryptReadiness(chips('a@x.test b@x.test c@x.test', [known('a@x.test'), missing('b@x.test'), missing('c@x.test')]));
    expect(r.ready).toBe(false);
    expect(r.missing).toEqual(['b@x.test', 'c@x.test']);
    expect(r.message).toBe('Cannot encrypt: no certificate for b@x.test and c@x.test. Import their certificates or turn off encryption.');
  });

  it('is not ready while a lookup is pending, or with no recipients', () => {
    expect(encryptReadiness(chips('a@x.test', [])).message).toBe('Checking certificates for a@x.test…');
    expect(encryptReadiness([]).ready).toBe(false);
  });
});

function input(overrides: Partial<DraftInput> = {}): DraftInput {
  return {
    from: 'me@x.test',
    fromCanSign: true,
    to: chips('a@x.test', [known('a@x.test')]),
    cc: [],
    bcc: [],
    subject: 'Hi',
    body: 'Hello',
    html: null,
    attachments: [],
    sign: true,
    encrypt: false,
    ...overrides,
  };
}

describe('draftProblems', () => {
  it('is empty for a complete draft', () => {
    expect(draftProblems(input())).toEqual([]);
  });

  it('needs a sender and a recipient', () => {
    expect(draftProblems(input({ from: '', to: [] }))).toEqual(['Choose who the message is from.', 'Add at least one recipient.']);
  });

  it('accepts a message to Bcc (or Cc) only', () => {
    expect(draftProblems(input({ to: [], bcc: chips('b@x.test', []) }))).toEqual([]);
    expect(draftProblems(input({ to: [], cc: chips('c@x.test', []) }))).toEqual([]);
  });

  it('blocks encryption while a recipient (To or Cc) lacks a certificate', () => {
    const problems = draftProblems(input({ encrypt: true, cc: chips('b@x.test', [missing('b@x.test')]) }));
    expect(problems).toEqual(['Cannot encrypt: no certificate for b@x.test. Import their certificate or turn off encryption.']);
    expect(draftProblems(input({ encrypt: false, cc: chips('b@x.test', [missing('b@x.test')]) }))).toEqual([]);
  });

  it('blocks encryption while a Bcc recipient lacks a certificate, and checks Bcc addresses', () => {
    expect(draftProblems(input({ encrypt: true, bcc: chips('c@x.test', [missing('c@x.test')]) }))).toEqual([
      'Cannot encrypt: no certificate for c@x.test. Import their certificate or turn off encryption.',
    ]);
    expect(draftProblems(input({ bcc: chips('c@x.test nope', [known('c@x.test')]) }))).toEqual(['nope is not an email address.']);
  });

  it('rejects text that is not an address, and signing without a signing identity', () => {
    expect(draftProblems(input({ to: chips('a@x.test bob', [known('a@x.test')]), fromCanSign: false }))).toEqual([
      'bob is not an email address.',
      'me@x.test has no identity that can sign.',
    ]);
  });
});

describe('buildDraft', () => {
  it('carries the formatted text next to its plain text', () => {
    const d = buildDraft(input({ body: 'Hi Bob\n', html: '<div>Hi <b>Bob</b></div>' }));
    expect([d.body, d.html]).toEqual(['Hi Bob\n', '<div>Hi <b>Bob</b></div>']);
  });

  it('produces the Draft the core expects', () => {
    const d = buildDraft(
      input({ cc: chips('Bob <b@x.test>', [known('b@x.test')]), bcc: chips('c@x.test', [known('c@x.test')]), attachments: ['/tmp/a.pdf'], encrypt: true }),
    );
    expect(d).toEqual({
      from: 'me@x.test',
      to: ['a@x.test'],
      cc: ['b@x.test'],
      bcc: ['c@x.test'],
      subject: 'Hi',
      body: 'Hello',
      html: null,
      attachments: ['/tmp/a.pdf'],
      sign: true,
      encrypt: true,
    });
  });
});
