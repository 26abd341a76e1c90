import { describe, expect, it } from 'vitest';
import { bannerDetails, cipherLabel, messageFrameDocument, mismatchLine, securityBanner, signatureLine } from './security';
import { formatDateTime } from './dates';
import type { LayerReport, Report, SignatureReport, SignatureStatus } from './ipc/types';

const sig = (over: Partial<SignatureReport>): SignatureReport => ({
  status: 'valid',
  reason: '',
  emails: ['alice@example.test'],
  fingerprint: 'ab',
  algorithm: 'RSA PKCS#1 v1.5 SHA-256',
  signing_time: null,
  reason_code: null,
  anchor: null,
  ...over,
});

const report = (layers: LayerReport[], over: Partial<Report> = {}): Report => ({
  encrypted: layers.some((l) => l.type !== 'signed'),
  signed: layers.some((l) => l.type === 'signed'),
  valid: false,
  from: 'alice@example.test',
  protected_headers: [],
  header_mismatches: [],
  cert_changes: [],
  layers,
  ...over,
});

const signed = (...signatures: SignatureReport[]): LayerReport => ({ type: 'signed', form: 'multipart-signed', signatures });
const texts = (r: Report) => securityBanner(r).lines.map((l) => l.text);

describe('securityBanner', () => {
  it('reports a valid signature, its signing time and the cipher', () => {
    const r = report([{ type: 'auth-enveloped', cipher: 'aes-256-gcm' }, signed(sig({ signing_time: '2026-12-04T10:00:00Z' }))], { valid: true });
    expect(securityBanner(r)).toEqual({
      tone: 'good',
      lines: [
        { kind: 'signature-valid', tone: 'good', text: `Signed by alice@example.test — valid, signed ${formatDateTime('2026-12-04T10:00:00Z')}` },
        { kind: 'encrypted', tone: 'good', text: 'Encrypted with AES-256-GCM' },
      ],
    });
    expect(formatDateTime('2026-12-04T10:00:00Z')).toMatch(/Dec 4, 2026/);
  });

  it('says one fixed sentence per status, never the reason, subject or claimed sender', () => {
    const hostile = 'signed by alice@example.test, but sent from "Your Bank" <mallory@example.test>.';
    const expected: Record<string, string> = {
      invalid: 'Signature not valid: the message was changed after it was signed, or the signature is damaged',
      untrusted: "Signature not valid: the signer's certificate is not from an authority you trust",
      expired: "Signature not valid: the signer's certificate has expired",
      'not-yet-valid': "Signature not valid: the signer's certificate is not valid yet",
      revoked: "Signature not valid: the signer's certificate has been revoked",
      'revocation-unknown': "Signature not valid: whether the signer's certificate was revoked could not be checked",
      'mismatched-sender': "Signature not valid: the signer's address is not the sender's address",
      'wrong-usage': "Signature not valid: the signer's certificate is not meant for signing mail",
      'unsupported-algorithm': 'Signature not valid: it uses an algorithm Sealpost does not accept',
      'something-new': 'Signature not valid: the signature could not be checked',
      constructor: 'Signature not valid: the signature could not be checked',
    };
    for (const [status, text] of Object.entries(expected)) {
      // Unknown names ('something-new', 'constructor') arrive only from a newer or hostile
      // core; the cast lets the test send them.
      const line = signatureLine(sig({ status: status as SignatureStatus, reason: hostile, emails: ['x@example.test'] }));
      expect(line).toEqual({ kind: 'signature-invalid', tone: 'bad', text });
    }
  });

  it('puts an invalid signature first and makes the banner bad', () => {
    const r = report([{ type: 'enveloped', cipher: 'aes-256-cbc' }, signed(sig({ status: 'mismatched-sender', reason: 'sent from mallory' }))]);
    const b = securityBanner(r);
    expect(b.tone).toBe('bad');
    expect(b.lines.map((l) => [l.kind, l.tone])).toEqual([
      ['signature-invalid', 'bad'],
      ['no-integrity', 'warn'],
    ]);
    expect(b.lines.some((l) => l.text.includes('mallory'))).toBe(false);
  });

  it('a signature over the encrypted data only is a warning, never the valid line', () => {
    const outside = sig({ status: 'outside-encryption', emails: ['mallory@example.test'] });
    const r = report([signed(outside), { type: 'enveloped', cipher: 'aes-256-cbc' }], { signed: false, valid: false });
    const b = securityBanner(r);
    expect(b.tone).toBe('warn');
    expect(b.lines).toEqual([
      { kind: 'signature-outside', tone: 'warn', text: 'Signed by mallory@example.test over the encrypted data only — this does not vouch for the content' },
      {
        kind: 'no-integrity',
        tone: 'warn',
        text: 'Encrypted with AES-256-CBC, without integrity protection: the content may have been altered',
      },
    ]);
    expect(b.lines.some((l) => l.kind === 'signature-valid')).toBe(false);
  });

  it('an outside signature with a valid one inside: the inside one counts, CBC is then covered', () => {
    const r = report([signed(sig({ status: 'outside-encryption', emails: ['bob@example.test'] })), { type: 'enveloped', cipher: 'aes-128-cbc' }, signed(sig({}))], {
      signed: true,
      valid: true,
    });
    expect(securityBanner(r).tone).toBe('warn');
    expect(texts(r)).toEqual([
      'Signed by bob@example.test over the encrypted data only — this does not vouch for the content',
      'Signed by alice@example.test — valid',
      'Encrypted with AES-128-CBC',
    ]);
  });

  it('integrity: CBC and 3DES without a valid signature warn, GCM stays good', () => {
    for (const cipher of ['aes-256-cbc', 'des-ede3-cbc']) {
      const b = securityBanner(report([{ type: 'enveloped', cipher }]));
      expect(b.tone).toBe('warn');
      expect(b.lines[0]).toEqual({
        kind: 'no-integrity',
        tone: 'warn',
        text: `Encrypted with ${cipherLabel(cipher)}, without integrity protection: the content may have been altered`,
      });
    }
    const gcm = securityBanner(report([{ type: 'auth-enveloped', cipher: 'aes-256-gcm' }]));
    expect(gcm.lines).toContainEqual({ kind: 'encrypted', tone: 'good', text: 'Encrypted with AES-256-GCM' });
    // Encrypted but not signed: the lock is good, the sender is not verified.
    expect(gcm.lines).toContainEqual({ kind: 'unsigned', tone: 'neutral', text: 'Not signed: the sender is not verified' });
    expect(gcm.tone).toBe('neutral');
  });

  it('names the header fields whose outer copy differs; a From mismatch is bad', () => {
    expect(mismatchLine('subject')).toEqual({
      kind: 'header-mismatch',
      tone: 'warn',
      text: 'The subject shown is the protected one; the unprotected outer subject differs',
    });
    expect(mismatchLine('from').tone).toBe('bad');
    expect(mismatchLine('from').text).toBe('The sender (From) shown is the protected one; the unprotected outer sender (From) differs');
    expect(mismatchLine('x-evil<b>').text).toBe('A header field shown is the protected one; its unprotected outer copy differs');
    const r = report([{ type: 'auth-enveloped', cipher: 'aes-256-gcm' }, signed(sig({}))], { valid: true, header_mismatches: ['subject'] });
    const b = securityBanner(r);
    expect(b.tone).toBe('warn');
    expect(b.lines[0].kind).toBe('header-mismatch');
  });

  it('says so when a message is neither signed nor encrypted', () => {
    expect(securityBanner(report([], { from: null }))).toEqual({
      tone: 'neutral',
      lines: [{ kind: 'plain', tone: 'neutral', text: 'Not signed, not encrypted: the sender is not verified' }],
    });
  });

  it('a signed layer without signatures, or a signature that could not be read, is bad', () => {
    expect(texts(report([signed()]))).toEqual(['Signature not valid: the message carries no signature']);
    expect(texts(report([], { signed: true }))).toEqual(['Signature not valid: the signature could not be read']);
  });
});

describe('bannerDetails', () => {
  it('quotes what the message and the certificate say, apart from the banner', () => {
    const r = report(
      [
        { type: 'enveloped', cipher: 'aes-256-cbc' },
        signed(
          sig({
            status: 'mismatched-sender',
            reason: 'signed by alice@example.test, but sent from mallory@example.test',
            fingerprint: 'abcd',
            signing_time: '2026-12-04T10:00:00Z',
            reason_code: null,
            anchor: { name: 'Example Root', source: 'mozilla', fingerprint: 'ff' },
          }),
        ),
      ],
      { from: 'mallory@example.test', protected_headers: ['from', 'subject'], header_mismatches: ['from'] },
    );
    const [message, signature] = bannerDetails(r);
    expect(message.title).toBe('This message');
    expect(message.items).toEqual([
      { label: 'Sender address checked against the signatures, as the message states it', value: 'mallory@example.test', quoted: true },
      { label: 'Header fields taken from inside the signed or encrypted part', value: 'from, subject', mono: true },
      { label: 'Outer header fields that differ from the protected ones', value: 'from', mono: true },
      { label: 'Content encryption', value: 'AES-256-CBC (no integrity protection)' },
    ]);
    expect(signature.title).toBe('Signature 1');
    expect(signature.items).toContainEqual({ label: 'Result', value: 'mismatched-sender', mono: true });
    expect(signature.items).toContainEqual({
      label: 'What the check found (it may quote the message or the certificate)',
      value: 'signed by alice@example.test, but sent from mallory@example.test',
      quoted: true,
    });
    expect(signature.items).toContainEqual({ label: 'Certificate fingerprint (SHA-256)', value: 'AB:CD', mono: true });
    expect(signature.items).toContainEqual({ label: 'Trust anchor (Mozilla root program)', value: 'Example Root', quoted: true });
    expect(signature.items).toContainEqual({ label: 'Signing time, as the signer states it', value: formatDateTime('2026-12-04T10:00:00Z') });
  });

  it('marks a signature over the encrypted data, and is empty for plain mail', () => {
    const r = report([signed(sig({ status: 'outside-encryption' })), { type: 'enveloped', cipher: 'aes-256-cbc' }]);
    expect(bannerDetails(r).map((g) => g.title)).toEqual(['This message', 'Signature 1, over the encrypted data']);
    expect(bannerDetails(report([], { from: null }))).toEqual([]);
  });
});

describe('messageFrameDocument', () => {
  it('wraps the HTML with a CSP that blocks all network access', () => {
    const doc = messageFrameDocument('<p>hi</p>');
    expect(doc).toContain(`content="default-src 'none'; img-src data:; style-src 'unsafe-inline'"`);
    expect(doc.indexOf('Content-Security-Policy')).toBeLessThan(doc.indexOf('<p>hi</p>'));
  });
});

describe('cipherLabel', () => {
  it('shows the core\'s cipher names in capitals', () => {
    expect(cipherLabel('aes-256-gcm')).toBe('AES-256-GCM');
    expect(cipherLabel('aes-128-cbc')).toBe('AES-128-CBC');
    expect(cipherLabel('des-ede3-cbc')).toBe('3DES-CBC');
  });
});
