/**
 * Changes made in the background that views follow: the backend counts the
 * diary's (an entry written, a moment reflected on) and tells the window
 * through a channel opened once (see App.svelte).
 */
export const changes = $state({ diary: 0 });
