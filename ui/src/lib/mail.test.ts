import { describe, expect, it } from 'vitest';
import {
  accountNameFor,
  checkLines,
  contentSigners,
  defaultPort,
  fromAddress,
  hasQuote,
  listDate,
  parseHostPort,
  PRESETS,
  recipientNames,
  replyDraft,
  replyQuoteRisk,
  senderName,
  smimeMarker,
  STAGE_TEXT,
  stripQuote,
  unsignedRecipients,
  visibleWindow,
} from './mail';
import type { CheckedVerdict, MailErrorKind, MessageSummary, MessageView, Report, SignatureReport, SignatureStatus } from './ipc/types';

const sig = (status: SignatureStatus, emails: string[]): SignatureReport => ({
  status,
  reason: '',
  emails,
  fingerprint: null,
  algorithm: 'ECDSA P-256 SHA-256',
  signing_time: null,
  reason_code: null,
  anchor: null,
});

const view = (over: Partial<MessageView['headers']> = {}, encrypted = true, text: string | null = 'Line one\n> older\nLine three\n'): MessageView => ({
  id: 1,
  report: {
    encrypted,
    signed: true,
    valid: true,
    from: 'bob@example.test',
    protected_headers: [],
    header_mismatches: [],
    layers: [{ type: 'signed', form: 'opaque', signatures: [sig('valid', ['Bob@example.test'])] }],
    cert_changes: [],
  },
  headers: {
    from: 'Bob <bob@example.test>',
    from_name_looks_like_address: false,
    to: 'alice@example.test, carol@example.test',
    cc: 'Dave <dave@example.test>, ALICE@example.test',
    subject: 'Keys',
    date: 'Fri, 27 Nov 2026 09:30:00 +0000',
    message_id: '<k1@example.test>',
    ...over,
  },
  text,
  html: null,
  attachments: [],
});

describe('visibleWindow', () => {
  it('draws the rows in view plus the overscan, and spaces for the rest', () => {
    const w = visibleWindow(0, 580, 58, 10000, 6);
    expect(w).toEqual({ start: 0, end: 17, before: 0, after: (10000 - 17) * 58 });
    const mid = visibleWindow(58 * 5000, 580, 58, 10000, 6);
    expect(mid.start).toBe(4994);
    expect(mid.end).toBe(5017);
    expect(mid.before + (mid.end - mid.start) * 58 + mid.after).toBe(10000 * 58);
  });
  it('clamps at the end and for odd input', () => {
    const end = visibleWindow(10_000_000, 580, 58, 10000, 6);
    expect(end.end).toBe(10000);
    expect(end.start).toBe(9993);
    expect(visibleWindow(0, 500, 58, 0)).toEqual({ start: 0, end: 0, before: 0, after: 0 });
    expect(visibleWindow(-50, 100, 58, 3).start).toBe(0);
  });
});

describe('replyDraft', () => {
  it('reply goes to the sender, starts encrypted for encrypted mail, quotes and threads', () => {
    const d = replyDraft('reply', view(), 'alice@example.test');
    expect(d.to).toBe('bob@example.test');
    expect(d.cc).toBe('');
    expect(d.subject).toBe('Re: Keys');
    expect(d.encrypt).toBe(true);
    expect(d.body).toBe('\n\nOn Fri, 27 Nov 2026 09:30:00 GMT, Bob <bob@example.test> wrote:\n> Line one\n>> older\n> Line three\n');
    expect(d.inReplyTo).toBe('<k1@example.test>');
    expect(d.references).toEqual(['<k1@example.test>']);
  });
  it('the Message-ID gets its angle brackets back', () => {
    expect(replyDraft('reply', view({ message_id: 'k2@example.test' }), 'a@x.test').inReplyTo).toBe('<k2@example.test>');
  });
  it('reply all adds everyone but me, once', () => {
    const d = replyDraft('reply-all', view(), 'Alice@Example.test');
    expect(d.to).toBe('bob@example.test');
    expect(d.cc).toBe('carol@example.test, dave@example.test');
  });
  it('a plain message is answered in plain, and Re: is not doubled', () => {
    const d = replyDraft('reply', view({ subject: 'RE: Keys', message_id: '' }, false), 'alice@example.test');
    expect(d.encrypt).toBe(false);
    expect(d.subject).toBe('RE: Keys');
    expect(d.inReplyTo).toBeNull();
    expect(d.references).toEqual([]);
  });
  it('forward has no recipient and carries the original', () => {
    const d = replyDraft('forward', view(), 'alice@example.test');
    expect(d.to).toBe('');
    expect(d.subject).toBe('Fwd: Keys');
    expect(d.encrypt).toBe(true);
    expect(d.body).toContain('-------- Forwarded message --------\nFrom: Bob <bob@example.test>');
    expect(d.body).toContain('Line one\n> older');
    expect(d.inReplyTo).toBeNull();
  });
  it('copes with a message without text', () => {
    expect(replyDraft('reply', view({}, true, null), 'a@x.test').body).toContain('wrote:\n> \n');
  });
});

describe('replying to encrypted mail (the REPLY attack)', () => {
  const withReport = (over: Partial<Report>): MessageView => {
    const v = view();
    return { ...v, report: { ...v.report, ...over } };
  };
  const outside: Report['layers'] = [
    { type: 'signed', form: 'opaque', signatures: [sig('outside-encryption', ['mallory@example.test'])] },
    { type: 'enveloped', cipher: 'aes-256-cbc' },
  ];

  it('the content signers are the valid signatures, only when all are valid', () => {
    expect(contentSigners(view().report)).toEqual(['bob@example.test']);
    expect(contentSigners(withReport({ valid: false }).report)).toEqual([]);
    expect(contentSigners(withReport({ layers: outside, signed: false, valid: false }).report)).toEqual([]);
  });

  it('a reply that goes only to who signed inside the encryption is not at risk', () => {
    const v = view();
    expect(replyQuoteRisk(v, ['bob@example.test'])).toEqual([]);
    expect(replyQuoteRisk(v, ['BOB@example.test', 'dave@example.test', 'Dave@example.test'])).toEqual(['dave@example.test']);
  });

  it('someone who only signed the ciphertext, or nobody signing, puts the quote at risk', () => {
    expect(replyQuoteRisk(withReport({ layers: outside, signed: false, valid: false }), ['mallory@example.test'])).toEqual(['mallory@example.test']);
    expect(replyQuoteRisk(withReport({ layers: [{ type: 'auth-enveloped', cipher: 'aes-256-gcm' }], signed: false, valid: false }), ['bob@example.test'])).toEqual([
      'bob@example.test',
    ]);
    // A signature that is not valid does not count either.
    const bad = withReport({ valid: false, layers: [{ type: 'signed', form: 'opaque', signatures: [sig('mismatched-sender', ['bob@example.test'])] }] });
    expect(replyQuoteRisk(bad, ['bob@example.test'])).toEqual(['bob@example.test']);
  });

  it('mail that was not encrypted is no risk', () => {
    expect(replyQuoteRisk(view({}, false), ['mallory@example.test'])).toEqual([]);
  });

  it('replyDraft hands the form who signed and the quote intro; a forward and plain mail carry none', () => {
    const d = replyDraft('reply', withReport({ layers: outside, signed: false, valid: false }), 'alice@example.test');
    expect(d.quoteGuard).toEqual({ signers: [], intro: 'On Fri, 27 Nov 2026 09:30:00 GMT, Bob <bob@example.test> wrote:' });
    expect(replyDraft('reply-all', view(), 'alice@example.test').quoteGuard?.signers).toEqual(['bob@example.test']);
    expect(replyDraft('forward', view(), 'alice@example.test').quoteGuard).toBeNull();
    expect(replyDraft('reply', view({}, false), 'alice@example.test').quoteGuard).toBeNull();
    expect(replyDraft('reply', view({}, true, null), 'alice@example.test').quoteGuard).toBeNull();
    expect(unsignedRecipients(['a@x.test', 'b@x.test'], ['A@x.test'])).toEqual(['b@x.test']);
  });

  it('the quote can be taken out again, keeping what was written', () => {
    const d = replyDraft('reply', view(), 'alice@example.test');
    const intro = d.quoteGuard!.intro;
    expect(hasQuote(d.body)).toBe(true);
    const written = `Thanks, got it.\n${d.body}`;
    const stripped = stripQuote(written, intro);
    expect(stripped).toBe('Thanks, got it.\n');
    expect(hasQuote(stripped)).toBe(false);
  });
});

describe('connection test wording', () => {
  it('every stage has its own sentence naming the stage', () => {
    const kinds: MailErrorKind[] = ['dns', 'tcp', 'tls-certificate', 'tls', 'starttls-missing', 'authentication', 'timeout', 'connection-lost', 'protocol', 'rejected', 'config'];
    const texts = kinds.map((k) => STAGE_TEXT[k]);
    expect(new Set(texts).size).toBe(kinds.length);
    expect(STAGE_TEXT.dns).toMatch(/^DNS:/);
    expect(STAGE_TEXT.tcp).toMatch(/TCP/);
    expect(STAGE_TEXT['tls-certificate']).toMatch(/^TLS certificate:/);
    expect(STAGE_TEXT.authentication).toMatch(/^Authentication:/);
  });
  it('lines name the server without repeating the protocol', () => {
    const lines = checkLines({
      account: 'a',
      ok: false,
      imap: { server: 'IMAP mail.example.test:993', ok: true, failed_at: null, message: null },
      smtp: { server: 'SMTP mail.example.test:587', ok: false, failed_at: 'starttls-missing', message: 'SMTP mail.example.test:587: no STARTTLS' },
    });
    expect(lines[0]).toEqual({ server: 'Incoming (IMAP) mail.example.test:993', ok: true, stage: null, text: 'Connected and signed in.', detail: null });
    expect(lines[1].server).toBe('Outgoing (SMTP) mail.example.test:587');
    expect(lines[1].text).toBe(STAGE_TEXT['starttls-missing']);
    expect(lines[1].detail).toBe('SMTP mail.example.test:587: no STARTTLS');
  });
});

describe('small helpers', () => {
  it('presets use TLS and the published ports', () => {
    for (const p of PRESETS) {
      expect(p.imap.port === 993 && p.imap.tls === 'implicit').toBe(true);
      expect((p.smtp.port === 465 && p.smtp.tls === 'implicit') || (p.smtp.port === 587 && p.smtp.tls === 'starttls')).toBe(true);
    }
    expect(PRESETS.map((p) => p.id)).toEqual(['gmail', 'outlook', 'icloud', 'fastmail', 'yahoo']);
  });
  it('ports, names and senders', () => {
    expect(defaultPort('imap', 'starttls')).toBe(143);
    expect(defaultPort('smtp', 'implicit')).toBe(465);
    expect(parseHostPort('mail.example.test:587')).toEqual({ host: 'mail.example.test', port: 587 });
    expect(parseHostPort('mail.example.test:99999')).toEqual({ host: 'mail.example.test', port: null });
    expect(accountNameFor(' Alice Smith@example.test ')).toBe('AliceSmith@example.test');
    expect(senderName('"Bob B." <bob@example.test>')).toBe('Bob B.');
    expect(senderName('bob@example.test')).toBe('bob@example.test');
    expect(fromAddress('"alice@bar.test" <carol@bar.test>')).toBe('carol@bar.test');
    expect(fromAddress(' bob@example.test ')).toBe('bob@example.test');
  });
  it('recipients of sent mail and drafts, by name', () => {
    expect(recipientNames('Bob Builder <bob@example.test>, carol@example.test')).toEqual(['Bob Builder', 'carol@example.test']);
    expect(recipientNames('Doe, Jane <jane@example.test>, <x@example.test>')).toEqual(['Doe, Jane', 'x@example.test']);
    expect(recipientNames('')).toEqual([]);
  });
  it('list dates: time today, day and month this year', () => {
    const now = new Date('2026-11-28T15:00:00');
    expect(listDate('2026-11-28T09:05:00', now)).toMatch(/09.05|9.05/);
    expect(listDate('2026-03-02T09:05:00', now)).toMatch(/Mar|2/);
    expect(listDate('2024-12-04T09:05:00', now)).toBe('Dec 4, 2024');
    expect(listDate(null, now)).toBe('');
    expect(listDate('not a date', now)).toBe('');
  });
});

describe('the list marker', () => {
  const row = (smime: MessageSummary['smime'], checked: CheckedVerdict | null): MessageSummary => ({
    uid: 1,
    from: 'bob@example.test',
    to: '',
    subject: 's',
    date: null,
    message_id: null,
    flags: [],
    smime,
    checked,
  });
  it('is neutral until the message is opened, whatever it claims', () => {
    expect(smimeMarker(row('signed', null))).toEqual({ label: 'S/MIME signed (not yet checked)', tone: 'neutral', icon: 'pen' });
    expect(smimeMarker(row('encrypted', null))?.tone).toBe('neutral');
    expect(smimeMarker(row('none', null))).toBeNull();
  });
  it('shows what opening found', () => {
    const v = (encrypted: boolean, signed: boolean, valid: boolean) => ({ encrypted, signed, valid });
    expect(smimeMarker(row('encrypted', v(true, true, true)))).toEqual({
      label: 'Encrypted and signed: the signature was valid when opened',
      tone: 'good',
      icon: 'lock',
    });
    expect(smimeMarker(row('signed', v(false, true, false)))).toEqual({ label: 'Signature not valid', tone: 'bad', icon: 'pen' });
    expect(smimeMarker(row('encrypted', v(true, false, false)))?.label).toBe('Encrypted, not signed');
    // A claimed signature that turned out not to count (over ciphertext only) is not green.
    expect(smimeMarker(row('signed', v(false, false, false)))).toEqual({ label: 'Not signed (checked when opened)', tone: 'neutral', icon: 'pen' });
    expect(smimeMarker(row('none', v(false, false, false)))).toBeNull();
    // "valid" without "signed" is never green.
    expect(smimeMarker(row('signed', v(false, false, true)))?.tone).toBe('neutral');
  });
});
