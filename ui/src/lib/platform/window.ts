// The app window: asking before it closes while something unsaved would be lost.
import { getCurrentWindow } from '@tauri-apps/api/window';

/**
 * Calls `mayClose` when the user asks to close the window; when it answers false the window
 * stays open (the app then asks the user and calls `closeWindow` itself).
 */
export async function onCloseRequested(mayClose: () => boolean): Promise<() => void> {
  const unlisten = await getCurrentWindow().onCloseRequested((event) => {
    if (!mayClose()) event.preventDefault();
  });
  return () => unlisten();
}

/** Closes the window for good (after the user answered). */
export async function closeWindow(): Promise<void> {
  await getCurrentWindow().destroy();
}
