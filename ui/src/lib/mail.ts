// Pure helpers of the Mail screen: provider presets, the connection-test wording, reply and
// forward drafts, and the window of rows a virtualised list draws.
import { parseAddresses } from './addresses';
import { formatDate } from './dates';
import type { CheckedVerdict, ConnectionCheck, MailErrorKind, MessageSummary, MessageView, Report, ServerCheck, TlsMode } from './ipc/types';

export type Preset = {
  id: string;
  label: string;
  imap: { host: string; port: number; tls: TlsMode };
  smtp: { host: string; port: number; tls: TlsMode };
  /** What the user must know about signing in. */
  note: string;
};

/** Settings published by each provider for mail clients. */
export const PRESETS: Preset[] = [
  {
    id: 'gmail',
    label: 'Gmail',
    imap: { host: 'imap.gmail.com', port: 993, tls: 'implicit' },
    smtp: { host: 'smtp.gmail.com', port: 465, tls: 'implicit' },
    note: 'Gmail needs an app password (Google Account → Security → App passwords) with 2-step verification on.',
  },
  {
    id: 'outlook',
    label: 'Outlook.com / Microsoft 365',
    imap: { host: 'outlook.office365.com', port: 993, tls: 'implicit' },
    smtp: { host: 'smtp.office365.com', port: 587, tls: 'starttls' },
    note: 'Microsoft accepts a password here only where the account or its administrator still allows password sign-in (app passwords).',
  },
  {
    id: 'icloud',
    label: 'iCloud Mail',
    imap: { host: 'imap.mail.me.com', port: 993, tls: 'implicit' },
    smtp: { host: 'smtp.mail.me.com', port: 587, tls: 'starttls' },
    note: 'iCloud needs an app-specific password (appleid.apple.com → Sign-In and Security).',
  },
  {
    id: 'fastmail',
    label: 'Fastmail',
    imap: { host: 'imap.fastmail.com', port: 993, tls: 'implicit' },
    smtp: { host: 'smtp.fastmail.com', port: 465, tls: 'implicit' },
    note: 'Fastmail needs an app password (Settings → Privacy & Security → App passwords).',
  },
  {
    id: 'yahoo',
    label: 'Yahoo Mail',
    imap: { host: 'imap.mail.yahoo.com', port: 993, tls: 'implicit' },
    smtp: { host: 'smtp.mail.yahoo.com', port: 465, tls: 'implicit' },
    note: 'Yahoo needs an app password (Account Security → Generate app password).',
  },
];

/** What failed, in the words the connection test shows, by stage. */
export const STAGE_TEXT: Record<MailErrorKind, string> = {
  dns: 'DNS: the server name could not be found. Check the host name.',
  tcp: 'Connection: nothing answered on that host and port (TCP). Check the port, the network or a firewall.',
  'tls-certificate':
    "TLS certificate: the server's certificate is not trusted. If the server uses a private CA, choose its certificate file.",
  tls: 'TLS: the encrypted connection could not be set up.',
  'starttls-missing':
    'STARTTLS: the server does not offer encryption on this port, so nothing was sent. Try implicit TLS (993 for IMAP, 465 for SMTP).',
  authentication: 'Authentication: the server refused the user name or password.',
  timeout: 'Timeout: the server did not answer in time.',
  'connection-lost': 'Connection lost: the server closed the connection.',
  protocol: 'Protocol: the server answered something Sealpost cannot use.',
  rejected: 'Refused: the server refused the request.',
  config: 'Settings: a setting is not usable (for example the CA file).',
};

export type CheckLine = { server: string; ok: boolean; stage: MailErrorKind | null; text: string; detail: string | null };

function checkLine(label: string, c: ServerCheck): CheckLine {
  // The core labels a server "IMAP host:port"; the protocol is already in `label`.
  const server = `${label} ${c.server.replace(/^(IMAP|SMTP) /, '')}`;
  if (c.ok) return { server, ok: true, stage: null, text: 'Connected and signed in.', detail: null };
  const stage = c.failed_at ?? 'protocol';
  return { server, ok: false, stage, text: STAGE_TEXT[stage], detail: c.message };
}

/** One line per server for the connection test result. */
export function checkLines(check: ConnectionCheck): CheckLine[] {
  return [checkLine('Incoming (IMAP)', check.imap), checkLine('Outgoing (SMTP)', check.smtp)];
}

/** The default port of a protocol for a TLS mode. */
export function defaultPort(protocol: 'imap' | 'smtp', tls: TlsMode): number {
  if (protocol === 'imap') return tls === 'implicit' ? 993 : 143;
  return tls === 'implicit' ? 465 : 587;
}

/** "host:port" split; a missing or bad port gives null. */
export function parseHostPort(text: string): { host: string; port: number | null } {
  const t = text.trim();
  const m = /^(.*?)(?::(\d{1,5}))?$/.exec(t);
  const host = (m?.[1] ?? t).trim();
  const port = m?.[2] ? Number(m[2]) : null;
  return { host, port: port !== null && port >= 1 && port <= 65535 ? port : null };
}

/** An account name from an address: the part a person recognises, limited to allowed characters. */
export function accountNameFor(email: string): string {
  return email.trim().replace(/[^A-Za-z0-9._@+-]/g, '').slice(0, 64);
}

export type Window = { start: number; end: number; before: number; after: number };

/**
 * The rows of a virtualised list to draw for a scroll position: `start..end` (end exclusive)
 * plus `overscan` rows either side, and the space above and below them.
 */
export function visibleWindow(scrollTop: number, viewport: number, rowHeight: number, count: number, overscan = 6): Window {
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0, before: 0, after: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const shown = Math.ceil(Math.max(0, viewport) / rowHeight) + 1;
  const start = Math.max(0, Math.min(count - 1, first) - overscan);
  const end = Math.min(count, first + shown + overscan);
  return { start, end, before: start * rowHeight, after: (count - end) * rowHeight };
}

export function isUnread(m: MessageSummary): boolean {
  return !m.flags.some((f) => f.toLowerCase() === '\\seen');
}

export function isFlagged(m: MessageSummary): boolean {
  return m.flags.some((f) => f.toLowerCase() === '\\flagged');
}

/** The list's S/MIME marker: what opening the message found, else what it claims (neutral). */
export type SmimeMarker = { label: string; tone: 'good' | 'bad' | 'neutral'; icon: 'lock' | 'pen' };

/** What opening a message found, as the core keeps it for the list. */
export function checkedOf(r: Report): CheckedVerdict {
  return { encrypted: r.encrypted, signed: r.signed, valid: r.signed && r.valid };
}

/**
 * The marker of a list row. Before the message was opened it comes from the Content-Type
 * alone and is never green; after, it is the verdict the banner showed.
 */
export function smimeMarker(m: MessageSummary): SmimeMarker | null {
  const c = m.checked;
  if (!c) {
    if (m.smime === 'encrypted') return { label: 'S/MIME encrypted (not yet checked)', tone: 'neutral', icon: 'lock' };
    if (m.smime === 'signed') return { label: 'S/MIME signed (not yet checked)', tone: 'neutral', icon: 'pen' };
    return null;
  }
  const icon = c.encrypted ? 'lock' : 'pen';
  if (c.signed && c.valid) {
    const what = c.encrypted ? 'Encrypted and signed' : 'Signed';
    return { label: `${what}: the signature was valid when opened`, tone: 'good', icon };
  }
  if (c.signed) return { label: 'Signature not valid', tone: 'bad', icon };
  if (c.encrypted) return { label: 'Encrypted, not signed', tone: 'neutral', icon: 'lock' };
  if (m.smime !== 'none') return { label: 'Not signed (checked when opened)', tone: 'neutral', icon: 'pen' };
  return null;
}

/** "Alice <alice@x>" → "Alice"; a bare address stays as it is. */
export function senderName(from: string): string {
  const m = /^\s*"?([^"<]*?)"?\s*<[^>]*>\s*$/.exec(from);
  return m && m[1] ? m[1] : from.trim();
}

/** The names (else addresses) of a recipient list as the core renders it ("Name <a@b>, c@d"). */
export function recipientNames(to: string): string[] {
  const names: string[] = [];
  const re = /\s*(?:"?([^"<]*?)"?\s*<([^>]*)>|([^\s,<>]+@[^\s,<>]+))\s*,?/g;
  for (const m of to.matchAll(re)) {
    const name = (m[1] ?? '').trim();
    const addr = (m[2] ?? m[3] ?? '').trim();
    if (name || addr) names.push(name || addr);
  }
  return names;
}

/** Today: the time; this year: day and month; else the date. */
export function listDate(value: string | null, now = new Date()): string {
  if (!value) return '';
  const t = Date.parse(value);
  if (Number.isNaN(t)) return '';
  const d = new Date(t);
  if (d.toDateString() === now.toDateString()) return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  if (d.getFullYear() === now.getFullYear()) return d.toLocaleDateString(undefined, { day: 'numeric', month: 'short' });
  return formatDate(value);
}

export type ReplyKind = 'reply' | 'reply-all' | 'forward';

/**
 * A reply that quotes decrypted text: who signed it inside the encryption (validly), and the
 * intro line of the quote, so the form can warn about anyone else it goes to and remove it.
 */
export type QuoteGuard = { signers: string[]; intro: string };

export type ReplyDraft = {
  to: string;
  cc: string;
  subject: string;
  body: string;
  encrypt: boolean;
  inReplyTo: string | null;
  references: string[];
  /** Set when the body quotes text that arrived encrypted. */
  quoteGuard: QuoteGuard | null;
};

/** The addresses (lower case) of the valid signatures over the content, when all are valid. */
export function contentSigners(report: Report): string[] {
  if (!report.valid) return [];
  return report.layers.flatMap((l) =>
    l.type === 'signed' ? l.signatures.filter((s) => s.status === 'valid').flatMap((s) => s.emails.map((e) => e.toLowerCase())) : [],
  );
}

/** Recipients (each once) who are not among the signers. */
export function unsignedRecipients(recipients: readonly string[], signers: readonly string[]): string[] {
  const signed = new Set(signers.map((s) => s.toLowerCase()));
  const seen = new Set<string>();
  return recipients.filter((r) => {
    const key = r.toLowerCase();
    if (signed.has(key) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The REPLY attack: whoever re-sends someone else's encrypted message gets its plaintext back
 * when the reply quotes it. The recipients of a reply to encrypted mail who did not sign the
 * content inside the encryption; empty for mail that was not encrypted.
 */
export function replyQuoteRisk(view: MessageView, recipients: readonly string[]): string[] {
  return view.report.encrypted ? unsignedRecipients(recipients, contentSigners(view.report)) : [];
}

/** Whether a body still holds quoted lines. */
export function hasQuote(body: string): boolean {
  return /^>/m.test(body);
}

/** A body without the quote of a reply: its intro line and every quoted (">") line. */
export function stripQuote(body: string, intro: string): string {
  const kept = body.split('\n').filter((l) => !l.startsWith('>') && l.trim() !== intro.trim());
  return kept.join('\n').replace(/\n{3,}/g, '\n\n').replace(/\n+$/, '\n');
}

function prefixed(subject: string, prefix: 'Re' | 'Fwd'): string {
  const s = subject.trim();
  const re = prefix === 'Re' ? /^re:/i : /^(fwd?|fw):/i;
  return re.test(s) ? s : `${prefix}: ${s}`;
}

function quoted(text: string): string {
  return text
    .replace(/\r\n/g, '\n')
    .replace(/\n+$/, '')
    .split('\n')
    .map((l) => (l.startsWith('>') ? `>${l}` : `> ${l}`))
    .join('\n');
}

/**
 * The draft for a reply, reply-all or forward of an opened message. A reply to (or forward of)
 * encrypted mail starts encrypted; the plaintext body is quoted; `self` is the account's
 * address, left out of reply-all.
 */
export function replyDraft(kind: ReplyKind, view: MessageView, self: string): ReplyDraft {
  const h = view.headers;
  const me = self.toLowerCase();
  const text = view.text ?? '';
  const encrypt = view.report.encrypted;
  // The core gives the Message-ID without its angle brackets.
  const raw = h.message_id.trim();
  const id = raw ? (raw.startsWith('<') ? raw : `<${raw}>`) : null;
  if (kind === 'forward') {
    const head = ['-------- Forwarded message --------', `From: ${h.from}`, `Date: ${h.date}`, `Subject: ${h.subject}`, `To: ${h.to}`];
    if (h.cc) head.push(`Cc: ${h.cc}`);
    const body = `\n\n${head.join('\n')}\n\n${text}`;
    return { to: '', cc: '', subject: prefixed(h.subject, 'Fwd'), body, encrypt, inReplyTo: null, references: [], quoteGuard: null };
  }
  const from = parseAddresses(h.from).filter((a) => a.valid);
  const to = from.length > 0 ? from.map((a) => a.email) : [];
  let cc: string[] = [];
  if (kind === 'reply-all') {
    const taken = new Set([me, ...to.map((a) => a.toLowerCase())]);
    for (const a of [...parseAddresses(h.to), ...parseAddresses(h.cc)]) {
      if (!a.valid || taken.has(a.key)) continue;
      taken.add(a.key);
      cc.push(a.email);
    }
  }
  if (to.length === 0 && cc.length > 0) {
    to.push(cc[0]);
    cc = cc.slice(1);
  }
  const when = Number.isNaN(Date.parse(h.date)) ? h.date : new Date(Date.parse(h.date)).toUTCString();
  const intro = `On ${when || 'an earlier date'}, ${h.from || 'the sender'} wrote:`;
  return {
    to: to.join(', '),
    cc: cc.join(', '),
    subject: prefixed(h.subject, 'Re'),
    body: `\n\n${intro}\n${quoted(text)}\n`,
    encrypt,
    inReplyTo: id,
    references: id ? [id] : [],
    quoteGuard: encrypt && text.trim() ? { signers: contentSigners(view.report), intro } : null,
  };
}

/** The address of a From (or any single mailbox) header: the one in angle brackets, else the text. */
export function fromAddress(from: string): string {
  const m = /<([^<>]*)>\s*$/.exec(from);
  return (m ? m[1] : from).trim();
}
