// The only place that talks to Tauri. Everything else imports from here.
export { commands, type Carried, type Commands } from './commands';
export { pickFiles, pickSavePath, type FileFilter } from './dialogs';
export { onFileDrop, onMailChanged, onProgress, onRevocationRefreshed, type DropState } from './events';
export { closeWindow, onCloseRequested } from './window';
