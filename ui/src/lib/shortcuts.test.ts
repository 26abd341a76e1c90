import { describe, expect, it } from 'vitest';
import { composeShortcut } from './shortcuts';

const key = (code: string, mods: { ctrl?: boolean; shift?: boolean; meta?: boolean; alt?: boolean } = {}) => ({
  code,
  key: code.replace('Key', mods.shift ? '' : '').toLowerCase(),
  ctrlKey: !!mods.ctrl,
  shiftKey: !!mods.shift,
  metaKey: !!mods.meta,
  altKey: !!mods.alt,
});

describe('composeShortcut', () => {
  it('maps Ctrl+Shift+S, Ctrl+Shift+E and Ctrl+S', () => {
    expect(composeShortcut(key('KeyS', { ctrl: true, shift: true }))).toBe('toggle-sign');
    expect(composeShortcut(key('KeyE', { ctrl: true, shift: true }))).toBe('toggle-encrypt');
    expect(composeShortcut(key('KeyS', { ctrl: true }))).toBe('save');
    expect(composeShortcut(key('KeyS', { meta: true }))).toBe('save');
  });
  it('ignores plain keys, Alt combinations and other letters', () => {
    expect(composeShortcut(key('KeyS'))).toBeNull();
    expect(composeShortcut(key('KeyS', { ctrl: true, alt: true }))).toBeNull();
    expect(composeShortcut(key('KeyE', { ctrl: true }))).toBeNull();
  });
});
