import { describe, expect, it } from 'vitest';
import { isMac, viewForShortcut, VIEWS } from './nav';

const key = (k: string, mods: Partial<KeyboardEvent> = {}) => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
});

describe('view shortcuts', () => {
  it('Ctrl+digit opens each view in order on Linux and Windows', () => {
    expect(VIEWS.map((v) => viewForShortcut(key(v.key, { ctrlKey: true }), false))).toEqual([
      'conversation',
      'letters',
      'diary',
      'memories',
      'settings',
    ]);
  });

  it('numbers the views 1..N in the order the sidebar shows them', () => {
    expect(VIEWS.map((v) => v.key)).toEqual(VIEWS.map((_, i) => String(i + 1)));
    expect(VIEWS.findIndex((v) => v.id === 'memories')).toBe(VIEWS.findIndex((v) => v.id === 'diary') + 1);
    expect(VIEWS.at(-1)?.id).toBe('settings');
  });

  it('uses Cmd, not Ctrl, on macOS', () => {
    expect(viewForShortcut(key('2', { metaKey: true }), true)).toBe('letters');
    expect(viewForShortcut(key('2', { ctrlKey: true }), true)).toBeNull();
  });

  it('leaves plain typing and other chords alone', () => {
    expect(viewForShortcut(key('1'), false)).toBeNull();
    expect(viewForShortcut(key('1', { ctrlKey: true, shiftKey: true }), false)).toBeNull();
    expect(viewForShortcut(key('9', { ctrlKey: true }), false)).toBeNull();
  });

  it('recognises Apple platforms', () => {
    expect(isMac('MacIntel')).toBe(true);
    expect(isMac('Linux x86_64')).toBe(false);
  });
});
