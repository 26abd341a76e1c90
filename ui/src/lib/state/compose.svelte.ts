// The compose form's state. It lives outside the component so switching screens keeps the draft.
import { commands, pickFiles, pickSavePath, type Carried } from '../platform';
import { errorText } from '../errors';
import { parseAddresses, removeAddress } from '../addresses';
import {
  buildDraft,
  chipFor,
  draftProblems,
  encryptReadiness,
  missingCertificates,
  mixedChoices,
  type DraftInput,
  type MixedChoice,
} from '../compose';
import { htmlToPlain, plainToHtml, stripQuoteHtml } from '../richtext';
import type { AccountDto, Attachment, ComposeResult, DraftView, RecipientStatus, ReplyContext, SendResult } from '../ipc/types';
import { hasQuote, stripQuote, unsignedRecipients, type QuoteGuard, type ReplyDraft } from '../mail';
import { app } from './app.svelte';

export class ComposeState {
  /** Sending through an account: the mixed-recipients dialog decides about missing certificates. */
  readonly askAboutMissing: boolean = false;
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
  /** What importing a recipient's certificate from the compose form did. */
  importNote = $state<{ email: string; text: string; ok: boolean } | null>(null);
  result = $state<ComposeResult | null>(null);
  error = $state<string | null>(null);
  /** Set when the user tried to save while something blocks it. */
  attempted = $state(false);
  /** Threading of a reply (Mail screen). */
  reply = $state<ReplyContext>({ in_reply_to: null, references: [] });
  /** A reply quoting text that arrived encrypted: who signed it inside the encryption. */
  quoteGuard = $state<QuoteGuard | null>(null);

  /** The saved draft this form continues (Mail screen): replaced on the next save, removed once sent. */
  draftRef = $state<{ account: string; folder: string; uid: number | null } | null>(null);
  /** Attachments of the opened draft still in the form (the core holds their bytes). */
  carried = $state<{ token: number; attachments: Attachment[] } | null>(null);
  draftNote = $state<string | null>(null);
  draftError = $state<string | null>(null);

  /** Recipients without a certificate the user is being asked about (Send with encryption). */
  mixedPrompt = $state<string[] | null>(null);
  /** What the last certificate request did, for the form. */
  requestNote = $state<string | null>(null);

  #generation = -1;

  /** What the form held when it was started, loaded, saved as a draft or sent. */
  savedSignature = $state('');
  /** Written since then: starting another message would lose it. */
  dirty = $derived(this.signature() !== this.savedSignature);

  signature(): string {
    return JSON.stringify([
      this.toText.trim(),
      this.ccText.trim(),
      this.bccText.trim(),
      this.subject.trim(),
      this.formatted ? this.html : this.body.trim(),
      this.attachments,
      this.carried?.attachments.map((a) => a.index) ?? [],
    ]);
  }

  /** The form as it is now counts as kept (nothing to lose). */
  markKept(): void {
    this.savedSignature = this.signature();
  }

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
  readiness = $derived(
    encryptReadiness(
      [...this.toChips, ...this.ccChips, ...this.bccChips].filter(
        (c) => c.state !== 'invalid' && !(this.askAboutMissing && c.state === 'missing'),
      ),
    ),
  );

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
    askAboutMissing: this.askAboutMissing,
  });
  problems = $derived(draftProblems(this.input));
  /**
   * Recipients who would get the decrypted quote although they did not sign it inside the
   * encryption (the REPLY attack), while the quote is still in the text.
   */
  quoteRisk = $derived.by(() => {
    const guard = this.quoteGuard;
    if (!guard || !hasQuote(this.input.body)) return [];
    const recipients = [...this.toChips, ...this.ccChips, ...this.bccChips].filter((c) => c.state !== 'invalid').map((c) => c.email);
    return unsignedRecipients(recipients, guard.signers);
  });
  /** Recipients without a usable certificate while Encrypt is on. */
  missing = $derived(missingCertificates(this.input));
  /** Distinct valid recipients. */
  recipientCount = $derived(
    new Set([...this.toChips, ...this.ccChips, ...this.bccChips].filter((c) => c.state !== 'invalid').map((c) => c.key)).size,
  );
  mixedOptions = $derived(mixedChoices(this.missing.length, this.recipientCount));

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

  /**
   * Imports a certificate for a recipient who has none, from the chip: a file the user
   * chooses (their .cer/.pem/.p7b, or one mailed to them). The chips are checked again after.
   */
  async importCertificateFor(email: string): Promise<void> {
    let paths: string[] | null;
    this.importNote = null;
    try {
      paths = await pickFiles(`Import a certificate for ${email}`, [
        { name: 'Certificates', extensions: ['pem', 'cer', 'crt', 'der', 'p7b', 'p7c'] },
      ]);
    } catch (error) {
      this.importNote = { email, text: errorText(error, 'The file dialog could not be opened'), ok: false };
      return;
    }
    if (!paths || paths.length === 0) return;
    try {
      const r = await app.run('import', 'Importing certificates…', () => commands.importFiles(paths, null));
      await app.refreshAll();
      const covers = r.imported.some((c) => c.emails.some((e) => e.toLowerCase() === email.toLowerCase()));
      this.importNote = covers
        ? { email, text: `Imported a certificate for ${email}.`, ok: true }
        : { email, text: `The file holds no certificate for ${email}.`, ok: false };
    } catch (error) {
      this.importNote = { email, text: errorText(error, 'Import failed'), ok: false };
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

  /** Takes the quote of the message replied to out of the text (plain or formatted). */
  removeQuote(): void {
    const intro = this.quoteGuard?.intro ?? '';
    if (this.formatted) this.html = stripQuoteHtml(this.html, intro);
    else this.body = stripQuote(this.body, intro);
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

  constructor(askAboutMissing = false) {
    this.askAboutMissing = askAboutMissing;
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
    this.quoteGuard = draft?.quoteGuard ?? null;
    this.mixedPrompt = null;
    this.requestNote = null;
    this.importNote = null;
    this.draftRef = null;
    this.carried = null;
    this.draftNote = null;
    this.draftError = null;
    this.result = null;
    this.error = null;
    this.attempted = false;
    this.markKept();
  }

  /** Fills the form from a saved draft (Mail screen, Drafts folder). */
  loadDraft(account: AccountDto, folder: string, uid: number, view: DraftView): void {
    this.start(account);
    const d = view.draft;
    this.toText = d.to.join(', ');
    this.ccText = d.cc.join(', ');
    this.bccText = d.bcc.join(', ');
    this.subject = d.subject;
    if (d.html) {
      this.formatted = true;
      this.html = d.html;
      this.body = '';
    } else {
      this.body = d.body;
    }
    this.signChoice = d.sign;
    this.encrypt = d.encrypt;
    this.reply = { in_reply_to: view.reply.in_reply_to, references: [...view.reply.references] };
    this.draftRef = { account: account.name, folder, uid };
    this.carried = view.carried.length > 0 ? { token: view.token, attachments: [...view.carried] } : null;
    this.markKept();
  }

  removeCarried(index: number): void {
    if (!this.carried) return;
    this.carried = { ...this.carried, attachments: this.carried.attachments.filter((a) => a.index !== index) };
  }

  #carriedArg(): Carried | null {
    return this.carried && this.carried.attachments.length > 0
      ? { token: this.carried.token, indices: this.carried.attachments.map((a) => a.index) }
      : null;
  }

  /**
   * Saves the form in the account's Drafts folder: encrypted to the sender when Encrypt is on,
   * replacing the previously saved version. Recipients need not be complete yet.
   */
  async saveDraft(account: AccountDto, automatic = false): Promise<boolean> {
    if (app.running('draft') || app.running('send')) return false;
    const invalid = [...this.toChips, ...this.ccChips, ...this.bccChips].filter((c) => c.state === 'invalid').map((c) => c.email);
    // Saving by itself waits until the addresses are complete, and says nothing meanwhile.
    if (automatic && invalid.length > 0) return false;
    this.draftError = null;
    this.draftNote = null;
    this.from = account.email;
    if (invalid.length > 0) {
      this.draftError = `Correct or remove ${invalid.join(', ')} first: the draft keeps e-mail addresses only.`;
      return false;
    }
    const draft = buildDraft(this.input);
    // What is being saved: typing during the save still counts as unsaved afterwards.
    const signature = this.signature();
    const replace = this.draftRef?.account === account.name ? this.draftRef.uid : null;
    try {
      const saved = await app.run('draft', 'Saving the draft…', () =>
        commands.mailSaveDraft(account.name, draft, this.reply, this.#carriedArg(), replace),
      );
      this.draftRef = { account: account.name, folder: saved.folder, uid: saved.uid };
      this.savedSignature = signature;
      const time = new Date().toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
      this.draftNote = `Draft saved${automatic ? ' automatically' : ''} in ${saved.folder} at ${time}${saved.encrypted ? ', encrypted so only you can read it' : ', not encrypted'}.`;
      return true;
    } catch (error) {
      this.draftError = errorText(error, automatic ? 'The draft could not be saved automatically' : 'The draft was not saved');
      return false;
    }
  }

  /**
   * Sends through the account: signed/encrypted per the toggles, queued in the outbox, sent by
   * SMTP and appended to Sent. Returns the result (also when it stays in the outbox), or null
   * when nothing was queued.
   */
  async send(account: AccountDto, unencryptedTo: string[] = []): Promise<SendResult | null> {
    if (app.running('send')) return null;
    this.attempted = true;
    this.error = null;
    this.from = account.email;
    if (this.problems.length > 0) return null;
    // Some recipients have no certificate: the user chooses what happens to them (never a
    // silent plaintext copy).
    const undecided = this.missing.filter((m) => !unencryptedTo.some((u) => u.toLowerCase() === m.toLowerCase()));
    if (undecided.length > 0) {
      this.mixedPrompt = undecided;
      return null;
    }
    const draft = buildDraft(this.input);
    const reply = this.reply;
    const signature = this.signature();
    try {
      const carried = this.#carriedArg();
      const r = await app.run('send', `Sending from ${account.email}…`, () => commands.mailSend(account.name, draft, reply, unencryptedTo, carried));
      // Queued (sent or waiting in the outbox): what was sent is not lost, and the saved draft
      // has done its job.
      this.savedSignature = signature;
      const ref = this.draftRef;
      if (ref && ref.uid !== null && ref.account === account.name) {
        const token = this.carried?.token ?? null;
        this.draftRef = null;
        this.carried = null;
        try {
          await commands.mailDiscardDraft(account.name, ref.folder, ref.uid, token);
        } catch (error) {
          this.draftError = errorText(error, `The message was sent, but its draft is still in ${ref.folder}`);
        }
      }
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

  #removeEverywhere(emails: readonly string[]): void {
    for (const e of emails) {
      const key = e.toLowerCase();
      this.toText = removeAddress(this.toText, key);
      this.ccText = removeAddress(this.ccText, key);
      this.bccText = removeAddress(this.bccText, key);
    }
  }

  /**
   * Carries out the user's choice in the mixed-recipients dialog, then sends what is left:
   * remove them; ask them (a signed request each) and send to the others, or keep the message
   * when nobody else is left; or send them a separate unencrypted copy.
   */
  async resolveMixed(account: AccountDto, choice: MixedChoice): Promise<SendResult | null> {
    const missing = this.mixedPrompt ?? [];
    if (missing.length === 0 || !this.mixedOptions.includes(choice)) return null;
    this.error = null;
    this.requestNote = null;
    if (choice === 'unencrypted') {
      this.mixedPrompt = null;
      return this.send(account, missing);
    }
    if (choice === 'request') {
      try {
        const sent = await app.run('send', 'Asking for certificates…', () => commands.mailRequestCertificates(account.name, missing));
        const waiting = sent.filter((r) => !r.delivered).flatMap((r) => r.entry.recipients);
        this.requestNote =
          `Asked ${missing.join(', ')} for their certificate with a signed message.` +
          (waiting.length > 0 ? ` The request to ${waiting.join(', ')} is waiting in the outbox.` : '') +
          (this.mixedOptions.length === 1
            ? ' This message stays here: once their signed reply is read, their certificate is known and you can send it encrypted.'
            : '');
      } catch (error) {
        this.mixedPrompt = null;
        this.error = errorText(error, 'The certificate request was not sent');
        return null;
      }
      if (this.mixedOptions.length === 1) {
        this.mixedPrompt = null;
        return null;
      }
    }
    this.mixedPrompt = null;
    this.#removeEverywhere(missing);
    return this.send(account);
  }
}

export const compose = new ComposeState();
/** The draft of the Mail screen (sent through an account), apart from the .eml workbench's. */
export const mailCompose = new ComposeState(true);
