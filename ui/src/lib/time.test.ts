import { describe, expect, it } from 'vitest';
import { formatDate, greeting, monthGrid, sameDay } from './time';

describe('greeting', () => {
  it('follows the local hour', () => {
    expect([2, 9, 14, 21].map(greeting)).toEqual([
      'Still awake?',
      'Good morning',
      'Good afternoon',
      'Good evening',
    ]);
  });
});

describe('month grid', () => {
  it('starts on Monday and covers the whole month', () => {
    // November 2026 begins on a Sunday and has 30 days.
    const weeks = monthGrid(new Date(2026, 10, 15), new Date(2026, 10, 25));
    expect(weeks.every((w) => w.length === 7)).toBe(true);
    expect(weeks[0]![0]!.date.getDay()).toBe(1);
    expect(weeks[0]![6]!.date.getDate()).toBe(1);
    const inMonth = weeks.flat().filter((d) => d.inMonth);
    expect(inMonth.map((d) => d.date.getDate())).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(weeks.flat().filter((d) => d.today).map((d) => d.date.getDate())).toEqual([25]);
  });

  it('drops a trailing week that lies wholly in the next month', () => {
    // February 2027 begins on a Monday: exactly four weeks.
    expect(monthGrid(new Date(2027, 1, 1))).toHaveLength(4);
  });

  it('compares calendar days, not instants', () => {
    expect(sameDay(new Date(2026, 0, 1, 0, 1), new Date(2026, 0, 1, 23, 59))).toBe(true);
    expect(sameDay(new Date(2026, 0, 1), new Date(2026, 0, 2))).toBe(false);
  });
});

describe('formatDate', () => {
  it('writes a date as toLocaleDateString and toLocaleTimeString do, format after format', () => {
    const date = new Date(2026, 10, 25, 9, 5);
    for (const locale of ['en-GB', 'en-US', 'fr-FR', undefined]) {
      for (const options of [
        { weekday: 'long', day: 'numeric', month: 'long' },
        { month: 'long', year: 'numeric' },
        { weekday: 'narrow' },
      ] as const) {
        expect(formatDate(date, options, locale)).toBe(date.toLocaleDateString(locale, options));
        // Asked again, the kept format writes the same.
        expect(formatDate(date.getTime(), options, locale)).toBe(date.toLocaleDateString(locale, options));
      }
      const time = { hour: '2-digit', minute: '2-digit' } as const;
      expect(formatDate(date, time, locale)).toBe(date.toLocaleTimeString(locale, time));
    }
  });
});
