// Application-wide state: keystore status, the certificate lists, running tasks and their
// progress, and the passphrase prompt that any command may need (`keystore-locked`).
import { commands, onProgress, onRevocationRefreshed } from '../platform';
import { errorText, hasCode, toCommandError } from '../errors';
import type { AppStatus, CertDto, Progress, RevocationMode, RevocationRefresh } from '../ipc/types';
import { sortCertificates } from '../certs';

export type Screen = 'certificates' | 'messages' | 'mail';

/** Which control started a task; that control is disabled while it runs. */
export type TaskKey = 'status' | 'list' | 'import' | 'export' | 'trust' | 'delete' | 'open' | 'attachment' | 'compose' | 'keystore' | 'details' | 'revocation' | 'ca' | 'check' | 'mail' | 'sync' | 'send' | 'draft';

export type Task = { id: number; key: TaskKey; label: string };

export type KeystoreView = 'os' | 'file-unlocked' | 'file-locked' | 'unavailable' | 'unknown';

export class AppState {
  status = $state<AppStatus | null>(null);
  statusError = $state<string | null>(null);
  certificates = $state<CertDto[]>([]);
  listError = $state<string | null>(null);
  loaded = $state(false);
  screen = $state<Screen>('certificates');
  tasks = $state<Task[]>([]);
  progress = $state<Progress | null>(null);
  unlockOpen = $state(false);
  /** Bumped whenever the certificate list changes, so caches (recipient status) can drop. */
  generation = $state(0);
  /** How CRL and OCSP answers are used; null until read. */
  revocationMode = $state<RevocationMode | null>(null);
  /** The last revocation refresh (background or "Check now"). */
  lastRefresh = $state<RevocationRefresh | null>(null);
  revocationError = $state<string | null>(null);

  #nextTask = 1;
  #unlockWaiters: Array<(ok: boolean) => void> = [];

  identities = $derived(sortCertificates(this.certificates.filter((c) => c.kind === 'identity')));
  people = $derived(sortCertificates(this.certificates.filter((c) => c.kind === 'person')));
  authorities = $derived(sortCertificates(this.certificates.filter((c) => c.kind === 'authority')));
  currentTask = $derived(this.tasks.length > 0 ? this.tasks[this.tasks.length - 1] : null);

  keystoreView = $derived.by((): KeystoreView => {
    const ks = this.status?.keystore;
    if (!ks) return 'unknown';
    if (ks.kind === 'file') return ks.unlocked ? 'file-unlocked' : 'file-locked';
    if (!ks.available) return 'unavailable';
    return 'os';
  });

  firstRun = $derived(this.status !== null && this.status.identities === 0);

  running(key: TaskKey): boolean {
    return this.tasks.some((t) => t.key === key);
  }

  /**
   * Runs a command as a visible task. A `keystore-locked` rejection asks for the passphrase
   * and retries; any other error is rethrown for the caller to show.
   */
  async run<T>(key: TaskKey, label: string, fn: () => Promise<T>): Promise<T> {
    const task: Task = { id: this.#nextTask++, key, label };
    this.tasks = [...this.tasks, task];
    if (this.tasks.length === 1) this.progress = null;
    try {
      for (;;) {
        try {
          return await fn();
        } catch (error) {
          if (hasCode(error, 'keystore-locked') && (await this.requestUnlock())) continue;
          throw toCommandError(error);
        }
      }
    } finally {
      this.tasks = this.tasks.filter((t) => t.id !== task.id);
      if (this.tasks.length === 0) this.progress = null;
    }
  }

  async init(): Promise<void> {
    try {
      await onProgress((p) => {
        if (this.tasks.length > 0) this.progress = p;
      });
    } catch {
      // No event channel (never the case in the app): progress stays indeterminate.
    }
    try {
      await onRevocationRefreshed((result) => {
        this.lastRefresh = result;
        void this.refreshCertificates();
      });
    } catch {
      // Without events the list is refreshed after "Check now" only.
    }
    await this.refreshStatus();
    await this.refreshCertificates();
    await this.loadRevocationMode();
    this.loaded = true;
    if (this.keystoreView === 'file-locked') void this.requestUnlock();
  }

  async refreshStatus(): Promise<void> {
    try {
      this.status = await commands.appStatus();
      this.statusError = null;
    } catch (error) {
      this.statusError = errorText(error, 'Sealpost could not read its status');
    }
  }

  async refreshCertificates(): Promise<void> {
    try {
      this.certificates = await commands.listCertificates();
      this.listError = null;
    } catch (error) {
      this.listError = errorText(error, 'The certificate list could not be loaded');
    }
    this.generation++;
  }

  async loadRevocationMode(): Promise<void> {
    try {
      this.revocationMode = await commands.revocationMode();
    } catch (error) {
      this.revocationError = errorText(error, 'The revocation setting could not be read');
    }
  }

  /** Stores the setting; the certificate list shows statuses under the new rule. */
  async setRevocationMode(mode: RevocationMode): Promise<void> {
    try {
      this.revocationMode = await this.run('revocation', 'Saving the revocation setting…', () => commands.setRevocationMode(mode));
      this.revocationError = null;
    } catch (error) {
      this.revocationError = errorText(error, 'The revocation setting could not be saved');
    }
    await this.refreshCertificates();
  }

  /** Fetches CRLs and OCSP answers now (never done while a message is open). */
  async refreshRevocation(): Promise<void> {
    try {
      this.lastRefresh = await this.run('revocation', 'Checking revocation…', () => commands.refreshRevocation());
      this.revocationError = null;
    } catch (error) {
      this.revocationError = errorText(error, 'Revocation could not be checked');
    }
    await this.refreshCertificates();
  }

  /** After an import, trust or delete: both the counts and the lists change. */
  async refreshAll(): Promise<void> {
    await Promise.all([this.refreshStatus(), this.refreshCertificates()]);
  }

  /** Opens the passphrase prompt; resolves true once unlocked, false if the user cancels. */
  requestUnlock(): Promise<boolean> {
    return new Promise((resolve) => {
      this.#unlockWaiters.push(resolve);
      this.unlockOpen = true;
    });
  }

  /** Called by the prompt; throws (wrong passphrase) so the prompt can say so and stay open. */
  async unlock(passphrase: string): Promise<void> {
    const status = await commands.unlockKeystore(passphrase).catch((e: unknown) => {
      throw toCommandError(e);
    });
    this.status = status;
    this.#settleUnlock(true);
  }

  cancelUnlock(): void {
    this.#settleUnlock(false);
  }

  #settleUnlock(ok: boolean): void {
    this.unlockOpen = false;
    const waiters = this.#unlockWaiters;
    this.#unlockWaiters = [];
    for (const w of waiters) w(ok);
  }

  async useFileKeystore(passphrase: string): Promise<void> {
    this.status = await this.run('keystore', 'Setting up the passphrase-protected key file…', () =>
      commands.useFileKeystore(passphrase),
    );
    await this.refreshAll();
  }

  async useOsKeystore(): Promise<void> {
    this.status = await this.run('keystore', 'Looking for the system keystore…', () => commands.useOsKeystore());
    await this.refreshAll();
  }
}

export const app = new AppState();
