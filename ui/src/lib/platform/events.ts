// Window events from the shell: file drag-and-drop and the core's `progress` events.
import { listen } from '@tauri-apps/api/event';
import { getCurrentWebview } from '@tauri-apps/api/webview';
import type { MailChanged, Progress, RevocationRefresh } from '../ipc/types';

export type DropState =
  | { type: 'enter'; paths: string[] }
  | { type: 'over' }
  | { type: 'leave' }
  | { type: 'drop'; paths: string[] };

/** Subscribes to file drags over the window; resolves to the unsubscribe function. */
export async function onFileDrop(handler: (state: DropState) => void): Promise<() => void> {
  const unlisten = await getCurrentWebview().onDragDropEvent((event) => {
    const p = event.payload;
    if (p.type === 'drop') handler({ type: 'drop', paths: p.paths });
    else if (p.type === 'enter') handler({ type: 'enter', paths: p.paths });
    else if (p.type === 'over') handler({ type: 'over' });
    else handler({ type: 'leave' });
  });
  return () => void unlisten();
}

/** The shell refreshed CRLs and OCSP answers (in the background or on request). */
export async function onRevocationRefreshed(handler: (result: RevocationRefresh) => void): Promise<() => void> {
  const unlisten = await listen<RevocationRefresh>('revocation-refreshed', (event) => handler(event.payload));
  return () => unlisten();
}

export async function onProgress(handler: (progress: Progress) => void): Promise<() => void> {
  const unlisten = await listen<Progress>('progress', (event) => handler(event.payload));
  return () => unlisten();
}

/** New mail arrived (IDLE) and the shell already synced it into the cache. */
export async function onMailChanged(handler: (change: MailChanged) => void): Promise<() => void> {
  const unlisten = await listen<MailChanged>('mail-changed', (event) => handler(event.payload));
  return () => unlisten();
}
