/**
 * Links never navigate Hearth's window (the shell refuses that too). A link
 * the user clicks is shown with its full address first; only web and mail
 * addresses can then be opened, in the system's browser or mail app.
 */

/** The address of a link the user may open outside Hearth, or null. */
export function outsideAddress(href: string | null): string | null {
  if (!href) return null;
  let url: URL;
  try {
    url = new URL(href.trim());
  } catch {
    return null;
  }
  if ((url.protocol === 'http:' || url.protocol === 'https:') && url.hostname) return url.href;
  if (url.protocol === 'mailto:') return url.href;
  return null;
}

/** The link an event happened on, if any. */
export function linkOf(event: Event): HTMLAnchorElement | null {
  const target = event.target as Element | null;
  return target?.closest?.('a[href]') ?? null;
}
