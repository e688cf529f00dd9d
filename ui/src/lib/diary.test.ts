import { describe, expect, it } from 'vitest';
import type { Entry, Item, Moment } from './bindings';
import {
  dateOf,
  dayKey,
  isSearchShortcut,
  parseNames,
  preview,
  splitMarks,
  placeOf,
  timelineRows,
  unmarked,
} from './diary';

function entry(id: number, day: string): Item {
  const e: Entry = {
    id,
    day,
    title: `Entry ${id}`,
    body: 'Words.',
    mood: '',
    tags: [],
    people: [],
    favourite: false,
    writtenBy: 'Ember',
    edited: false,
    createdAt: 0,
    updatedAt: 0,
  };
  return { kind: 'entry', ...e };
}

function moment(id: number, day: string): Item {
  const m: Moment = {
    id,
    day,
    title: `Moment ${id}`,
    body: 'Kept.',
    mood: '',
    tags: [],
    favourite: false,
    sourceMessageIds: [],
    createdAt: 0,
    updatedAt: 0,
    reflection: '',
    writing: false,
    problem: null,
  };
  return { kind: 'moment', ...m };
}

describe('search marks', () => {
  it('splits marked words from the text around them', () => {
    expect(splitMarks('the \u0002lake\u0003 house by the \u0002lake\u0003')).toEqual([
      { text: 'the ', marked: false },
      { text: 'lake', marked: true },
      { text: ' house by the ', marked: false },
      { text: 'lake', marked: true },
    ]);
  });

  it('keeps markup as plain text and drops stray marks', () => {
    const pieces = splitMarks('<img src=x onerror=alert(1)> \u0002<b>\u0003\u0003 end');
    expect(pieces.map((p) => p.text).join('')).toBe('<img src=x onerror=alert(1)> <b> end');
    expect(pieces.filter((p) => p.marked).map((p) => p.text)).toEqual(['<b>']);
    expect(unmarked('a\u0002b\u0003c')).toBe('abc');
  });

  it('keeps emoji and other scripts whole', () => {
    expect(splitMarks('💍 \u0002שלום\u0003')).toEqual([
      { text: '💍 ', marked: false },
      { text: 'שלום', marked: true },
    ]);
  });
});

describe('timeline rows', () => {
  it('puts a month heading before each month, newest first', () => {
    const rows = timelineRows([entry(3, '2026-11-30'), moment(9, '2026-11-02'), moment(4, '2026-10-31')]);
    expect(rows.map((r) => r.key)).toEqual(['month-2026-11', 'entry-3', 'moment-9', 'month-2026-10', 'moment-4']);
  });

  it('keys entries and moments apart even with the same id', () => {
    const keys = timelineRows([entry(1, '2026-11-30'), moment(1, '2026-11-30')]).map((r) => r.key);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('days', () => {
  it('round-trips a local day', () => {
    expect(dayKey(dateOf('2026-03-29'))).toBe('2026-03-29');
    expect(dayKey(new Date(2026, 0, 5, 23, 59))).toBe('2026-01-05');
  });
});

describe('editing', () => {
  it('reads names typed with commas', () => {
    expect(parseNames('Amy, lake , ,amy,Lake house')).toEqual(['Amy', 'lake', 'Lake house']);
    expect(parseNames('')).toEqual([]);
  });

  it('previews the first words on one line', () => {
    expect(preview('a\n\nb   c')).toBe('a b c');
    expect(preview('x'.repeat(300), 10)).toBe(`${'x'.repeat(10)}…`);
  });
});

describe('search', () => {
  it('opens on Ctrl+K, or Cmd+K on macOS', () => {
    const key = (k: string, mods: Partial<KeyboardEvent> = {}) => ({
      key: k,
      ctrlKey: false,
      metaKey: false,
      altKey: false,
      shiftKey: false,
      ...mods,
    });
    expect(isSearchShortcut(key('k', { ctrlKey: true }), false)).toBe(true);
    expect(isSearchShortcut(key('K', { ctrlKey: true }), false)).toBe(true);
    expect(isSearchShortcut(key('k', { metaKey: true }), false)).toBe(false);
    expect(isSearchShortcut(key('k', { metaKey: true }), true)).toBe(true);
    expect(isSearchShortcut(key('k', { ctrlKey: true, shiftKey: true }), false)).toBe(false);
    expect(isSearchShortcut(key('j', { ctrlKey: true }), false)).toBe(false);
  });

  it('opens a message at its day, scrolled to it, an item in place and a letter at the desk', () => {
    const base = { day: '2026-11-29', title: '', excerpt: '', createdAt: 0 };
    expect(placeOf({ ...base, kind: 'message', id: 7 })).toEqual({
      view: 'diary',
      target: { day: '2026-11-29', messageId: 7 },
    });
    expect(placeOf({ ...base, kind: 'moment', id: 3 })).toEqual({
      view: 'diary',
      target: { day: '2026-11-29', item: { kind: 'moment', id: 3 } },
    });
    expect(placeOf({ ...base, kind: 'letter', id: 5 })).toEqual({ view: 'letters', letterId: 5 });
  });
});
