// The message workbench: the message being read and which pane (read/compose) is shown.
import { commands, pickFiles, pickSavePath } from '../platform';
import { errorText } from '../errors';
import { basename, extension, MESSAGE_EXTENSIONS } from '../files';
import type { Attachment, MessageView } from '../ipc/types';
import { app } from './app.svelte';

export type Pane = 'read' | 'compose';

export class Workbench {
  pane = $state<Pane>('read');
  view = $state<MessageView | null>(null);
  path = $state<string | null>(null);
  error = $state<string | null>(null);
  attachmentNote = $state<string | null>(null);
  savingIndex = $state<number | null>(null);

  async chooseAndOpen(): Promise<void> {
    let paths: string[] | null;
    try {
      paths = await pickFiles('Open a message', [{ name: 'Messages', extensions: [...MESSAGE_EXTENSIONS] }], false);
    } catch (error) {
      this.error = errorText(error, 'The file dialog could not be opened');
      return;
    }
    if (paths && paths.length > 0) await this.openPath(paths[0]);
  }

  async openPath(path: string): Promise<void> {
    app.screen = 'messages';
    this.pane = 'read';
    this.error = null;
    this.attachmentNote = null;
    try {
      const view = await app.run('open', `Opening ${basename(path)}…`, () => commands.openMessage(path));
      this.view = view;
      this.path = path;
    } catch (error) {
      this.view = null;
      this.path = path;
      this.error = errorText(error, `${basename(path)} could not be opened`);
    }
  }

  async saveAttachment(attachment: Attachment): Promise<void> {
    const view = this.view;
    if (!view) return;
    this.attachmentNote = null;
    const ext = extension(attachment.filename);
    let target: string | null;
    try {
      target = await pickSavePath(
        'Save attachment',
        attachment.filename || `attachment-${attachment.index + 1}`,
        ext ? [{ name: `${ext.toUpperCase()} file`, extensions: [ext] }] : [],
      );
    } catch (error) {
      this.attachmentNote = errorText(error, 'The save dialog could not be opened');
      return;
    }
    if (!target) return;
    const path = target;
    this.savingIndex = attachment.index;
    try {
      await app.run('attachment', `Saving ${attachment.filename}…`, () =>
        commands.saveAttachment(view.id, attachment.index, path),
      );
      this.attachmentNote = `Saved ${attachment.filename} to ${path}.`;
    } catch (error) {
      this.attachmentNote = errorText(error, `${attachment.filename} could not be saved`);
    } finally {
      this.savingIndex = null;
    }
  }

  close(): void {
    this.view = null;
    this.path = null;
    this.error = null;
    this.attachmentNote = null;
  }
}

export const workbench = new Workbench();
