// Typed wrappers over the app's Tauri commands (docs/ipc.md). Arguments go camelCase, results
// come back as the generated DTO types; a rejection becomes a CommandError with the core's code.
import { invoke } from '@tauri-apps/api/core';
import { toCommandError } from '../errors';

/** Attachments of the opened draft (its token) kept in the form, by index. */
export type Carried = { token: number; indices: number[] };
import type {
  AccountChange,
  DraftSaved,
  DraftView,
  AccountDto,
  AppStatus,
  CertCheck,
  CertDetails,
  CertDto,
  ComposeResult,
  CrlInfo,
  ConnectionCheck,
  Draft,
  ExportFormat,
  FolderDto,
  ImportResult,
  IssuedCert,
  KeyAlgorithm,
  MessageFlag,
  MessageSummary,
  MessageView,
  NewAccount,
  OutboxEntry,
  RecipientStatus,
  RevocationMode,
  RevocationRefresh,
  Revocation,
  RevocationReason,
  ReplyContext,
  RetryOutcome,
  SendResult,
  SyncResult,
} from '../ipc/types';

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toCommandError(error);
  }
}

export const commands = {
  appStatus: () => call<AppStatus>('app_status'),
  listCertificates: () => call<CertDto[]>('list_certificates'),
  certificateDetails: (fingerprint: string) => call<CertDetails>('certificate_details', { fingerprint }),
  importFiles: (paths: string[], password: string | null) => call<ImportResult>('import_files', { paths, password }),
  exportCertificate: (fingerprint: string, format: ExportFormat, path: string, password: string | null) =>
    call<null>('export_certificate', { fingerprint, format, path, password }),
  trustCertificate: (fingerprint: string) => call<CertDto>('trust_certificate', { fingerprint }),
  untrustCertificate: (fingerprint: string) => call<CertDto>('untrust_certificate', { fingerprint }),
  deleteCertificate: (fingerprint: string) => call<CertDto>('delete_certificate', { fingerprint }),
  openMessage: (path: string) => call<MessageView>('open_message', { path }),
  saveAttachment: (messageId: number, index: number, path: string) =>
    call<null>('save_attachment', { messageId, index, path }),
  recipientStatus: (emails: string[]) => call<RecipientStatus[]>('recipient_status', { emails }),
  composeMessage: (draft: Draft, path: string) => call<ComposeResult>('compose_message', { draft, path }),
  useFileKeystore: (passphrase: string) => call<AppStatus>('use_file_keystore', { passphrase }),
  unlockKeystore: (passphrase: string) => call<AppStatus>('unlock_keystore', { passphrase }),
  useOsKeystore: () => call<AppStatus>('use_os_keystore'),
  revocationMode: () => call<RevocationMode>('revocation_mode'),
  setRevocationMode: (mode: RevocationMode) => call<RevocationMode>('set_revocation_mode', { mode }),
  refreshRevocation: () => call<RevocationRefresh>('refresh_revocation'),
  createCa: (name: string, key: KeyAlgorithm, days: number) => call<CertDto>('create_ca', { name, key, days }),
  issueCertificate: (
    ca: string,
    emails: string[],
    name: string | null,
    key: KeyAlgorithm,
    days: number,
    password: string,
    path: string,
  ) => call<IssuedCert>('issue_certificate', { ca, emails, name, key, days, password, path }),
  revokeCertificate: (fingerprint: string, reason: RevocationReason) =>
    call<Revocation>('revoke_certificate', { fingerprint, reason }),
  publishCrl: (ca: string, days: number | null, path: string) => call<CrlInfo>('publish_crl', { ca, days, path }),
  checkCertificate: (fingerprint: string) => call<CertCheck>('check_certificate', { fingerprint }),
  acceptCertificate: (fingerprint: string) => call<CertDto>('accept_certificate', { fingerprint }),
  // Mail (docs/ipc.md, mail section).
  mailAccounts: () => call<AccountDto[]>('mail_accounts'),
  mailAddAccount: (account: NewAccount, password: string) => call<AccountDto>('mail_add_account', { account, password }),
  /** An empty password keeps the stored one. */
  mailUpdateAccount: (change: AccountChange, password: string) => call<AccountDto>('mail_update_account', { change, password }),
  mailTestChange: (change: AccountChange, password: string) => call<ConnectionCheck>('mail_test_change', { change, password }),
  mailRemoveAccount: (name: string) => call<AccountDto>('mail_remove_account', { name }),
  mailTestSettings: (account: NewAccount, password: string) =>
    call<ConnectionCheck>('mail_test_settings', { account, password }),
  mailTestAccount: (name: string) => call<ConnectionCheck>('mail_test_account', { name }),
  mailFolders: (account: string) => call<FolderDto[]>('mail_folders', { account }),
  mailSync: (account: string, folder: string) => call<SyncResult>('mail_sync', { account, folder }),
  mailList: (account: string, folder: string) => call<MessageSummary[]>('mail_list', { account, folder }),
  mailSearch: (account: string, folder: string, text: string) =>
    call<MessageSummary[]>('mail_search', { account, folder, text }),
  mailRead: (account: string, folder: string, uid: number) => call<MessageView>('mail_read', { account, folder, uid }),
  mailSetFlag: (account: string, folder: string, uid: number, flag: MessageFlag, on: boolean) =>
    call<string[]>('mail_set_flag', { account, folder, uid, flag, on }),
  mailMove: (account: string, folder: string, uid: number, dest: string) =>
    call<null>('mail_move', { account, folder, uid, dest }),
  mailDelete: (account: string, folder: string, uid: number) => call<string | null>('mail_delete', { account, folder, uid }),
  /** `unencryptedTo`: recipients the user explicitly chose to get a separate unencrypted copy. */
  mailSend: (account: string, draft: Draft, reply: ReplyContext, unencryptedTo: string[] = [], carried: Carried | null = null) =>
    call<SendResult>('mail_send', { account, draft, reply, unencryptedTo, carried }),
  /** Opens a cached draft for editing (decrypted in memory). */
  mailOpenDraft: (account: string, folder: string, uid: number) => call<DraftView>('mail_open_draft', { account, folder, uid }),
  /** Saves to the Drafts folder (encrypted to the sender when draft.encrypt), replacing `replaceUid`. */
  mailSaveDraft: (account: string, draft: Draft, reply: ReplyContext, carried: Carried | null, replaceUid: number | null) =>
    call<DraftSaved>('mail_save_draft', { account, draft, reply, carried, replaceUid }),
  mailDiscardDraft: (account: string, folder: string, uid: number, token: number | null) =>
    call<null>('mail_discard_draft', { account, folder, uid, token }),
  mailRequestCertificates: (account: string, emails: string[]) => call<SendResult[]>('mail_request_certificates', { account, emails }),
  mailOutbox: () => call<OutboxEntry[]>('mail_outbox'),
  mailRetry: (id: number) => call<RetryOutcome>('mail_retry', { id }),
};

export type Commands = typeof commands;
