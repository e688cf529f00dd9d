import type { Theme } from './bindings';

/**
 * Applies the chosen theme to the document. 'system' leaves the colour scheme
 * to the OS (prefers-color-scheme); the tokens resolve through light-dark().
 */
export function applyTheme(theme: Theme, root: HTMLElement = document.documentElement): void {
  root.dataset.theme = theme;
}

