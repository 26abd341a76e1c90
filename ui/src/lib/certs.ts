// Wording and small computations about certificates, kept out of the components so they can be
// unit-tested.
import type { AnchorInfo, CertDto, CertKind, RevocationMode, RevocationState } from './ipc/types';

export function displayName(cert: Pick<CertDto, 'common_name' | 'emails' | 'subject'>): string {
  return cert.common_name || cert.emails[0] || cert.subject;
}

export const KIND_LABEL: Record<CertKind, string> = {
  identity: 'My identity',
  person: 'Person',
  authority: 'Authority',
};

export type ExpiryUrgency = 'expired' | 'soon' | 'ok' | 'not-yet-valid';

export type Expiry = { text: string; urgency: ExpiryUrgency };

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "Expires in 12 days", "Expired 3 days ago", ... from days_left and validity. */
export function expiryWording(daysLeft: number, validity = 'valid'): Expiry {
  if (validity === 'not-yet-valid') return { text: 'Not valid yet', urgency: 'not-yet-valid' };
  const days = Math.trunc(daysLeft);
  if (validity === 'expired' || days < 0) {
    const ago = Math.abs(days);
    if (ago === 0) return { text: 'Expired today', urgency: 'expired' };
    if (ago === 1) return { text: 'Expired yesterday', urgency: 'expired' };
    return { text: `Expired ${plural(ago, 'day')} ago`, urgency: 'expired' };
  }
  const urgency: ExpiryUrgency = days <= 30 ? 'soon' : 'ok';
  if (days === 0) return { text: 'Expires today', urgency };
  if (days === 1) return { text: 'Expires tomorrow', urgency };
  if (days <= 60) return { text: `Expires in ${plural(days, 'day')}`, urgency };
  if (days < 730) {
    return { text: `Expires in ${plural(days, 'day')} (about ${plural(Math.round(days / 30.44), 'month')})`, urgency };
  }
  return { text: `Expires in ${plural(days, 'day')} (about ${plural(Math.round(days / 365.25), 'year')})`, urgency };
}

/** Days left computed from not_after when the list (which has no days_left) needs it. */
export function daysUntil(notAfter: string, now: Date = new Date()): number | null {
  const t = Date.parse(notAfter);
  if (Number.isNaN(t)) return null;
  return Math.floor((t - now.getTime()) / 86_400_000);
}

export { formatDate } from './dates';

/** Hex fingerprint grouped in colon-separated byte pairs, upper case. */
export function formatFingerprint(fp: string): string {
  const hex = fp.replace(/[^0-9a-fA-F]/g, '');
  if (hex.length === 0 || hex.length % 2 !== 0) return fp;
  return hex.toUpperCase().match(/../g)!.join(':');
}

function sentence(text: string): string {
  const t = text.trim();
  return t.endsWith('.') ? t.slice(0, -1) : t;
}

type Capable = Pick<CertDto, 'can_sign' | 'can_encrypt' | 'sign_problem' | 'encrypt_problem'>;

/** One line on what a certificate can be used for, with why not when it cannot. */
export function usageSummary(cert: Capable & Pick<CertDto, 'kind'>): string {
  const { can_sign, can_encrypt } = cert;
  if (cert.kind === 'authority' && !can_sign && !can_encrypt) return 'Issues certificates to people; not used for mail itself';
  if (cert.kind === 'identity') {
    if (can_sign && can_encrypt) return 'You can sign mail with it and receive encrypted mail';
    if (can_sign) return `You can sign mail with it; it cannot receive encrypted mail (${sentence(cert.encrypt_problem ?? 'not allowed by the certificate')})`;
    if (can_encrypt) return `It can receive encrypted mail; you cannot sign with it (${sentence(cert.sign_problem ?? 'not allowed by the certificate')})`;
    return `Cannot be used for mail: ${sentence(cert.sign_problem ?? cert.encrypt_problem ?? 'no usable key usage')}`;
  }
  if (can_encrypt && can_sign) return 'You can encrypt mail to this person and check their signatures';
  if (can_encrypt) return 'You can encrypt mail to this person';
  if (can_sign) return `You can check their signatures, but not encrypt to them (${sentence(cert.encrypt_problem ?? 'not allowed by the certificate')})`;
  return `Cannot be used for mail: ${sentence(cert.encrypt_problem ?? cert.sign_problem ?? 'no usable key usage')}`;
}

export type Capability = { ok: boolean; text: string };

export function signCapability(cert: Capable): Capability {
  return cert.can_sign
    ? { ok: true, text: 'Can sign' }
    : { ok: false, text: `Cannot sign: ${sentence(cert.sign_problem ?? 'not allowed by the certificate')}` };
}

export function encryptCapability(cert: Capable): Capability {
  return cert.can_encrypt
    ? { ok: true, text: 'Can encrypt' }
    : { ok: false, text: `Cannot encrypt: ${sentence(cert.encrypt_problem ?? 'not allowed by the certificate')}` };
}

/**
 * The list's badge for an authority, the same verdict as its details: trusted when the user
 * trusts it, or when it chains to an authority that is trusted (an intermediate under a
 * trusted root).
 */
export function authorityBadge(cert: Pick<CertDto, 'trusted' | 'trusted_path'>): string {
  if (cert.trusted) return 'Trusted';
  return cert.trusted_path ? 'Trusted through its root' : 'Not trusted';
}

/** The trust badge: an authority is trusted when it is an anchor (the user's, or a built-in
 * root of the Mozilla program); anyone else when the certificate chains to one (`trustedPath`
 * and `anchor`, from the certificate's details). */
export function trustWording(
  cert: Pick<CertDto, 'kind' | 'trusted' | 'is_ca'>,
  trustedPath: boolean,
  anchor: Pick<AnchorInfo, 'source'> | null = null,
): string {
  const builtIn = trustedPath && anchor?.source === 'mozilla';
  if (cert.kind === 'authority' || cert.is_ca) {
    if (cert.trusted) return 'Trusted authority';
    return builtIn ? 'Trusted authority (Mozilla root program)' : 'Not trusted as an authority';
  }
  if (!trustedPath) return 'Not confirmed by a trusted authority';
  return builtIn ? 'Confirmed by a trusted authority (Mozilla root program)' : 'Confirmed by a trusted authority';
}

/** Key-usage names as the user reads them (digitalSignature → "Digital signature"). */
export function usageLabel(name: string): string {
  const known: Record<string, string> = {
    digitalSignature: 'Digital signature',
    nonRepudiation: 'Non-repudiation',
    contentCommitment: 'Content commitment',
    keyEncipherment: 'Key encipherment',
    dataEncipherment: 'Data encipherment',
    keyAgreement: 'Key agreement',
    keyCertSign: 'Certificate signing',
    cRLSign: 'CRL signing',
    encipherOnly: 'Encipher only',
    decipherOnly: 'Decipher only',
    emailProtection: 'Email protection',
    clientAuth: 'TLS client authentication',
    serverAuth: 'TLS server authentication',
    codeSigning: 'Code signing',
    timeStamping: 'Time stamping',
    OCSPSigning: 'OCSP signing',
    anyExtendedKeyUsage: 'Any purpose',
  };
  if (known[name]) return known[name];
  if (/^[0-9.]+$/.test(name)) return name;
  const spaced = name.replace(/[-_]/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

export function sortCertificates(certs: readonly CertDto[]): CertDto[] {
  return [...certs].sort((a, b) => displayName(a).localeCompare(displayName(b)));
}

/** How a revocation state is drawn: a revoked certificate is bad, a missing or stale answer a warning. */
export function revocationTone(state: RevocationState): 'good' | 'bad' | 'warn' | '' {
  switch (state) {
    case 'good':
      return 'good';
    case 'revoked':
      return 'bad';
    case 'unknown':
    case 'stale':
      return 'warn';
    default:
      return '';
  }
}

/** The revocation setting in words, for the select and its explanation. */
export const REVOCATION_MODES: ReadonlyArray<{ mode: RevocationMode; label: string; help: string }> = [
  { mode: 'off', label: 'Off', help: 'Revocation lists and OCSP answers are neither fetched nor used.' },
  {
    mode: 'when-available',
    label: 'When available',
    help: 'A certificate its authority revoked is refused; one without a current answer is still accepted.',
  },
  {
    mode: 'required',
    label: 'Required',
    help: 'A certificate is accepted only with a current answer saying it is not revoked.',
  },
];
