/**
 * The conversation thread's logic, apart from any component: the messages
 * list and how a turn changes it, day labels, and the composer's draft.
 */
import { invoke, type Channel } from '@tauri-apps/api/core';
import { commands as generated, type AppError, type Result } from './bindings';
import { sameDay } from './time';

// The conversation's IPC types, as the Rust side defines them. Until the
// generated bindings carry them, they are declared here to the same shape.
export type { AppError };
export type Message = {
  id: number;
  role: 'user' | 'assistant';
  content: string;
  status: 'complete' | 'streaming' | 'partial' | 'error';
  /** UTC milliseconds since the Unix epoch. */
  createdAt: number;
  model: string | null;
  /** Why a reply failed (status 'error'). */
  error: string | null;
  /** Kept as a moment. */
  kept: boolean;
};
export type Turn = { user: Message; reply: Message };
export type StartedTurn = { turn: Turn; stream: number };
export type TurnEvent =
  | { event: 'delta'; data: { text: string } }
  | { event: 'ended'; data: { reply: Message | null; error: AppError | null } };
export type Persona = { companionName: string; voice: string; userName: string; addressStyle: string; hopes: string };

interface ThreadCommands {
  listMessages(before: number | null, limit: number): Promise<Result<Message[], AppError>>;
  sendMessage(text: string, onEvent: Channel<TurnEvent>): Promise<Result<StartedTurn, AppError>>;
  regenerateReply(onEvent: Channel<TurnEvent>): Promise<Result<StartedTurn, AppError>>;
  editLastMessage(text: string, onEvent: Channel<TurnEvent>): Promise<Result<StartedTurn, AppError>>;
  stopReply(stream: number): Promise<boolean>;
  keepMoment(messageId: number): Promise<Result<unknown, AppError>>;
  releaseMoment(messageId: number): Promise<Result<boolean, AppError>>;
  getPersona(): Promise<Result<Persona | null, AppError>>;
}

const bound = generated as unknown as Partial<ThreadCommands>;

/** A command the generated bindings don't carry yet, invoked by its wire name. */
async function invoked<T>(name: string, args: Record<string, unknown>): Promise<Result<T, AppError>> {
  try {
    return { status: 'ok', data: await invoke<T>(name, args) };
  } catch (e) {
    if (e instanceof Error) throw e;
    return { status: 'error', error: e as AppError };
  }
}

/** The conversation's commands: the generated ones, where they exist. */
export const commands: ThreadCommands = {
  listMessages: (before, limit) => bound.listMessages?.(before, limit) ?? invoked('list_messages', { before, limit }),
  sendMessage: (text, onEvent) => bound.sendMessage?.(text, onEvent) ?? invoked('send_message', { text, onEvent }),
  regenerateReply: (onEvent) => bound.regenerateReply?.(onEvent) ?? invoked('regenerate_reply', { onEvent }),
  editLastMessage: (text, onEvent) => bound.editLastMessage?.(text, onEvent) ?? invoked('edit_last_message', { text, onEvent }),
  stopReply: (stream) => bound.stopReply?.(stream) ?? invoke<boolean>('stop_reply', { id: stream }),
  keepMoment: (messageId) => bound.keepMoment?.(messageId) ?? invoked('keep_moment', { messageId }),
  releaseMoment: (messageId) => bound.releaseMoment?.(messageId) ?? invoked('release_moment', { messageId }),
  getPersona: () => bound.getPersona?.() ?? invoked('get_persona', {}),
};

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
  if (days > 1 && days < 7) return date.toLocaleDateString(locale, { weekday: 'long' });
  return date.toLocaleDateString(locale, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    ...(date.getFullYear() === now.getFullYear() ? {} : { year: 'numeric' }),
  });
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
