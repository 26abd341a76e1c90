// Importing files: certificates go straight in; each .p12/.pfx waits for its password.
import { commands, pickFiles } from '../platform';
import { errorText, hasCode } from '../errors';
import { basename, CERTIFICATE_EXTENSIONS, IDENTITY_EXTENSIONS, sortPaths } from '../files';
import type { CertDto, CrlImported } from '../ipc/types';
import { app } from './app.svelte';

export class Importer {
  /** .p12/.pfx files waiting for a password; the first is the one being asked for. */
  queue = $state<string[]>([]);
  passwordError = $state<string | null>(null);
  /** True when the last attempt failed because the password itself was wrong. */
  passwordWrong = $state(false);
  /** What this batch imported, newest last. */
  imported = $state<CertDto[]>([]);
  /** Revocation lists this batch imported. */
  crls = $state<CrlImported[]>([]);
  error = $state<string | null>(null);

  current = $derived(this.queue.length > 0 ? this.queue[0] : null);

  async chooseAndImport(): Promise<void> {
    let paths: string[] | null;
    try {
      paths = await pickFiles('Import certificates or identities', [
        { name: 'Certificates and identities', extensions: [...IDENTITY_EXTENSIONS, ...CERTIFICATE_EXTENSIONS] },
        { name: 'Identities (PKCS #12)', extensions: [...IDENTITY_EXTENSIONS] },
        { name: 'Certificates and revocation lists', extensions: [...CERTIFICATE_EXTENSIONS] },
      ]);
    } catch (error) {
      this.error = errorText(error, 'The file dialog could not be opened');
      return;
    }
    if (paths && paths.length > 0) await this.importPaths(paths);
  }

  /** Imports dropped or chosen files (messages are not handled here). */
  async importPaths(paths: string[]): Promise<void> {
    const sorted = sortPaths(paths);
    this.error = null;
    this.imported = [];
    this.crls = [];
    const problems: string[] = [];
    if (sorted.unsupported.length > 0) {
      problems.push(
        `${sorted.unsupported.map(basename).join(', ')}: not a certificate, identity or message file (expected .p12, .pfx, .pem, .cer, .crt, .der, .p7b, .p7c, .crl, .eml or .p7m).`,
      );
    }
    if (sorted.certificates.length > 0) {
      try {
        const result = await app.run('import', 'Importing certificates…', () =>
          commands.importFiles(sorted.certificates, null),
        );
        this.imported = [...this.imported, ...result.imported];
        this.crls = [...this.crls, ...result.crls];
        await app.refreshAll();
      } catch (error) {
        problems.push(errorText(error, 'Import failed'));
      }
    }
    if (problems.length > 0) this.error = problems.join(' ');
    if (sorted.identities.length > 0) {
      this.passwordError = null;
      this.queue = [...this.queue, ...sorted.identities.filter((p) => !this.queue.includes(p))];
    }
  }

  async submitPassword(password: string): Promise<void> {
    const path = this.current;
    if (path === null) return;
    this.passwordError = null;
    this.passwordWrong = false;
    try {
      const result = await app.run('import', `Importing ${basename(path)}…`, () => commands.importFiles([path], password));
      this.imported = [...this.imported, ...result.imported];
      this.queue = this.queue.slice(1);
      await app.refreshAll();
    } catch (error) {
      this.passwordWrong = hasCode(error, 'wrong-password');
      this.passwordError = this.passwordWrong
        ? errorText(error)
        : errorText(error, `${basename(path)} could not be imported`);
    }
  }

  /** Skips the file whose password is being asked for. */
  skipCurrent(): void {
    this.queue = this.queue.slice(1);
    this.passwordError = null;
  }

  dismiss(): void {
    this.imported = [];
    this.crls = [];
    this.error = null;
  }
}

export const importer = new Importer();
