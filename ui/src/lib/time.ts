/** A greeting for the local hour. */
export function greeting(hour: number): string {
  if (hour < 5) return 'Still awake?';
  if (hour < 12) return 'Good morning';
  if (hour < 18) return 'Good afternoon';
  return 'Good evening';
}

const formats = new Map<string, Intl.DateTimeFormat>();

/**
 * `date` written with `options` in `locale` (the user's when not given), as
 * `toLocaleDateString` and `toLocaleTimeString` write it. The format is made
 * once and kept: WebKit builds a new one on every `toLocale…String` call,
 * about half a millisecond each, which a list of dates pays many times over.
 */
export function formatDate(date: Date | number, options: Intl.DateTimeFormatOptions, locale?: string): string {
  const key = `${locale ?? ''}|${JSON.stringify(options)}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, options);
    formats.set(key, format);
  }
  return format.format(date);
}

/** "Monday 30 November" in the user's locale, with the year when it is not `now`'s. */
export function fullDay(date: Date, now: Date = new Date(), locale?: string): string {
  return formatDate(
    date,
    {
      weekday: 'long',
      day: 'numeric',
      month: 'long',
      ...(date.getFullYear() === now.getFullYear() ? {} : { year: 'numeric' }),
    },
    locale,
  );
}

/** "Wednesday, 25 November" in the user's locale. */
export function longDate(date: Date, locale?: string): string {
  return formatDate(date, { weekday: 'long', day: 'numeric', month: 'long' }, locale);
}

export interface CalendarDay {
  date: Date;
  inMonth: boolean;
  today: boolean;
}

/**
 * The weeks of the month holding `reference`, Monday first, padded with the
 * neighbouring months' days so every week has seven.
 */
export function monthGrid(reference: Date, today: Date = new Date()): CalendarDay[][] {
  const first = new Date(reference.getFullYear(), reference.getMonth(), 1);
  const offset = (first.getDay() + 6) % 7; // days since Monday
  const start = new Date(first.getFullYear(), first.getMonth(), 1 - offset);
  const weeks: CalendarDay[][] = [];
  for (let w = 0; w < 6; w++) {
    const week: CalendarDay[] = [];
    for (let d = 0; d < 7; d++) {
      const date = new Date(start.getFullYear(), start.getMonth(), start.getDate() + w * 7 + d);
      week.push({
        date,
        inMonth: date.getMonth() === reference.getMonth(),
        today: sameDay(date, today),
      });
    }
    if (w > 3 && !week.some((day) => day.inMonth)) break;
    weeks.push(week);
  }
  return weeks;
}

export function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}
