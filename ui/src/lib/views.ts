/**
 * The views, each loaded when first shown: start-up then parses only what
 * the first screen needs (a newcomer's first run never parses the
 * conversation's code, about half of the page's; a returning user's
 * conversation is fetched once Hearth knows the companion has been met).
 * Once the window is up the rest are fetched in the background, so choosing
 * one later waits for nothing.
 */

/** `load`, run once: every call after the first gets the same promise. */
export function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= load());
}

export const views = {
  conversation: once(() => import('../views/Conversation.svelte')),
  firstRun: once(() => import('../views/FirstRun.svelte')),
  journalError: once(() => import('../views/JournalError.svelte')),
  letters: once(() => import('../views/Letters.svelte')),
  diary: once(() => import('../views/Diary.svelte')),
  memories: once(() => import('../views/Memories.svelte')),
  settings: once(() => import('../views/Settings.svelte')),
  searchPalette: once(() => import('../components/SearchPalette.svelte')),
};

/** Fetches every view in the background, after the first screen is painted. */
export function prefetchViews(): void {
  const fetchAll = () => {
    for (const load of Object.values(views)) void load().catch(() => {});
  };
  if ('requestIdleCallback' in window) window.requestIdleCallback(fetchAll, { timeout: 2000 });
  else setTimeout(fetchAll, 200);
}
