import { tick } from 'svelte';

/** What Tab can stop on inside a dialog. */
const STOPS = [
  'a[href]',
  'button:not(:disabled)',
  'input:not(:disabled)',
  'select:not(:disabled)',
  'textarea:not(:disabled)',
  '[tabindex]:not([tabindex="-1"])',
].join(', ');

/** Whether `event` is Tab or Shift+Tab (WebKitGTK names Shift+Tab's key "Unidentified", GTK's ISO_Left_Tab; its code says Tab). */
export function isTab(event: KeyboardEvent): boolean {
  return event.key === 'Tab' || event.code === 'Tab';
}

/**
 * Keeps Tab and Shift+Tab going round a modal dialog's controls, and only
 * them. showModal() makes the page behind inert, but WebKit still stops on
 * the dialog element itself on the way round. Call from the dialog's keydown.
 */
export function keepTabIn(dialog: HTMLElement, event: KeyboardEvent): void {
  if (!isTab(event)) return;
  // In document order (which querySelectorAll with a list of selectors does not promise everywhere).
  const stops = [...dialog.querySelectorAll<HTMLElement>('*')].filter((el) => el.matches(STOPS));
  if (stops.length === 0) return;
  event.preventDefault();
  const at = stops.indexOf(document.activeElement as HTMLElement);
  const next =
    at === -1
      ? event.shiftKey
        ? stops.length - 1
        : 0
      : (at + (event.shiftKey ? -1 : 1) + stops.length) % stops.length;
  stops[next]!.focus();
}

/**
 * Runs `change`, which may take away the element holding the focus inside
 * `within` (results or choices replaced as the user types), and, when it
 * did, gives the focus to `fallback` rather than leaving it on the page: a
 * keyboard user keeps their place.
 */
export async function keepFocusThrough(
  within: Element | null | undefined,
  change: () => void,
  fallback: () => HTMLElement | null | undefined,
): Promise<void> {
  const held = within && document.activeElement && within.contains(document.activeElement) ? document.activeElement : null;
  change();
  if (!held) return;
  await tick();
  if (!held.isConnected) fallback()?.focus();
}
