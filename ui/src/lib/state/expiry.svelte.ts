// Which expiry warnings the user dismissed: each threshold (30, 14, 7 days, expired) of each
// identity once, remembered on this device, so the next threshold warns again.
import type { ExpiryNotice } from '../ipc/types';
import { dismissKey, visibleNotices } from '../ca';

const STORAGE_KEY = 'sealpost.dismissed-expiry';

function load(): string[] {
  try {
    const raw = globalThis.localStorage?.getItem(STORAGE_KEY);
    const parsed: unknown = raw ? JSON.parse(raw) : [];
    return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export class ExpiryDismissals {
  dismissed = $state<string[]>(load());

  visible(notices: ExpiryNotice[] | undefined): ExpiryNotice[] {
    return visibleNotices(notices ?? [], this.dismissed);
  }

  dismiss(n: ExpiryNotice): void {
    this.dismissed = [...this.dismissed.filter((k) => k !== dismissKey(n)), dismissKey(n)].slice(-200);
    try {
      globalThis.localStorage?.setItem(STORAGE_KEY, JSON.stringify(this.dismissed));
    } catch {
      // Storage refused (private mode): the dismissal lasts for this session only.
    }
  }
}

export const expiryDismissals = new ExpiryDismissals();
