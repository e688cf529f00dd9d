import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Memory } from './bindings';
import {
  KINDS,
  MAX_MEMORY_CHARS,
  MAX_SHOWN,
  PAGE_SIZE,
  clampImportance,
  cleanDraft,
  countByKind,
  debounce,
  draftOf,
  groupByKind,
  importanceLabel,
  kindLabel,
  learntOn,
  lengthHint,
  memoryLength,
  nextLimit,
  searchQuery,
  validateDraft,
} from './memories';

const memory = (id: number, kind: Memory['kind'], text = `memory ${id}`): Memory => ({
  id,
  text,
  kind,
  importance: 3,
  sourceMessageId: null,
  createdAt: Date.UTC(2025, 2, id),
  updatedAt: Date.UTC(2025, 2, id),
  lastRecalledAt: null,
});

describe('memory kinds', () => {
  it('names all seven kinds once', () => {
    expect(KINDS.map((k) => k.kind).sort()).toEqual(['date', 'event', 'fact', 'feeling', 'person', 'plan', 'preference']);
    expect(kindLabel('preference')).toBe('Like or dislike');
  });

  it('groups in a fixed order, keeping the newest-first order inside each group', () => {
    const list = [memory(5, 'fact'), memory(4, 'person'), memory(3, 'fact'), memory(2, 'person')];
    const groups = groupByKind(list);
    expect(groups.map((g) => g.kind)).toEqual(['person', 'fact']);
    expect(groups[0]!.memories.map((m) => m.id)).toEqual([4, 2]);
    expect(groups[1]!.memories.map((m) => m.id)).toEqual([5, 3]);
    expect(groupByKind([])).toEqual([]);
  });

  it('counts each kind, zero for the absent ones', () => {
    const counts = countByKind([memory(1, 'plan'), memory(2, 'plan'), memory(3, 'date')]);
    expect(counts.plan).toBe(2);
    expect(counts.date).toBe(1);
    expect(counts.feeling).toBe(0);
  });
});

describe('importance', () => {
  it('says it in words and keeps it within 1..5', () => {
    expect(importanceLabel(1)).toBe('A small thing');
    expect(importanceLabel(5)).toBe('Deeply important');
    expect(importanceLabel(9)).toBe('Deeply important');
    expect(clampImportance(0)).toBe(1);
    expect(clampImportance(Number.NaN)).toBe(3);
    expect(clampImportance(2.6)).toBe(3);
  });
});

describe('when a memory was learnt', () => {
  const now = new Date(2025, 5, 15, 10);
  it('says today and yesterday, and a date otherwise', () => {
    expect(learntOn(new Date(2025, 5, 15, 0, 5).getTime(), now)).toBe('today');
    expect(learntOn(new Date(2025, 5, 14, 23, 59).getTime(), now)).toBe('yesterday');
    expect(learntOn(new Date(2025, 2, 3).getTime(), now, 'en-GB')).toBe('3 March');
    expect(learntOn(new Date(2024, 2, 3).getTime(), now, 'en-GB')).toBe('3 March 2024');
  });
});

describe('editing', () => {
  it('starts from the memory and checks the words', () => {
    expect(draftOf(memory(1, 'fact', 'likes tea'))).toEqual({ text: 'likes tea', kind: 'fact', importance: 3 });
    expect(validateDraft({ text: '  ', kind: 'fact', importance: 3 })).toMatch(/delete/);
    expect(validateDraft({ text: 'likes tea', kind: 'fact', importance: 3 })).toBeNull();
    expect(cleanDraft({ text: ' likes tea ', kind: 'plan', importance: 7 })).toEqual({
      text: 'likes tea',
      kind: 'plan',
      importance: 5,
    });
  });
});

describe('the length of a memory', () => {
  const draft = (text: string) => ({ text, kind: 'fact' as const, importance: 3 });

  it('is the core limit, and a longer memory is refused with the core sentence, not cut', () => {
    expect(MAX_MEMORY_CHARS).toBe(1000);
    expect(validateDraft(draft('x'.repeat(1000)))).toBeNull();
    expect(validateDraft(draft('x'.repeat(1234)))).toBe(
      'A memory can hold up to 1,000 characters; this one has 1,234. Shorten it or split it in two.',
    );
    expect(validateDraft(draft('x'.repeat(1001)))).toMatch(/this one has 1,001\./);
  });

  it('counts characters as the core does: an emoji is one, whitespace runs are one space', () => {
    expect(memoryLength('😀')).toBe(1);
    expect(memoryLength('  likes \n\t tea  ')).toBe('likes tea'.length);
    expect(memoryLength('a\u00a0\u3000b')).toBe(3);
    expect(memoryLength(' \n ')).toBe(0);
    // 1,000 emoji are 2,000 UTF-16 units but 1,000 characters: allowed.
    expect(validateDraft(draft('😀'.repeat(1000)))).toBeNull();
    expect(validateDraft(draft('é'.repeat(1001)))).toMatch(/this one has 1,001\./);
    expect(validateDraft(draft(`${'word '.repeat(200)}   `))).toBeNull();
  });

  it('shows the count as the limit nears', () => {
    expect(lengthHint('x'.repeat(899))).toBeNull();
    expect(lengthHint('x'.repeat(940))).toBe('940 of 1,000 characters');
    expect(lengthHint('x'.repeat(1234))).toBe('1,234 of 1,000 characters');
  });
});

describe('paging and search', () => {
  it('offers more while full pages come back, up to the cap', () => {
    expect(nextLimit(PAGE_SIZE, PAGE_SIZE)).toBe(2 * PAGE_SIZE);
    expect(nextLimit(PAGE_SIZE, PAGE_SIZE - 1)).toBeNull();
    expect(nextLimit(MAX_SHOWN, MAX_SHOWN)).toBeNull();
    expect(nextLimit(MAX_SHOWN - 10, MAX_SHOWN - 10)).toBe(MAX_SHOWN);
  });

  it('sends blank search as no search, and anything else as typed', () => {
    expect(searchQuery('   ')).toBeNull();
    expect(searchQuery(' "lake house" OR  ')).toBe('"lake house" OR');
  });
});

describe('debounce', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs once, after the last call of a burst, with its arguments', () => {
    const fn = vi.fn();
    const run = debounce(fn, 200);
    run('l');
    run('la');
    vi.advanceTimersByTime(150);
    run('lak');
    vi.advanceTimersByTime(199);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledOnce();
    expect(fn).toHaveBeenCalledWith('lak');
  });

  it('can be cancelled', () => {
    const fn = vi.fn();
    const run = debounce(fn, 200);
    run();
    run.cancel();
    vi.advanceTimersByTime(500);
    expect(fn).not.toHaveBeenCalled();
  });
});
