import type { EntryDraft, Found, FoundKind, Item, MomentDraft } from './bindings';
import { formatDate, fullDay } from './time';

/** The marks the core puts around a matched word (FTS5 highlight/snippet). */
const OPEN = '\u0002';
const CLOSE = '\u0003';

export interface Piece {
  text: string;
  marked: boolean;
}

/**
 * Splits text marked by the search into pieces, so the view renders each as
 * text (a matched one inside <mark>): nothing found is ever read as HTML.
 * A stray mark is dropped, never shown.
 */
export function splitMarks(text: string): Piece[] {
  const pieces: Piece[] = [];
  let marked = false;
  let current = '';
  const push = () => {
    if (current) pieces.push({ text: current, marked });
    current = '';
  };
  for (const ch of text) {
    if (ch === OPEN || ch === CLOSE) {
      push();
      marked = ch === OPEN;
    } else {
      current += ch;
    }
  }
  push();
  return pieces;
}

/** The text without any mark. */
export function unmarked(text: string): string {
  return text.replaceAll(OPEN, '').replaceAll(CLOSE, '');
}

/** `YYYY-MM-DD` of a local date. */
export function dayKey(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The local date of `YYYY-MM-DD` (noon, clear of any clock change). */
export function dateOf(day: string): Date {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y!, (m ?? 1) - 1, d ?? 1, 12);
}

export function monthKey(date: Date): string {
  return dayKey(date).slice(0, 7);
}

/** "November 2026" in the user's locale. */
export function monthLabel(month: string, locale?: string): string {
  return formatDate(dateOf(`${month}-01`), { month: 'long', year: 'numeric' }, locale);
}

/** "Monday 30 November" (with the year when it is not this year). */
export function dayLabel(day: string, now: Date = new Date(), locale?: string): string {
  return fullDay(dateOf(day), now, locale);
}

export type Row = { kind: 'month'; month: string; key: string } | { kind: 'item'; item: Item; key: string };

export function itemKey(item: Item): string {
  return `${item.kind}-${item.id}`;
}

/** The timeline's rows: a heading before each month's first item (items come newest first). */
export function timelineRows(items: readonly Item[]): Row[] {
  const rows: Row[] = [];
  let month = '';
  for (const item of items) {
    const m = item.day.slice(0, 7);
    if (m !== month) {
      month = m;
      rows.push({ kind: 'month', month: m, key: `month-${m}` });
    }
    rows.push({ kind: 'item', item, key: itemKey(item) });
  }
  return rows;
}

/** The first words of a text, for a one-line preview. */
export function preview(text: string, chars = 180): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= chars ? flat : `${flat.slice(0, chars).trimEnd()}…`;
}

/** Names typed with commas ("Amy, lake , ,Amy") as a tidy list. */
export function parseNames(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(',')) {
    const name = raw.trim();
    if (name && !out.some((o) => o.toLowerCase() === name.toLowerCase())) out.push(name);
  }
  return out;
}

export function entryDraftOf(e: { title: string; body: string; mood: string; tags: string[]; people: string[] }): EntryDraft {
  return { title: e.title, body: e.body, mood: e.mood, tags: [...e.tags], people: [...e.people] };
}

export function momentDraftOf(m: { title: string; reflection: string; tags: string[] }): MomentDraft {
  return { title: m.title, reflection: m.reflection, tags: [...m.tags] };
}

export const KIND_LABELS: Record<FoundKind, string> = {
  entry: 'Diary entries',
  moment: 'Moments',
  letter: 'Letters',
  message: 'Conversation',
};

/** The search results in the order they are shown, for moving through them with the arrow keys. */
export function flatResults(groups: readonly { kind: FoundKind; hits: Found[] }[]): Found[] {
  return groups.flatMap((g) => g.hits);
}

type KeyLike = Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>;

/** Ctrl+K (Cmd+K on macOS): search everything. */
export function isSearchShortcut(event: KeyLike, mac: boolean): boolean {
  const modifier = mac ? event.metaKey && !event.ctrlKey : event.ctrlKey && !event.metaKey;
  return modifier && !event.altKey && !event.shiftKey && event.key.toLowerCase() === 'k';
}

/** What the Diary is asked to open: a day, scrolled to a message or an item when given. */
export interface DiaryTarget {
  day: string;
  messageId?: number | null;
  item?: { kind: 'entry' | 'moment'; id: number } | null;
}

/** Where a search result opens: a letter at the desk, anything else in the Diary. */
export type Place = { view: 'letters'; letterId: number } | { view: 'diary'; target: DiaryTarget };

export function placeOf(found: Found): Place {
  switch (found.kind) {
    case 'letter':
      return { view: 'letters', letterId: found.id };
    case 'message':
      return { view: 'diary', target: { day: found.day, messageId: found.id } };
    default:
      return { view: 'diary', target: { day: found.day, item: { kind: found.kind, id: found.id } } };
  }
}
