import { describe, expect, it } from 'vitest';
import { applyTheme } from './theme';

describe('theme', () => {
  it('marks the root so the stylesheet picks the colour scheme', () => {
    const root = document.createElement('html');
    applyTheme('dark', root);
    expect(root.dataset.theme).toBe('dark');
    applyTheme('system', root);
    expect(root.dataset.theme).toBe('system');
  });
});
