// Native file dialogs, opened by the shell (`choose_files`, `choose_save_path`): a path reaches
// a command only when the user chose it there or dropped the file on the window; the page never
// names a file itself. `null` means the user cancelled.
import { invoke } from '@tauri-apps/api/core';
import { toCommandError } from '../errors';

export type FileFilter = { name: string; extensions: string[] };

export async function pickFiles(title: string, filters: FileFilter[], multiple = true): Promise<string[] | null> {
  try {
    const picked = await invoke<string[] | string | null>('choose_files', { options: { title, filters, multiple } });
    if (picked === null) return null;
    return Array.isArray(picked) ? picked : [picked];
  } catch (error) {
    throw toCommandError(error);
  }
}

export async function pickSavePath(title: string, defaultPath: string, filters: FileFilter[]): Promise<string | null> {
  try {
    return await invoke<string | null>('choose_save_path', { options: { title, defaultPath, filters } });
  } catch (error) {
    throw toCommandError(error);
  }
}
