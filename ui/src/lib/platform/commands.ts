// Typed wrappers over the app's Tauri commands (docs/ipc.md). Arguments go camelCase, results
// come back as the generated DTO types; a rejection becomes a CommandError with the core's code.
import { invoke } from '@tauri-apps/api/core';
import { toCommandError } from '../errors';
import type {
  AppStatus,
  CertCheck,
  CertDetails,
  CertDto,
  ComposeResult,
  CrlInfo,
  Draft,
  ExportFormat,
  ImportResult,
  IssuedCert,
  KeyAlgorithm,
  MessageView,
  RecipientStatus,
  RevocationMode,
  RevocationRefresh,
  Revocation,
  RevocationReason,
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
};

export type Commands = typeof commands;
