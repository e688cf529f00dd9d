/**
 * Views kept once opened. Memories, the Diary and Settings stay in the page
 * after their first showing, hidden while another view shows: coming back
 * finds them as they were left (a search, a filter, the calendar's month, a
 * draft half typed), at no cost of building them again. (WebKitGTK also
 * keeps a little of every text field script has touched, after it is
 * removed: views built afresh on every visit added up over a long session.)
 *
 * What changed elsewhere while a kept view was hidden, it reads again when
 * it is shown again.
 */
import { untrack } from 'svelte';
import type { ViewId } from './nav';

/** The views kept once opened. */
export const KEPT = ['diary', 'memories', 'settings'] as const satisfies readonly ViewId[];
export type KeptView = (typeof KEPT)[number];

export function isKept(view: ViewId): view is KeptView {
  return (KEPT as readonly ViewId[]).includes(view);
}

/**
 * Calls `again` each time `shown()` turns true after being false: a kept
 * view shown again. Not on its first showing (its mount reads what it
 * needs). Call during a component's initialisation.
 */
export function whenShownAgain(shown: () => boolean, again: () => void): void {
  let was = untrack(shown);
  $effect(() => {
    const now = shown();
    if (now && !was) untrack(again);
    was = now;
  });
}
