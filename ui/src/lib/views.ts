/**
 * The views other than the conversation, loaded when first shown: start-up
 * then parses only what the first screen needs (the Letters desk, the Diary
 * and Settings are most of the page's code). Once the window is up they are
 * fetched in the background, so choosing one later waits for nothing.
 */

/** `load`, run once: every call after the first gets the same promise. */
export function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= load());
}

export const views = {
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
