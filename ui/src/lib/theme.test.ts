import { describe, expect, it } from 'vitest';
import { applyTheme, effectiveTheme } from './theme';

describe('theme', () => {
  it('marks the root so the stylesheet picks the colour scheme', () => {
    const root = document.createElement('html');
    applyTheme('dark', root);
    expect(root.dataset.theme).toBe('dark');
    applyTheme('system', root);
    expect(root.dataset.theme).toBe('system');
  });

  it('follows the OS only when the user chose system', () => {
    expect(effectiveTheme('system', true)).toBe('dark');
    expect(effectiveTheme('system', false)).toBe('light');
    expect(effectiveTheme('light', true)).toBe('light');
    expect(effectiveTheme('dark', false)).toBe('dark');
  });
});
