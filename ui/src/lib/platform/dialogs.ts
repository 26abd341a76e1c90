// Native file dialogs (plugin-dialog). `null` means the user cancelled.
import { open, save } from '@tauri-apps/plugin-dialog';
import { toCommandError } from '../errors';

export type FileFilter = { name: string; extensions: string[] };

export async function pickFiles(title: string, filters: FileFilter[], multiple = true): Promise<string[] | null> {
  try {
    const picked = await open({ title, filters, multiple, directory: false });
    if (picked === null) return null;
    return Array.isArray(picked) ? picked : [picked];
  } catch (error) {
    throw toCommandError(error);
  }
}

export async function pickSavePath(title: string, defaultPath: string, filters: FileFilter[]): Promise<string | null> {
  try {
    return await save({ title, defaultPath, filters });
  } catch (error) {
    throw toCommandError(error);
  }
}
