// Compose-form logic: recipient chips, encrypt readiness and what blocks saving.
import type { AddressToken } from './addresses';
import type { CertChange, Draft, RecipientStatus } from './ipc/types';

export type ChipState = 'invalid' | 'checking' | 'known' | 'changed' | 'missing';

export type Chip = AddressToken & { state: ChipState; problem: string | null; label: string; change?: CertChange | null };

export function chipFor(token: AddressToken, statuses: ReadonlyMap<string, RecipientStatus>): Chip {
  if (!token.valid) return { ...token, state: 'invalid', problem: null, label: 'not an email address' };
  const status = statuses.get(token.key);
  if (!status) return { ...token, state: 'checking', problem: null, label: 'checking…' };
  if (status.has_certificate && status.change) {
    return { ...token, state: 'changed', problem: status.change.text, label: 'certificate changed', change: status.change };
  }
  if (status.has_certificate) return { ...token, state: 'known', problem: null, label: 'certificate known' };
  return { ...token, state: 'missing', problem: status.problem, label: status.problem ? `no usable certificate: ${status.problem}` : 'no certificate' };
}

/** The recipients whose certificate changed since it was accepted (encryption still works). */
export function certChanges(chips: readonly Chip[]): CertChange[] {
  const seen = new Set<string>();
  return chips.flatMap((c) => (c.change && !seen.has(c.change.email) ? (seen.add(c.change.email), [c.change]) : []));
}

export type EncryptReadiness = {
  ready: boolean;
  /** recipients without a usable certificate */
  missing: string[];
  /** recipients still being checked */
  pending: string[];
  /** text that is not an email address */
  invalid: string[];
  /** what to tell the user, or null when ready */
  message: string | null;
};

function list(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export function encryptReadiness(chips: readonly Chip[]): EncryptReadiness {
  const missing = chips.filter((c) => c.state === 'missing').map((c) => c.email);
  const pending = chips.filter((c) => c.state === 'checking').map((c) => c.email);
  const invalid = chips.filter((c) => c.state === 'invalid').map((c) => c.email);
  let message: string | null = null;
  if (chips.length === 0) message = 'Add at least one recipient to encrypt.';
  else if (missing.length > 0)
    message = `Cannot encrypt: no certificate for ${list(missing)}. Import ${missing.length === 1 ? 'their certificate' : 'their certificates'} or turn off encryption.`;
  else if (invalid.length > 0) message = `Cannot encrypt: ${list(invalid)} ${invalid.length === 1 ? 'is' : 'are'} not an email address.`;
  else if (pending.length > 0) message = `Checking certificates for ${list(pending)}…`;
  return { ready: message === null, missing, pending, invalid, message };
}

export type DraftInput = {
  from: string;
  fromCanSign: boolean;
  to: readonly Chip[];
  cc: readonly Chip[];
  /** Blind copies: delivered, never named to To and Cc (with encryption, a separate copy each). */
  bcc: readonly Chip[];
  subject: string;
  /** The plain text (of the formatted text when `html` is set). */
  body: string;
  /** The formatted text as HTML, null for plain text. */
  html: string | null;
  attachments: readonly string[];
  sign: boolean;
  encrypt: boolean;
  /**
   * Sending through an account: recipients without a certificate do not block; sending asks
   * what to do about them (mixedRecipientsPrompt). Saving to a file has no such choice.
   */
  askAboutMissing?: boolean;
};

/** Recipients (each once) who have no usable certificate, when encryption is on. */
export function missingCertificates(input: DraftInput): string[] {
  if (!input.encrypt) return [];
  const seen = new Set<string>();
  return [...input.to, ...input.cc, ...input.bcc]
    .filter((c) => c.state === 'missing')
    .flatMap((c) => (seen.has(c.key) ? [] : (seen.add(c.key), [c.email])));
}

export type MixedChoice = 'remove' | 'request' | 'unencrypted';

/**
 * What the mixed-recipients dialog offers for `missing` out of `total` distinct recipients.
 * With nobody left to encrypt to, removing them leaves no message and a separate plaintext copy
 * would be the whole message unencrypted, so only the certificate request is offered.
 */
export function mixedChoices(missing: number, total: number): MixedChoice[] {
  if (missing === 0) return [];
  return missing < total ? ['remove', 'request', 'unencrypted'] : ['request'];
}

/** Reasons the draft cannot be saved yet (empty when it can). */
export function draftProblems(input: DraftInput): string[] {
  const problems: string[] = [];
  if (!input.from) problems.push('Choose who the message is from.');
  const recipients = input.to.length + input.cc.length + input.bcc.length;
  // Bcc or Cc alone is a valid message (RFC 5322 §3.6.3 allows no To).
  if (recipients === 0) problems.push('Add at least one recipient.');
  const invalid = [...input.to, ...input.cc, ...input.bcc].filter((c) => c.state === 'invalid').map((c) => c.email);
  if (invalid.length > 0) problems.push(`${list(invalid)} ${invalid.length === 1 ? 'is' : 'are'} not an email address.`);
  if (input.sign && input.from && !input.fromCanSign) problems.push(`${input.from} has no identity that can sign.`);
  if (input.encrypt) {
    const valid = [...input.to, ...input.cc, ...input.bcc].filter((c) => c.state !== 'invalid');
    const considered = input.askAboutMissing ? valid.filter((c) => c.state !== 'missing') : valid;
    // Everyone missing while sending: the dialog still offers to ask them for certificates.
    const onlyMissing = input.askAboutMissing && considered.length === 0 && valid.length > 0;
    const readiness = encryptReadiness(considered);
    if (!onlyMissing && !readiness.ready && readiness.message && recipients > 0) problems.push(readiness.message);
  }
  return problems;
}

export function buildDraft(input: DraftInput): Draft {
  return {
    from: input.from,
    to: input.to.map((c) => c.email),
    cc: input.cc.map((c) => c.email),
    bcc: input.bcc.map((c) => c.email),
    subject: input.subject,
    body: input.body,
    html: input.html,
    attachments: [...input.attachments],
    sign: input.sign,
    encrypt: input.encrypt,
  };
}
