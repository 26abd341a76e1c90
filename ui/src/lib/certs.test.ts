import { describe, expect, it } from 'vitest';
import {
  authorityBadge,
  daysUntil,
  encryptCapability,
  expiryWording,
  formatFingerprint,
  REVOCATION_MODES,
  revocationTone,
  signCapability,
  trustWording,
  usageLabel,
  usageSummary,
} from './certs';

describe('expiryWording', () => {
  it.each([
    [-30, 'expired', 'Expired 30 days ago', 'expired'],
    [-1, 'expired', 'Expired yesterday', 'expired'],
    [0, 'valid', 'Expires today', 'soon'],
    [1, 'valid', 'Expires tomorrow', 'soon'],
    [12, 'valid', 'Expires in 12 days', 'soon'],
    [45, 'valid', 'Expires in 45 days', 'ok'],
    [200, 'valid', 'Expires in 200 days (about 7 months)', 'ok'],
    [1100, 'valid', 'Expires in 1100 days (about 3 years)', 'ok'],
    [300, 'not-yet-valid', 'Not valid yet', 'not-yet-valid'],
  ])('%i days, %s → %s', (days, validity, text, urgency) => {
    expect(expiryWording(days, validity)).toEqual({ text, urgency });
  });

  it('trusts validity "expired" even when days_left rounds to zero', () => {
    expect(expiryWording(0, 'expired').text).toBe('Expired today');
  });
});

describe('daysUntil', () => {
  it('counts whole days to not_after', () => {
    expect(daysUntil('2026-01-11T00:00:00Z', new Date('2026-01-01T00:00:00Z'))).toBe(10);
    expect(daysUntil('garbage')).toBeNull();
  });
});

describe('capabilities', () => {
  const base = { can_sign: true, can_encrypt: false, sign_problem: null, encrypt_problem: 'key usage does not allow key encipherment.' };
  it('says what a certificate can do and why not', () => {
    expect(signCapability(base)).toEqual({ ok: true, text: 'Can sign' });
    expect(encryptCapability(base)).toEqual({ ok: false, text: 'Cannot encrypt: key usage does not allow key encipherment' });
    expect(usageSummary({ ...base, kind: 'identity' })).toBe(
      'You can sign mail with it; it cannot receive encrypted mail (key usage does not allow key encipherment)',
    );
    expect(usageSummary({ ...base, can_sign: true, can_encrypt: true, kind: 'person' })).toBe(
      'You can encrypt mail to this person and check their signatures',
    );
  });
});

describe('formatting', () => {
  it('groups fingerprints in byte pairs', () => {
    expect(formatFingerprint('a1b2c3')).toBe('A1:B2:C3');
    expect(formatFingerprint('A1:B2')).toBe('A1:B2');
  });
  it('names key usages in words', () => {
    expect(usageLabel('digitalSignature')).toBe('Digital signature');
    expect(usageLabel('emailProtection')).toBe('Email protection');
    expect(usageLabel('1.3.6.1.5.5.7.3.4')).toBe('1.3.6.1.5.5.7.3.4');
  });
});

describe('trustWording', () => {
  const person = { kind: 'person' as const, trusted: false, is_ca: false };
  const ca = { kind: 'authority' as const, trusted: false, is_ca: true };
  it('confirms a person only when the chain reaches a trusted authority', () => {
    expect(trustWording(person, true)).toBe('Confirmed by a trusted authority');
    expect(trustWording(person, false)).toBe('Not confirmed by a trusted authority');
  });
  it('calls an authority trusted only when it is an anchor', () => {
    expect(trustWording(ca, true)).toBe('Not trusted as an authority');
    expect(trustWording({ ...ca, trusted: true }, false)).toBe('Trusted authority');
  });
  it('names the Mozilla root program when the path ends at a built-in root', () => {
    const mozilla = { source: 'mozilla' as const };
    expect(trustWording(ca, true, mozilla)).toBe('Trusted authority (Mozilla root program)');
    expect(trustWording(person, true, mozilla)).toBe('Confirmed by a trusted authority (Mozilla root program)');
    expect(trustWording(person, true, { source: 'user' })).toBe('Confirmed by a trusted authority');
    expect(trustWording(person, false, mozilla)).toBe('Not confirmed by a trusted authority');
  });
});

describe('revocation wording', () => {
  it('draws revoked as bad, missing or stale answers as warnings', () => {
    expect(revocationTone('revoked')).toBe('bad');
    expect(revocationTone('good')).toBe('good');
    expect(revocationTone('stale')).toBe('warn');
    expect(revocationTone('unknown')).toBe('warn');
    expect(revocationTone('not-checked')).toBe('');
    expect(revocationTone('off')).toBe('');
  });
  it('offers the three modes in order, each explained', () => {
    expect(REVOCATION_MODES.map((m) => m.mode)).toEqual(['off', 'when-available', 'required']);
    expect(REVOCATION_MODES.every((m) => m.help.length > 20)).toBe(true);
  });
});

describe('authorityBadge', () => {
  it('says trusted for an anchor and for an authority under one, as the details do', () => {
    expect(authorityBadge({ trusted: true, trusted_path: true })).toBe('Trusted');
    expect(authorityBadge({ trusted: false, trusted_path: true })).toBe('Trusted through its root');
    expect(authorityBadge({ trusted: false, trusted_path: false })).toBe('Not trusted');
  });
});
