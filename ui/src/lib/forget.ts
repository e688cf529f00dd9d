/**
 * Forgetting a day and deleting everything: what the confirmation says will
 * be lost, and the deliberate step that confirms deleting everything.
 */
import type { DiaryDay } from './bindings';

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** What forgetting `day` takes away, in a sentence. */
export function dayLoss(day: DiaryDay): string {
  const parts = [count(day.messages.length, 'message', 'messages'), 'every memory learnt from them'];
  if (day.moments.length > 0) parts.push(count(day.moments.length, 'moment', 'moments'));
  if (day.entry) parts.push('the diary entry');
  const last = parts.pop()!;
  return `${parts.join(', ')} and ${last}`;
}

/**
 * Whether what the user typed confirms deleting everything: the companion's
 * name (any case, spaces around ignored), or DELETE when there is none.
 */
export function confirmsDeletion(typed: string, companion: string | null): boolean {
  const wanted = (companion ?? '').trim() || 'DELETE';
  return typed.trim().toLocaleLowerCase() === wanted.toLocaleLowerCase();
}
