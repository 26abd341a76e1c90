// Keyboard shortcuts of the compose form. Matched on `code` so Shift and keyboard layouts that
// change `key` (e.g. "S" vs "s") do not matter; Cmd counts as Ctrl on macOS.

export type ComposeAction = 'toggle-sign' | 'toggle-encrypt' | 'save';

export const SHORTCUTS: Record<ComposeAction, { aria: string; label: string }> = {
  'toggle-sign': { aria: 'Control+Shift+S', label: 'Ctrl+Shift+S' },
  'toggle-encrypt': { aria: 'Control+Shift+E', label: 'Ctrl+Shift+E' },
  save: { aria: 'Control+S', label: 'Ctrl+S' },
};

type KeyLike = Pick<KeyboardEvent, 'key' | 'code' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey'>;

export function composeShortcut(e: KeyLike): ComposeAction | null {
  if (!(e.ctrlKey || e.metaKey) || e.altKey) return null;
  const letter = e.code?.startsWith('Key') ? e.code.slice(3).toLowerCase() : e.key.toLowerCase();
  if (e.shiftKey && letter === 's') return 'toggle-sign';
  if (e.shiftKey && letter === 'e') return 'toggle-encrypt';
  if (!e.shiftKey && letter === 's') return 'save';
  return null;
}
