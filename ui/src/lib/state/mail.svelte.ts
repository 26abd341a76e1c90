// The Mail screen's state: accounts, the folder and message list of the chosen account, the
// opened message, the outbox, and which pane (message, compose, outbox, account form) shows.
import { commands, onMailChanged, pickSavePath } from '../platform';
import { errorText } from '../errors';
import { extension } from '../files';
import { checkedOf, isFlagged, isUnread, replyDraft, type ReplyKind } from '../mail';
import type { AccountDto, Attachment, FolderDto, MailChanged, MessageSummary, MessageView, OutboxEntry, SendResult } from '../ipc/types';
import { app } from './app.svelte';
import { mailCompose } from './compose.svelte';

export type MailPane = 'message' | 'compose' | 'outbox' | 'account' | 'edit-account';

const INBOX: FolderDto = { name: 'INBOX', delimiter: null, special: 'inbox', selectable: true };

export class MailState {
  accounts = $state<AccountDto[]>([]);
  accountName = $state<string | null>(null);
  account = $derived(this.accounts.find((a) => a.name === this.accountName) ?? null);
  loaded = $state(false);
  error = $state<string | null>(null);

  folders = $state<FolderDto[]>([INBOX]);
  folder = $state('INBOX');
  folderError = $state<string | null>(null);
  /** Newest first. Replaced whole (never mutated in place), so it is not deeply reactive. */
  messages = $state.raw<MessageSummary[]>([]);
  listError = $state<string | null>(null);
  /** A server-side search of the folder: its text and the matching cached messages (newest
   * first), or null when the whole folder is shown. */
  searchText = $state<string | null>(null);
  results = $state.raw<MessageSummary[] | null>(null);
  searchError = $state<string | null>(null);
  shown = $derived(this.results ?? this.messages);
  syncNote = $state<string | null>(null);
  syncError = $state<string | null>(null);
  lastSync = $state<string | null>(null);

  pane = $state<MailPane>('message');
  selectedUid = $state<number | null>(null);
  view = $state<MessageView | null>(null);
  readError = $state<string | null>(null);
  actionNote = $state<string | null>(null);
  attachmentNote = $state<string | null>(null);
  savingIndex = $state<number | null>(null);

  /** The last message sent from the compose pane, shown once back at the message. */
  lastSent = $state<SendResult | null>(null);
  outbox = $state<OutboxEntry[]>([]);
  outboxError = $state<string | null>(null);
  retrying = $state<number | null>(null);

  selected = $derived(this.messages.find((m) => m.uid === this.selectedUid) ?? null);
  /** Sent mail and drafts are listed by whom they are to. */
  showsRecipients = $derived(
    this.folders.some((f) => f.name === this.folder && (f.special === 'sent' || f.special === 'drafts')) ||
      ['sent', 'drafts'].includes(this.folder.toLowerCase()),
  );
  /** The folder on screen is the account's Drafts folder. */
  inDrafts = $derived(
    this.folders.some((f) => f.name === this.folder && f.special === 'drafts') ||
      (this.folder.toLowerCase() === 'drafts' && !this.folders.some((f) => f.special === 'drafts')),
  );
  unread = $derived(this.messages.filter(isUnread).length);
  waiting = $derived(this.outbox.filter((e) => e.state !== 'sent' || !e.appended).length);

  /** First visit: accounts, then the first account's inbox (cached list, then a sync). */
  async init(): Promise<void> {
    if (this.loaded) return;
    await this.loadAccounts();
    this.loaded = true;
    void onMailChanged((change) => this.arrived(change));
    void this.loadOutbox();
    if (this.accounts.length === 0) this.pane = 'account';
    else await this.selectAccount(this.accounts[0].name);
  }

  /** The shell noticed new mail (IDLE) and synced it: show it if that folder is on screen. */
  arrived(change: MailChanged): void {
    if (change.account !== this.accountName || change.folder !== this.folder) return;
    if (change.new > 0) this.syncNote = `${change.new} new message${change.new === 1 ? '' : 's'}`;
    this.lastSync = new Date().toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
    void this.loadList();
  }

  /** Removes an account from this computer (its password, outbox and cached mail; nothing on
   * the server), then shows the next account or the empty state. Throws the core's error. */
  async removeAccount(name: string): Promise<void> {
    await app.run('mail', `Removing ${name}…`, () => commands.mailRemoveAccount(name));
    this.clearSearch();
    this.closeMessage();
    await this.loadAccounts();
    void this.loadOutbox();
    if (this.accounts.length > 0) {
      await this.selectAccount(this.accounts[0].name);
    } else {
      this.accountName = null;
      this.messages = [];
      this.folders = [INBOX];
      this.pane = 'account';
    }
  }

  async loadAccounts(): Promise<void> {
    try {
      this.accounts = await commands.mailAccounts();
      this.error = null;
    } catch (error) {
      this.error = errorText(error, 'The accounts could not be loaded');
    }
  }

  async accountAdded(account: AccountDto): Promise<void> {
    await this.loadAccounts();
    this.pane = 'message';
    await this.selectAccount(account.name);
  }

  /** The account's settings were changed: its list again (the cache may have been dropped), synced. */
  async accountEdited(account: AccountDto): Promise<void> {
    await this.loadAccounts();
    this.pane = 'message';
    await this.selectAccount(account.name);
    this.actionNote = `Saved the settings of ${account.name}.`;
  }

  async selectAccount(name: string): Promise<void> {
    this.clearSearch();
    this.accountName = name;
    this.folder = 'INBOX';
    this.folders = [INBOX];
    this.messages = [];
    this.closeMessage();
    await this.loadList();
    void this.loadFolders();
    await this.sync();
  }

  async loadFolders(): Promise<void> {
    const account = this.account;
    if (!account) return;
    try {
      const folders = await commands.mailFolders(account.name);
      if (this.accountName !== account.name) return;
      this.folders = folders.length > 0 ? folders : [INBOX];
      this.folderError = null;
    } catch (error) {
      this.folderError = errorText(error, 'The folders could not be listed');
    }
  }

  async selectFolder(name: string): Promise<void> {
    if (name === this.folder && this.messages.length > 0) return;
    this.clearSearch();
    this.folder = name;
    this.messages = [];
    this.closeMessage();
    await this.loadList();
    await this.sync();
  }

  /** Searches the folder on the server (headers and text; an encrypted body is ciphertext to
   * the server, so such messages are found by their headers) and shows the cached matches. */
  async search(text: string): Promise<void> {
    const account = this.account;
    const query = text.trim();
    if (!account) return;
    if (!query) {
      this.clearSearch();
      return;
    }
    const folder = this.folder;
    this.searchError = null;
    try {
      const found = await app.run('mail', `Searching ${folder}…`, () => commands.mailSearch(account.name, folder, query));
      if (this.accountName !== account.name || this.folder !== folder) return;
      this.searchText = query;
      this.results = found;
    } catch (error) {
      this.searchError = errorText(error, 'The search did not work');
    }
  }

  clearSearch(): void {
    this.searchText = null;
    this.results = null;
    this.searchError = null;
  }

  /** The cached list; no network. */
  async loadList(): Promise<void> {
    const account = this.account;
    if (!account) return;
    const folder = this.folder;
    try {
      const list = await commands.mailList(account.name, folder);
      if (this.accountName !== account.name || this.folder !== folder) return;
      this.messages = list;
      this.listError = null;
    } catch (error) {
      this.listError = errorText(error, 'The message list could not be loaded');
    }
  }

  /** Fetches what is new on the server, then shows the cached list. */
  async sync(): Promise<void> {
    const account = this.account;
    if (!account || app.running('sync')) return;
    const folder = this.folder;
    this.syncError = null;
    try {
      const r = await app.run('sync', `Syncing ${folder}…`, () => commands.mailSync(account.name, folder));
      this.syncNote =
        r.new > 0 ? `${r.new} new message${r.new === 1 ? '' : 's'}` : r.removed > 0 ? `${r.removed} removed on the server` : 'Up to date';
      this.lastSync = new Date().toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
    } catch (error) {
      this.syncError = errorText(error, `${folder} could not be synced`);
    }
    await this.loadList();
  }

  /**
   * Decrypts and verifies a cached message (no network), and marks it read on the server
   * whatever the outcome: a flag set only when decryption worked would tell whoever watches
   * the mailbox which crafted messages decrypt (a format oracle).
   */
  async open(uid: number): Promise<void> {
    const account = this.account;
    if (!account) return;
    const folder = this.folder;
    this.selectedUid = uid;
    this.pane = 'message';
    this.readError = null;
    this.actionNote = null;
    this.attachmentNote = null;
    try {
      const view = await app.run('mail', 'Opening the message…', () => commands.mailRead(account.name, folder, uid));
      if (this.selectedUid === uid) this.view = view;
      // The list shows what was found from now on (the core keeps it for the next listing).
      const row = this.messages.find((x) => x.uid === uid);
      if (row) row.checked = checkedOf(view.report);
    } catch (error) {
      if (this.selectedUid === uid) {
        this.view = null;
        this.readError = errorText(error, 'The message could not be opened');
      }
    }
    const m = this.messages.find((x) => x.uid === uid);
    if (m && isUnread(m)) await this.setSeen(uid, true, true);
  }

  closeMessage(): void {
    this.selectedUid = null;
    this.view = null;
    this.readError = null;
    this.actionNote = null;
  }

  #replaceFlags(uid: number, flags: string[]): void {
    this.messages = this.messages.map((m) => (m.uid === uid ? { ...m, flags } : m));
  }

  async setSeen(uid: number, seen: boolean, quiet = false): Promise<void> {
    const account = this.account;
    if (!account) return;
    try {
      const flags = await commands.mailSetFlag(account.name, this.folder, uid, 'seen', seen);
      this.#replaceFlags(uid, flags);
      if (!quiet) this.actionNote = seen ? 'Marked as read.' : 'Marked as unread.';
    } catch (error) {
      this.actionNote = errorText(error, seen ? 'The message could not be marked as read' : 'The message could not be marked as unread');
    }
  }

  async toggleSeen(uid: number): Promise<void> {
    const m = this.messages.find((x) => x.uid === uid);
    if (m) await this.setSeen(uid, isUnread(m));
  }

  async toggleFlagged(uid: number): Promise<void> {
    const account = this.account;
    const m = this.messages.find((x) => x.uid === uid);
    if (!account || !m) return;
    const on = !isFlagged(m);
    try {
      const flags = await commands.mailSetFlag(account.name, this.folder, uid, 'flagged', on);
      this.#replaceFlags(uid, flags);
      this.actionNote = on ? 'Flagged.' : 'Flag removed.';
    } catch (error) {
      this.actionNote = errorText(error, on ? 'The message could not be flagged' : 'The flag could not be removed');
    }
  }

  async remove(uid: number): Promise<void> {
    const account = this.account;
    if (!account) return;
    try {
      const trash = await app.run('mail', 'Deleting the message…', () => commands.mailDelete(account.name, this.folder, uid));
      this.messages = this.messages.filter((m) => m.uid !== uid);
      this.closeMessage();
      this.actionNote = trash ? `Moved to ${trash}.` : 'Deleted.';
    } catch (error) {
      this.actionNote = errorText(error, 'The message could not be deleted');
    }
  }

  async move(uid: number, dest: string): Promise<void> {
    const account = this.account;
    if (!account || !dest || dest === this.folder) return;
    try {
      await app.run('mail', `Moving the message to ${dest}…`, () => commands.mailMove(account.name, this.folder, uid, dest));
      this.messages = this.messages.filter((m) => m.uid !== uid);
      this.closeMessage();
      this.actionNote = `Moved to ${dest}.`;
    } catch (error) {
      this.actionNote = errorText(error, 'The message could not be moved');
    }
  }

  /**
   * Starting another message while the compose form holds unsaved writing asks first
   * (keep editing, save it as a draft, or discard it): nothing is lost by a click.
   */
  unsavedAction = $state<(() => void | Promise<void>) | null>(null);

  #guard(action: () => void | Promise<void>): void {
    if (mailCompose.dirty && mailCompose.from) {
      this.unsavedAction = action;
      return;
    }
    void action();
  }

  /** The user's answer to the unsaved-message question. */
  async resolveUnsaved(choice: 'keep' | 'save' | 'discard'): Promise<void> {
    const action = this.unsavedAction;
    const account = this.account;
    this.unsavedAction = null;
    if (!action) return;
    if (choice === 'keep') {
      this.pane = 'compose';
      return;
    }
    if (choice === 'save') {
      const from = this.accounts.find((a) => a.email.toLowerCase() === mailCompose.from.toLowerCase()) ?? account;
      if (!from || !(await mailCompose.saveDraft(from))) {
        this.pane = 'compose';
        return;
      }
      if (mailCompose.draftRef) await this.draftSaved(mailCompose.draftRef.folder);
    }
    await action();
  }

  compose(): void {
    const account = this.account;
    if (!account) return;
    this.#guard(() => {
      this.lastSent = null;
      mailCompose.start(account);
      this.pane = 'compose';
    });
  }

  reply(kind: ReplyKind): void {
    const account = this.account;
    const view = this.view;
    if (!account || !view) return;
    this.#guard(() => {
      this.lastSent = null;
      mailCompose.start(account, replyDraft(kind, view, account.email));
      this.pane = 'compose';
    });
  }

  /** After Send: back to the message with the result, or to the outbox when it waits there. */
  async sent(r: SendResult, note: string | null = null): Promise<void> {
    this.lastSent = r.delivered ? r : null;
    if (note) this.actionNote = note;
    this.pane = r.delivered ? 'message' : 'outbox';
    // A sent draft left the Drafts folder.
    if (this.inDrafts) {
      this.closeMessage();
      await this.loadList();
    }
    await this.loadOutbox();
  }

  /** Continues the open draft in the compose form (decrypted by the core, in memory). */
  editDraft(): void {
    const account = this.account;
    const uid = this.selectedUid;
    if (!account || uid === null) return;
    const folder = this.folder;
    // Already in the form: just go back to it.
    if (mailCompose.draftRef?.account === account.name && mailCompose.draftRef.uid === uid) {
      this.pane = 'compose';
      return;
    }
    this.#guard(() => this.#openDraft(account, folder, uid));
  }

  async #openDraft(account: AccountDto, folder: string, uid: number): Promise<void> {
    try {
      const view = await app.run('mail', 'Opening the draft…', () => commands.mailOpenDraft(account.name, folder, uid));
      this.lastSent = null;
      mailCompose.loadDraft(account, folder, uid, view);
      this.pane = 'compose';
    } catch (error) {
      this.readError = errorText(error, 'The draft could not be opened');
    }
  }

  /** A draft was saved: a Drafts folder created by it appears, and the Drafts list on screen updates. */
  async draftSaved(folder: string): Promise<void> {
    if (!this.folders.some((f) => f.name === folder)) await this.loadFolders();
    if (this.folder === folder) await this.sync();
  }

  async loadOutbox(): Promise<void> {
    try {
      this.outbox = await commands.mailOutbox();
      this.outboxError = null;
    } catch (error) {
      this.outboxError = errorText(error, 'The outbox could not be loaded');
    }
  }

  async retry(id: number): Promise<void> {
    if (this.retrying !== null) return;
    this.retrying = id;
    try {
      const r = await app.run('send', 'Sending again…', () => commands.mailRetry(id));
      this.outbox = this.outbox.map((e) => (e.id === id ? r.entry : e));
      this.outboxError = null;
    } catch (error) {
      this.outboxError = errorText(error, 'The message could not be sent again');
    } finally {
      this.retrying = null;
    }
    await this.loadOutbox();
  }

  async saveAttachment(attachment: Attachment): Promise<void> {
    const view = this.view;
    if (!view) return;
    this.attachmentNote = null;
    const ext = extension(attachment.filename);
    let target: string | null;
    try {
      target = await pickSavePath(
        'Save attachment',
        attachment.filename || `attachment-${attachment.index + 1}`,
        ext ? [{ name: `${ext.toUpperCase()} file`, extensions: [ext] }] : [],
      );
    } catch (error) {
      this.attachmentNote = errorText(error, 'The save dialog could not be opened');
      return;
    }
    if (!target) return;
    const path = target;
    this.savingIndex = attachment.index;
    try {
      await app.run('attachment', `Saving ${attachment.filename}…`, () => commands.saveAttachment(view.id, attachment.index, path));
      this.attachmentNote = `Saved ${attachment.filename} to ${path}.`;
    } catch (error) {
      this.attachmentNote = errorText(error, `${attachment.filename} could not be saved`);
    } finally {
      this.savingIndex = null;
    }
  }
}

export const mail = new MailState();
