import { describe, expect, it } from 'vitest';
import type { DiaryDay, Message } from './bindings';
import { confirmsDeletion, dayLoss } from './forget';

const message = (id: number): Message => ({
  id,
  role: 'user',
  content: 'hi',
  status: 'complete',
  createdAt: 0,
  model: null,
  error: null,
  kept: false,
  forgotten: false,
});

const day = (messages: number, moments: number, entry: boolean): DiaryDay =>
  ({
    day: '2026-11-27',
    entry: entry ? ({ id: 1 } as DiaryDay['entry']) : null,
    moments: Array.from({ length: moments }, (_, i) => ({ id: i }) as DiaryDay['moments'][number]),
    messages: Array.from({ length: messages }, (_, i) => message(i)),
    pending: false,
    reason: null,
  }) as DiaryDay;

describe('dayLoss', () => {
  it('names everything the day holds', () => {
    expect(dayLoss(day(12, 2, true))).toBe(
      '12 messages, every memory learnt from them, 2 moments and the diary entry',
    );
  });

  it('leaves out what the day does not hold, and counts one as one', () => {
    expect(dayLoss(day(1, 0, false))).toBe('1 message and every memory learnt from them');
  });
});

describe('confirmsDeletion', () => {
  it("takes the companion's name, in any case", () => {
    expect(confirmsDeletion('  samantha ', 'Samantha')).toBe(true);
  });

  it('refuses anything else', () => {
    expect(confirmsDeletion('Saman', 'Samantha')).toBe(false);
    expect(confirmsDeletion('', 'Samantha')).toBe(false);
  });

  it('asks for DELETE when there is no companion yet', () => {
    expect(confirmsDeletion('delete', null)).toBe(true);
    expect(confirmsDeletion('', '')).toBe(false);
  });
});
