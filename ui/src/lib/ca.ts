// The internal CA, the self-test and expiry warnings: form checks and wording, kept out of the
// components so they can be unit-tested.
import type { CheckItem, CheckLevel, ExpiryNotice, KeyAlgorithm, RevocationReason } from './ipc/types';
import { isEmail, parseAddresses } from './addresses';

/** Longest validity of a user certificate (CA/Browser Forum S/MIME BR §6.3.2). */
export const MAX_USER_DAYS = 825;
/** Longest validity offered for an organisation CA (about 20 years). */
export const MAX_CA_DAYS = 7300;
export const MIN_P12_PASSWORD = 8;

export const CA_KEYS: { key: KeyAlgorithm; label: string }[] = [
  { key: 'p384', label: 'ECDSA P-384 (recommended)' },
  { key: 'rsa3072', label: 'RSA 3072' },
  { key: 'rsa4096', label: 'RSA 4096' },
];

export const USER_KEYS: { key: KeyAlgorithm; label: string }[] = [
  { key: 'rsa3072', label: 'RSA 3072 (works everywhere)' },
  { key: 'rsa2048', label: 'RSA 2048' },
  { key: 'p256', label: 'ECDSA P-256' },
  { key: 'p384', label: 'ECDSA P-384' },
];

export const REASONS: { reason: RevocationReason; label: string; hint: string }[] = [
  { reason: 'key-compromise', label: 'The private key was lost or stolen', hint: 'key compromise' },
  { reason: 'affiliation-changed', label: 'The person left the organisation or changed role', hint: 'affiliation changed' },
  { reason: 'superseded', label: 'A new certificate replaces it', hint: 'superseded' },
  { reason: 'cessation-of-operation', label: 'The mailbox is no longer used', hint: 'cessation of operation' },
  { reason: 'privilege-withdrawn', label: 'The right to use it was withdrawn', hint: 'privilege withdrawn' },
  { reason: 'unspecified', label: 'No reason given', hint: 'unspecified' },
];

export function reasonLabel(reason: RevocationReason | null | undefined): string {
  return REASONS.find((r) => r.reason === reason)?.label ?? 'No reason given';
}

function wholeDays(value: string | number): number | null {
  // A number input bound with bind:value gives a number (or null when empty).
  const t = String(value ?? '').trim();
  if (!/^\d{1,6}$/.test(t)) return null;
  return Number(t);
}

export type CaForm = { name: string; days: string | number };

/** Why the "New organisation CA" form cannot be sent yet, or null. */
export function caFormProblem(f: CaForm): string | null {
  if (f.name.trim().length === 0) return 'Give the authority a name, for example your organisation’s.';
  if (f.name.trim().length > 64) return 'The name is at most 64 characters.';
  const days = wholeDays(f.days);
  if (days === null || days < 1) return 'The validity is a whole number of days.';
  if (days > MAX_CA_DAYS) return `An authority is valid for at most ${MAX_CA_DAYS} days here.`;
  return null;
}

export type IssueForm = { emails: string; days: string | number; password: string; repeat: string };

/** The mailbox addresses typed into the issue form (comma, space or newline separated). */
export function issueEmails(text: string): string[] {
  return parseAddresses(text.replace(/\n/g, ',')).map((t) => t.email);
}

/** Why the "Issue certificate" form cannot be sent yet, or null. */
export function issueFormProblem(f: IssueForm): string | null {
  const emails = issueEmails(f.emails);
  if (emails.length === 0) return 'Enter at least one e-mail address.';
  const bad = emails.find((e) => !isEmail(e));
  if (bad) return `“${bad}” is not an e-mail address.`;
  const days = wholeDays(f.days);
  if (days === null || days < 1) return 'The validity is a whole number of days.';
  if (days > MAX_USER_DAYS) return `A user certificate is valid for at most ${MAX_USER_DAYS} days.`;
  if (f.password.length < MIN_P12_PASSWORD) return `The password needs at least ${MIN_P12_PASSWORD} characters.`;
  if (f.repeat !== f.password) return 'The two passwords are not the same.';
  return null;
}

/** A file name for a certificate's .p12 or a CA's CRL, without characters file systems refuse. */
export function fileStem(text: string): string {
  return text.trim().replace(/[\\/:*?"<>|\s]+/g, '_') || 'sealpost';
}

export const CHECK_LABEL: Record<CheckItem, string> = {
  chain: 'Issuer chain',
  revocation: 'Revocation',
  validity: 'Validity',
  signing: 'Signing',
  encryption: 'Encryption',
  addresses: 'Addresses',
  'private-key': 'Private key',
};

export const LEVEL_LABEL: Record<CheckLevel, string> = {
  ok: 'Passed',
  info: 'Note',
  warning: 'Warning',
  problem: 'Problem',
};

/** The one-line verdict of a self-test. */
export function checkVerdict(usable: boolean, kind: string, canSign: boolean, canEncrypt: boolean): string {
  if (!usable) return 'This certificate cannot be used now: see the problems below.';
  if (kind === 'authority') return 'This authority is ready: certificates it issued are accepted.';
  if (canSign && canEncrypt) return 'Everything works: you can sign mail and receive encrypted mail.';
  if (canSign) return 'You can sign mail with it.';
  if (canEncrypt) return 'Mail can be encrypted to it.';
  return 'It can be used to check signatures.';
}

/** What an expiry notice says. */
export function expiryNoticeText(n: Pick<ExpiryNotice, 'days_left' | 'emails' | 'subject'>): string {
  const who = n.emails.join(', ') || n.subject;
  if (n.days_left < 0) return `Your certificate for ${who} has expired: you can no longer sign with it, and people cannot encrypt to it. Renew it and import the new one.`;
  const when = n.days_left === 0 ? 'today' : n.days_left === 1 ? 'tomorrow' : `in ${n.days_left} days`;
  return `Your certificate for ${who} expires ${when}. Ask your certificate authority for a new one and import it; your earlier keys stay, so old mail still opens.`;
}

/** The key under which a dismissal of one notice's threshold is remembered. */
export function dismissKey(n: Pick<ExpiryNotice, 'fingerprint' | 'threshold'>): string {
  return `${n.fingerprint}:${n.threshold}`;
}

/** Notices not yet dismissed at their current threshold; each threshold is dismissed once. */
export function visibleNotices<T extends Pick<ExpiryNotice, 'fingerprint' | 'threshold'>>(notices: T[], dismissed: Iterable<string>): T[] {
  const gone = new Set(dismissed);
  return notices.filter((n) => !gone.has(dismissKey(n)));
}
