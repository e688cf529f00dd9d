import { describe, expect, it } from 'vitest';
import {
  applyStartedTurn,
  dayLabel,
  lastIds,
  loadDraft,
  prependPage,
  replaceMessage,
  saveDraft,
  startsDay,
  type Message,
} from './thread';

function msg(id: number, role: Message['role'], createdAt = 0, extra: Partial<Message> = {}): Message {
  return { id, role, content: `m${id}`, status: 'complete', createdAt, model: null, error: null, kept: false, forgotten: false, ...extra };
}

describe('applyStartedTurn', () => {
  const history = [msg(1, 'user'), msg(2, 'assistant'), msg(3, 'user'), msg(4, 'assistant')];

  it('appends a new message and its reply', () => {
    const turn = { user: msg(5, 'user'), reply: msg(6, 'assistant', 0, { status: 'streaming' }), replaced: null };
    expect(applyStartedTurn(history, { turn, stream: 1 }).map((m) => m.id)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('replaces the last reply when regenerating', () => {
    const turn = { user: msg(3, 'user'), reply: msg(5, 'assistant'), replaced: 4 };
    expect(applyStartedTurn(history, { turn, stream: 1 }).map((m) => m.id)).toEqual([1, 2, 3, 5]);
  });

  it('replaces the edited message and its reply', () => {
    const turn = { user: { ...msg(3, 'user'), content: 'edited' }, reply: msg(5, 'assistant'), replaced: 4 };
    const next = applyStartedTurn(history, { turn, stream: 1 });
    expect(next.map((m) => m.id)).toEqual([1, 2, 3, 5]);
    expect(next[2]!.content).toBe('edited');
  });

  it('answers a user message left without a reply', () => {
    const turn = { user: msg(3, 'user'), reply: msg(4, 'assistant'), replaced: null };
    expect(applyStartedTurn(history.slice(0, 3), { turn, stream: 1 }).map((m) => m.id)).toEqual([1, 2, 3, 4]);
  });
});

describe('replaceMessage and prependPage', () => {
  it('replaces or removes a message by id', () => {
    const list = [msg(1, 'user'), msg(2, 'assistant')];
    expect(replaceMessage(list, 2, msg(2, 'assistant', 0, { content: 'x' }))[1]!.content).toBe('x');
    expect(replaceMessage(list, 2, null).map((m) => m.id)).toEqual([1]);
    expect(list).toHaveLength(2);
  });

  it('puts older messages first, dropping any already shown', () => {
    expect(prependPage([msg(3, 'user'), msg(4, 'assistant')], [msg(1, 'user'), msg(2, 'assistant'), msg(3, 'user')]).map((m) => m.id)).toEqual([
      1, 2, 3, 4,
    ]);
  });
});

describe('dayLabel and startsDay', () => {
  const now = new Date(2025, 5, 18, 10); // Wednesday 18 June 2025

  it('names days relative to today', () => {
    expect(dayLabel(new Date(2025, 5, 18, 0, 1), now, 'en-GB')).toBe('Today');
    expect(dayLabel(new Date(2025, 5, 17, 23, 59), now, 'en-GB')).toBe('Yesterday');
    expect(dayLabel(new Date(2025, 5, 14), now, 'en-GB')).toBe('Saturday');
    expect(dayLabel(new Date(2025, 5, 11), now, 'en-GB')).toMatch(/^Wednesday,? 11 June$/);
    expect(dayLabel(new Date(2024, 11, 24), now, 'en-GB')).toMatch(/^Tuesday,? 24 December 2024$/);
  });

  it('marks the first message of each local day', () => {
    const list = [
      msg(1, 'user', new Date(2025, 5, 16, 9).getTime()),
      msg(2, 'assistant', new Date(2025, 5, 16, 23).getTime()),
      msg(3, 'user', new Date(2025, 5, 17, 0, 30).getTime()),
    ];
    expect([0, 1, 2].map((i) => startsDay(list, i))).toEqual([true, false, true]);
  });
});

describe('lastIds', () => {
  it('finds the last user message and the last reply', () => {
    expect(lastIds([msg(1, 'user'), msg(2, 'assistant')])).toEqual({ user: 1, reply: 2 });
    expect(lastIds([msg(1, 'user'), msg(2, 'assistant'), msg(3, 'user')])).toEqual({ user: 3, reply: null });
    expect(lastIds([])).toEqual({ user: null, reply: null });
  });
});

describe('draft', () => {
  it('survives in the session', () => {
    saveDraft('half a thought');
    expect(loadDraft()).toBe('half a thought');
    expect(sessionStorage.getItem('hearth.draft')).toBe('half a thought');
    saveDraft('');
    expect(sessionStorage.getItem('hearth.draft')).toBeNull();
  });
});
