import { flushSync } from 'svelte';
import { describe, expect, it } from 'vitest';
import { isKept, whenShownAgain } from './kept.svelte';

describe('kept views', () => {
  it('keeps the browsing views, not the conversation or the letters desk', () => {
    expect(['diary', 'memories', 'settings'].every((v) => isKept(v as never))).toBe(true);
    expect(isKept('conversation')).toBe(false);
    expect(isKept('letters')).toBe(false);
  });

  it('reads again each time the view is shown after being hidden, not on its first showing', () => {
    const view = $state({ active: true });
    let reads = 0;
    const stop = $effect.root(() => {
      whenShownAgain(
        () => view.active,
        () => reads++,
      );
    });
    flushSync();
    expect(reads).toBe(0);
    view.active = false;
    flushSync();
    expect(reads).toBe(0);
    view.active = true;
    flushSync();
    expect(reads).toBe(1);
    // Shown still: nothing more to read.
    flushSync();
    expect(reads).toBe(1);
    view.active = false;
    flushSync();
    view.active = true;
    flushSync();
    expect(reads).toBe(2);
    stop();
  });
});
