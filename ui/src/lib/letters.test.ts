import { describe, expect, it } from 'vitest';
import type { LetterVersion } from './bindings';
import { briefOf, briefPrompts, canBegin, emptyBrief, parseDay, pdfName, upcomingLabel, versionLabel, whenLabel } from './letters';

describe('the brief', () => {
  it('prompts gently for each empty field, and needs only a recipient to begin', () => {
    const brief = emptyBrief();
    const prompts = briefPrompts(brief);
    expect(Object.keys(prompts).sort()).toEqual(['carry', 'occasion', 'recipient', 'signature']);
    expect(canBegin(brief)).toBe(false);
    brief.recipient = 'Mum';
    expect(briefPrompts(brief).recipient).toBeUndefined();
    expect(briefPrompts(brief).carry).toContain('to Mum');
    expect(canBegin(brief)).toBe(true);
  });

  it('takes a letter back into the form, without its text', () => {
    const letter = {
      ...emptyBrief(),
      recipient: 'Mum',
      weave: ['the lake'],
      id: 3,
      answers: [],
      font: 'kristi' as const,
      paper: 'ruled' as const,
      body: 'Dear Mum',
      createdAt: 1,
      updatedAt: 2,
      finishedAt: null,
    };
    const brief = briefOf(letter);
    expect(brief).toEqual({ ...emptyBrief(), recipient: 'Mum', weave: ['the lake'] });
    brief.weave.push('more');
    expect(letter.weave).toEqual(['the lake']);
  });

  it('treats a recipient of spaces as empty', () => {
    expect(canBegin({ ...emptyBrief(), recipient: '   ' })).toBe(false);
  });
});

describe('dates', () => {
  it('reads the ways people write a day', () => {
    expect(parseDay('12 March')).toEqual({ day: 12, month: 3, year: null });
    expect(parseDay('March 12, 1990')).toEqual({ day: 12, month: 3, year: 1990 });
    expect(parseDay('12/3/1990')).toEqual({ day: 12, month: 3, year: 1990 });
    expect(parseDay('1990-03-12')).toEqual({ day: 12, month: 3, year: 1990 });
    expect(parseDay('29 feb')).toEqual({ day: 29, month: 2, year: null });
  });

  it('refuses days that are not on the calendar', () => {
    expect(parseDay('30 February')).toBeNull();
    expect(parseDay('29/2/2027')).toBeNull();
    expect(parseDay('someday')).toBeNull();
  });

  it('says when a date comes', () => {
    expect(whenLabel(0)).toBe('today');
    expect(whenLabel(1)).toBe('tomorrow');
    expect(whenLabel(9)).toBe('in 9 days');
    expect(
      upcomingLabel({ personId: 1, person: 'Amy', label: 'Birthday', date: '2027-03-12', daysUntil: 1, years: 37 }),
    ).toBe("Amy's birthday (37), tomorrow");
  });
});

describe('versions and files', () => {
  const version = (v: Partial<LetterVersion>): LetterVersion => ({
    id: 1,
    letterId: 1,
    source: 'draft',
    request: null,
    body: 'Dear',
    status: 'complete',
    error: null,
    createdAt: 0,
    ...v,
  });

  it('names each version by how it came to be', () => {
    expect(versionLabel(version({}), 1)).toBe('1. First draft');
    expect(versionLabel(version({ source: 'revision', request: 'warmer' }), 2)).toBe('2. Revised: “warmer”');
    expect(versionLabel(version({ source: 'edit' }), 3)).toBe('3. Your edit');
    expect(versionLabel(version({ status: 'error' }), 4)).toBe('4. First draft (cut short)');
  });

  it('makes a file name that any system accepts', () => {
    expect(pdfName('Mum')).toBe('Letter to Mum.pdf');
    expect(pdfName('a/b: "c"')).toBe('Letter to a b c.pdf');
    expect(pdfName('  ')).toBe('Letter to someone.pdf');
  });
});
