/**
 * The conversation thread's logic, apart from any component: the messages
 * list and how a turn changes it, day labels, and the composer's draft.
 */
import { commands, type AppError, type Message, type Persona, type StartedTurn, type StreamEvent, type Turn } from './bindings';
import { formatDate, fullDay, sameDay } from './time';

// The conversation's IPC types and commands, generated from the Rust side.
export type { AppError, Message, Persona, StartedTurn, StreamEvent, Turn };
export { commands };

/** Messages per page of history. */
export const PAGE = 50;

/**
 * The messages after a turn started: a sent message is appended with its
 * reply; a regenerated or edited one replaces the last user message (same
 * id) and whatever reply followed it.
 */
export function applyStartedTurn(messages: readonly Message[], started: StartedTurn): Message[] {
  const { user, reply } = started.turn;
  let end = messages.length;
  while (end > 0 && messages[end - 1]!.id >= user.id) end--;
  const next = messages.slice(0, end);
  next.push(user, reply);
  return next;
}

/**
 * The messages with `id` replaced by `message` (or removed when null).
 * Looks from the end, where replies are: constant time for the newest.
 */
export function replaceMessage(messages: readonly Message[], id: number, message: Message | null): Message[] {
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]!.id === id) {
      const next = messages.slice();
      if (message) next[i] = message;
      else next.splice(i, 1);
      return next;
    }
  }
  return messages.slice();
}

/** Older messages put before the ones shown, without duplicates. */
export function prependPage(messages: readonly Message[], older: readonly Message[]): Message[] {
  const first = messages[0]?.id ?? Infinity;
  return [...older.filter((m) => m.id < first), ...messages];
}

/** "Today", "Yesterday", a weekday within the week, or the full date. */
export function dayLabel(date: Date, now: Date = new Date(), locale?: string): string {
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const day = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  const days = Math.round((today.getTime() - day.getTime()) / 86_400_000);
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
  if (days > 1 && days < 7) return formatDate(date, { weekday: 'long' }, locale);
  return fullDay(date, now, locale);
}

/** Whether the message at `index` is the first of its (local) day. */
export function startsDay(messages: readonly Message[], index: number): boolean {
  const message = messages[index];
  if (!message) return false;
  const previous = messages[index - 1];
  return !previous || !sameDay(new Date(previous.createdAt), new Date(message.createdAt));
}

/** The last user message and the last reply, the ones that can be edited or regenerated. */
export function lastIds(messages: readonly Message[]): { user: number | null; reply: number | null } {
  let user: number | null = null;
  let reply: number | null = null;
  const last = messages[messages.length - 1];
  if (last?.role === 'assistant') reply = last.id;
  for (let i = messages.length - 1; i >= 0 && i >= messages.length - 2; i--) {
    if (messages[i]!.role === 'user') {
      user = messages[i]!.id;
      break;
    }
  }
  return { user, reply };
}

// ---------------------------------------------------------------------------
// The composer's draft survives switching views (and reloads of the page).

const DRAFT_KEY = 'hearth.draft';
let draft: string | null = null;

export function loadDraft(): string {
  if (draft === null) {
    try {
      draft = sessionStorage.getItem(DRAFT_KEY) ?? '';
    } catch {
      draft = '';
    }
  }
  return draft;
}

export function saveDraft(text: string): void {
  draft = text;
  try {
    if (text) sessionStorage.setItem(DRAFT_KEY, text);
    else sessionStorage.removeItem(DRAFT_KEY);
  } catch {
    // Storage may be unavailable; the module keeps it for this session.
  }
}
