import { CONSTANTS, type Memory, type MemoryDraft, type MemoryKind } from './bindings';
import { formatDate } from './time';

/** The kinds of things remembered, in the order the view shows them. */
export const KINDS: readonly { kind: MemoryKind; label: string; one: string }[] = [
  { kind: 'person', label: 'People', one: 'Person' },
  { kind: 'date', label: 'Dates', one: 'Date' },
  { kind: 'plan', label: 'Plans', one: 'Plan' },
  { kind: 'event', label: 'Events', one: 'Event' },
  { kind: 'preference', label: 'Likes and dislikes', one: 'Like or dislike' },
  { kind: 'feeling', label: 'Feelings', one: 'Feeling' },
  { kind: 'fact', label: 'Facts', one: 'Fact' },
];

export function kindLabel(kind: MemoryKind): string {
  return KINDS.find((k) => k.kind === kind)?.one ?? kind;
}

/** How much a memory matters, in words, for importance 1 to 5. */
const IMPORTANCE = ['A small thing', 'Worth knowing', 'Matters', 'Matters a lot', 'Deeply important'];

export function clampImportance(importance: number): number {
  if (!Number.isFinite(importance)) return 3;
  return Math.min(5, Math.max(1, Math.round(importance)));
}

export function importanceLabel(importance: number): string {
  return IMPORTANCE[clampImportance(importance) - 1]!;
}

export interface KindGroup {
  kind: MemoryKind;
  label: string;
  memories: Memory[];
}

/** Memories grouped by kind in KINDS order, each group keeping the list's order; empty groups left out. */
export function groupByKind(memories: readonly Memory[]): KindGroup[] {
  return KINDS.map(({ kind, label }) => ({ kind, label, memories: memories.filter((m) => m.kind === kind) })).filter(
    (g) => g.memories.length > 0,
  );
}

export function countByKind(memories: readonly Memory[]): Record<MemoryKind, number> {
  const counts = Object.fromEntries(KINDS.map((k) => [k.kind, 0])) as Record<MemoryKind, number>;
  for (const m of memories) counts[m.kind] = (counts[m.kind] ?? 0) + 1;
  return counts;
}

/** "today", "yesterday", "3 March", or "3 March 2024" for another year, in local time. */
export function learntOn(createdAt: number, now: Date = new Date(), locale?: string): string {
  const date = new Date(createdAt);
  const day = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const days = Math.round((day(now) - day(date)) / 86_400_000);
  if (days === 0) return 'today';
  if (days === 1) return 'yesterday';
  return formatDate(
    date,
    {
      day: 'numeric',
      month: 'long',
      ...(date.getFullYear() === now.getFullYear() ? {} : { year: 'numeric' }),
    },
    locale,
  );
}

export function draftOf(memory: Memory): MemoryDraft {
  return { text: memory.text, kind: memory.kind, importance: memory.importance };
}

/**
 * The longest memory, in characters: the core's rule (`MAX_TEXT_CHARS` in
 * src-tauri/core/src/store/memories.rs), from the generated bindings.
 */
export const MAX_MEMORY_CHARS: number = CONSTANTS.maxMemoryChars;

/** Whitespace as the core (Rust's `split_whitespace`) reads it. */
const WHITESPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;

/**
 * The length of a memory as the core counts it: characters (an emoji is one),
 * once every run of whitespace is one space and the ends are trimmed.
 */
export function memoryLength(text: string): number {
  const words = text.split(WHITESPACE).filter((w) => w !== '');
  let length = Math.max(0, words.length - 1);
  for (const word of words) length += [...word].length;
  return length;
}

const count = (n: number) => n.toLocaleString('en-US');

/** Why a draft cannot be saved, or null when it can: the core's sentences, checked before asking it. */
export function validateDraft(draft: MemoryDraft): string | null {
  const length = memoryLength(draft.text);
  if (length === 0) return 'A memory needs some words. To forget it, delete it instead.';
  if (length > MAX_MEMORY_CHARS) {
    return `A memory can hold up to ${count(MAX_MEMORY_CHARS)} characters; this one has ${count(length)}. Shorten it or split it in two.`;
  }
  return null;
}

/** "940 of 1,000 characters" once a memory nears the limit, else null. */
export function lengthHint(text: string): string | null {
  const length = memoryLength(text);
  return length >= MAX_MEMORY_CHARS * 0.9 ? `${count(length)} of ${count(MAX_MEMORY_CHARS)} characters` : null;
}

export function cleanDraft(draft: MemoryDraft): MemoryDraft {
  return { text: draft.text.trim(), kind: draft.kind, importance: clampImportance(draft.importance) };
}

/** How many memories are asked for at a time, and the most the view will hold. */
export const PAGE_SIZE = 100;
export const MAX_SHOWN = 500;

/** The limit for "Show more", or null when there is no more to ask for. */
export function nextLimit(limit: number, received: number): number | null {
  if (received < limit || limit >= MAX_SHOWN) return null;
  return Math.min(limit + PAGE_SIZE, MAX_SHOWN);
}

/** The search text as sent: null when it is blank. */
export function searchQuery(text: string): string | null {
  const q = text.trim();
  return q === '' ? null : q;
}

/** Calls `fn` once, `ms` after the last of a burst of calls. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = (...args: A) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  run.cancel = () => clearTimeout(timer);
  return run;
}
