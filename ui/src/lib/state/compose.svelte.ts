// The compose form's state. It lives outside the component so switching screens keeps the draft.
import { commands, pickFiles, pickSavePath } from '../platform';
import { errorText } from '../errors';
import { parseAddresses, removeAddress } from '../addresses';
import { buildDraft, chipFor, draftProblems, encryptReadiness, type DraftInput } from '../compose';
import { htmlToPlain, plainToHtml } from '../richtext';
import type { AccountDto, ComposeResult, RecipientStatus, ReplyContext, SendResult } from '../ipc/types';
import type { ReplyDraft } from '../mail';
import { app } from './app.svelte';

export class ComposeState {
  from = $state('');
  toText = $state('');
  ccText = $state('');
  bccText = $state('');
  subject = $state('');
  body = $state('');
  /** Formatted text: the body is edited as HTML (`html`); `body` is unused meanwhile. */
  formatted = $state(false);
  html = $state('');
  attachments = $state<string[]>([]);
  /** null until the user toggles Sign: then it follows whether From can sign. */
  signChoice = $state<boolean | null>(null);
  encrypt = $state(false);
  statuses = $state<Record<string, RecipientStatus>>({});
  checkError = $state<string | null>(null);
  result = $state<ComposeResult | null>(null);
  error = $state<string | null>(null);
  /** Set when the user tried to save while something blocks it. */
  attempted = $state(false);
  /** Threading of a reply (Mail screen). */
  reply = $state<ReplyContext>({ in_reply_to: null, references: [] });

  #generation = -1;

  fromOptions = $derived(
    app.identities.filter((c) => c.can_sign).flatMap((c) => c.emails.map((email) => ({ email, name: c.common_name }))),
  );
  fromCanSign = $derived(this.fromOptions.some((o) => o.email.toLowerCase() === this.from.toLowerCase()));
  sign = $derived(this.signChoice ?? this.fromCanSign);

  statusMap = $derived(new Map(Object.entries(this.statuses)));
  toChips = $derived(parseAddresses(this.toText).map((t) => chipFor(t, this.statusMap)));
  ccChips = $derived(parseAddresses(this.ccText).map((t) => chipFor(t, this.statusMap)));
  bccChips = $derived(parseAddresses(this.bccText).map((t) => chipFor(t, this.statusMap)));
  /** Valid addresses whose certificate status is not known yet. */
  unchecked = $derived(
    [...this.toChips, ...this.ccChips, ...this.bccChips].filter((c) => c.state === 'checking').map((c) => c.key),
  );
  readiness = $derived(encryptReadiness([...this.toChips, ...this.ccChips, ...this.bccChips].filter((c) => c.state !== 'invalid')));

  input = $derived<DraftInput>({
    from: this.from,
    fromCanSign: this.fromCanSign,
    to: this.toChips,
    cc: this.ccChips,
    bcc: this.bccChips,
    subject: this.subject,
    body: this.formatted ? htmlToPlain(this.html) : this.body,
    html: this.formatted ? this.html : null,
    attachments: this.attachments,
    sign: this.sign,
    encrypt: this.encrypt,
  });
  problems = $derived(draftProblems(this.input));

  /** Drops cached recipient answers when the certificate list changed (import, delete). */
  syncWithCertificates(): void {
    if (this.#generation !== app.generation) {
      this.#generation = app.generation;
      this.statuses = {};
    }
    if (!this.from && this.fromOptions.length > 0) this.from = this.fromOptions[0].email;
  }

  async checkRecipients(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    try {
      const answers = await commands.recipientStatus(keys);
      const next = { ...this.statuses };
      for (const a of answers) next[a.email.toLowerCase()] = a;
      this.statuses = next;
      this.checkError = null;
    } catch (error) {
      this.checkError = errorText(error, 'Certificates could not be looked up');
    }
  }

  toggleSign(): void {
    this.signChoice = !this.sign;
  }

  toggleEncrypt(): void {
    this.encrypt = !this.encrypt;
  }

  /** Formatted on: the text becomes editable HTML. Off: the plain text of it, formatting dropped. */
  toggleFormatted(): void {
    if (this.formatted) {
      this.body = htmlToPlain(this.html);
      this.html = '';
      this.formatted = false;
    } else {
      this.html = plainToHtml(this.body);
      this.formatted = true;
    }
  }

  removeRecipient(field: 'to' | 'cc' | 'bcc', key: string): void {
    if (field === 'to') this.toText = removeAddress(this.toText, key);
    else if (field === 'cc') this.ccText = removeAddress(this.ccText, key);
    else this.bccText = removeAddress(this.bccText, key);
  }

  async addAttachments(): Promise<void> {
    try {
      const paths = await pickFiles('Attach files', [], true);
      if (paths) this.attachments = [...this.attachments, ...paths.filter((p) => !this.attachments.includes(p))];
    } catch (error) {
      this.error = errorText(error, 'The file dialog could not be opened');
    }
  }

  removeAttachment(path: string): void {
    this.attachments = this.attachments.filter((p) => p !== path);
  }

  suggestedFileName(): string {
    const base = this.subject.trim().replace(/[\\/:*?"<>|\u0000-\u001f]+/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 80);
    return `${base || 'message'}.eml`;
  }

  async save(): Promise<void> {
    if (app.running('compose')) return;
    this.attempted = true;
    this.error = null;
    if (this.problems.length > 0) return;
    let path: string | null;
    try {
      path = await pickSavePath('Save message as', this.suggestedFileName(), [{ name: 'Email message', extensions: ['eml'] }]);
    } catch (error) {
      this.error = errorText(error, 'The save dialog could not be opened');
      return;
    }
    if (!path) return;
    const target = path;
    const draft = buildDraft(this.input);
    try {
      this.result = await app.run('compose', 'Saving message…', () => commands.composeMessage(draft, target));
      this.attempted = false;
    } catch (error) {
      this.result = null;
      this.error = errorText(error, 'The message could not be saved');
    }
  }

  /** Starts a new message from an account (Mail screen), or a reply or forward. */
  start(account: AccountDto, draft?: ReplyDraft): void {
    this.from = account.email;
    this.toText = draft?.to ?? '';
    this.ccText = draft?.cc ?? '';
    this.bccText = '';
    this.subject = draft?.subject ?? '';
    this.body = draft?.body ?? '';
    this.formatted = false;
    this.html = '';
    this.attachments = [];
    this.signChoice = null;
    this.encrypt = draft?.encrypt ?? false;
    this.reply = { in_reply_to: draft?.inReplyTo ?? null, references: draft?.references ?? [] };
    this.result = null;
    this.error = null;
    this.attempted = false;
  }

  /**
   * Sends through the account: signed/encrypted per the toggles, queued in the outbox, sent by
   * SMTP and appended to Sent. Returns the result (also when it stays in the outbox), or null
   * when nothing was queued.
   */
  async send(account: AccountDto): Promise<SendResult | null> {
    if (app.running('send')) return null;
    this.attempted = true;
    this.error = null;
    this.from = account.email;
    if (this.problems.length > 0) return null;
    const draft = buildDraft(this.input);
    const reply = this.reply;
    try {
      const r = await app.run('send', `Sending from ${account.email}…`, () => commands.mailSend(account.name, draft, reply));
      this.attempted = false;
      if (!r.delivered) {
        const failed = [r.entry, ...r.bcc_copies].find((e) => e.state !== 'sent') ?? r.entry;
        this.error = `The message is waiting in the outbox: ${failed.last_error ?? 'the server did not accept it'}. Retry it from the outbox.`;
      }
      return r;
    } catch (error) {
      this.error = errorText(error, 'The message was not sent');
      return null;
    }
  }
}

export const compose = new ComposeState();
/** The draft of the Mail screen (sent through an account), apart from the .eml workbench's. */
export const mailCompose = new ComposeState();
