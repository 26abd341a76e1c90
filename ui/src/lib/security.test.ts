import { describe, expect, it } from 'vitest';
import { cipherLabel, messageFrameDocument, securityBanner } from './security';
import type { Report, SignatureReport } from './ipc/types';

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

describe('securityBanner', () => {
  it('reports a valid signature and the cipher', () => {
    const report: Report = {
      encrypted: true,
      signed: true,
      valid: true,
      cert_changes: [],
      layers: [
        { type: 'auth-enveloped', cipher: 'aes-256-gcm' },
        { type: 'signed', form: 'multipart-signed', signatures: [sig({})] },
      ],
    };
    expect(securityBanner(report)).toEqual({
      tone: 'good',
      lines: [
        { kind: 'signature-valid', text: 'Signed by alice@example.test — valid' },
        { kind: 'encrypted', text: 'Encrypted with AES-256-GCM' },
      ],
    });
  });

  it('puts an invalid signature first, with its reason', () => {
    const report: Report = {
      encrypted: true,
      signed: true,
      valid: false,
      cert_changes: [],
      layers: [
        { type: 'enveloped', cipher: 'aes-256-cbc' },
        { type: 'signed', form: 'opaque', signatures: [sig({ status: 'mismatched-sender', reason: 'signed by alice@example.test, but sent from mallory@example.test.' })] },
      ],
    };
    const b = securityBanner(report);
    expect(b.tone).toBe('bad');
    expect(b.lines[0]).toEqual({
      kind: 'signature-invalid',
      text: 'Signature not valid: signed by alice@example.test, but sent from mallory@example.test',
    });
  });

  it('says so when a message is neither signed nor encrypted', () => {
    expect(securityBanner({ encrypted: false, signed: false, valid: false, layers: [], cert_changes: [] })).toEqual({
      tone: 'neutral',
      lines: [{ kind: 'plain', text: 'Not signed, not encrypted' }],
    });
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
