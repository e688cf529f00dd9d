/** The Letters view's pure helpers: the brief's gentle prompts, dates, versions. */
import type {
  HandFont,
  Letter,
  LetterBrief,
  LetterVersion,
  PaperStyle,
  PersonDate,
  UpcomingDate,
} from './bindings';

export const TONES = ['tender', 'playful', 'grateful', 'consoling', 'proud', 'formal'] as const;

export const FONTS: readonly { id: HandFont; label: string; family: string }[] = [
  { id: 'dancing-script', label: 'Dancing Script', family: 'Hearth Dancing Script' },
  { id: 'kaushan-script', label: 'Kaushan Script', family: 'Hearth Kaushan Script' },
  { id: 'kristi', label: 'Kristi', family: 'Hearth Kristi' },
];

export const PAPERS: readonly { id: PaperStyle; label: string }[] = [
  { id: 'cream', label: 'Cream' },
  { id: 'ruled', label: 'Ruled' },
  { id: 'white', label: 'White' },
];

/** Revisions to offer with one click. */
export const QUICK_REVISIONS = ['warmer', 'shorter', 'simpler words', 'more playful'] as const;

export function fontFamily(font: HandFont): string {
  return FONTS.find((f) => f.id === font)?.family ?? FONTS[0]!.family;
}

export function emptyBrief(): LetterBrief {
  return {
    personId: null,
    recipient: '',
    occasion: '',
    carry: '',
    weave: [],
    tone: 'tender',
    length: 'medium',
    signature: '',
  };
}

/** What a letter is to be, as the new-letter form edits it. */
export function briefOf(letter: Letter): LetterBrief {
  return {
    personId: letter.personId,
    recipient: letter.recipient,
    occasion: letter.occasion,
    carry: letter.carry,
    weave: [...letter.weave],
    tone: letter.tone,
    length: letter.length,
    signature: letter.signature,
  };
}

/**
 * Gentle prompts for what the brief still lacks: a question per empty
 * field, never an error. Only the recipient is needed to begin.
 */
export function briefPrompts(brief: LetterBrief): Partial<Record<'recipient' | 'occasion' | 'carry' | 'signature', string>> {
  const prompts: Partial<Record<'recipient' | 'occasion' | 'carry' | 'signature', string>> = {};
  const who = brief.recipient.trim();
  if (!who) prompts.recipient = 'Who is it for? A name is enough.';
  if (!brief.occasion.trim()) prompts.occasion = 'Is there an occasion? A birthday, a thank-you, no reason at all.';
  if (!brief.carry.trim())
    prompts.carry = `What must it carry${who ? ` to ${who}` : ''}? The memory, the thanks, the thing that is hard to say.`;
  if (!brief.signature.trim()) prompts.signature = 'How will you sign it? “With love”, your name…';
  return prompts;
}

/** Whether the brief holds enough to begin (a recipient). */
export function canBegin(brief: LetterBrief): boolean {
  return brief.recipient.trim() !== '';
}

/** "today", "tomorrow", "in 5 days". */
export function whenLabel(days: number): string {
  if (days <= 0) return 'today';
  if (days === 1) return 'tomorrow';
  return `in ${days} days`;
}

export function upcomingLabel(d: UpcomingDate): string {
  const years = d.years ? ` (${d.years})` : '';
  return `${d.person}'s ${d.label.toLowerCase()}${years}, ${whenLabel(d.daysUntil)}`;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

export function dateLabel(d: PersonDate): string {
  const month = MONTHS[d.month - 1] ?? '?';
  return `${d.label}: ${d.day} ${month}${d.year ? ` ${d.year}` : ''}`;
}

/** Reads "12 March", "March 12", "12/3" or "2026-03-12" into a day and month (and year). */
export function parseDay(text: string): { day: number; month: number; year: number | null } | null {
  const t = text.trim().toLowerCase();
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(t);
  if (iso) return valid(Number(iso[3]), Number(iso[2]), Number(iso[1]));
  const numeric = /^(\d{1,2})[/.](\d{1,2})(?:[/.](\d{4}))?$/.exec(t);
  if (numeric) return valid(Number(numeric[1]), Number(numeric[2]), numeric[3] ? Number(numeric[3]) : null);
  const words = t.replace(/,/g, ' ').split(/\s+/).filter(Boolean);
  const monthIndex = words.findIndex((w) => MONTHS.some((m) => w.length >= 3 && m.toLowerCase().startsWith(w)));
  if (monthIndex < 0) return null;
  const month = MONTHS.findIndex((m) => m.toLowerCase().startsWith(words[monthIndex]!)) + 1;
  const numbers = words.filter((_, i) => i !== monthIndex).map((w) => parseInt(w, 10)).filter((n) => !Number.isNaN(n));
  const day = numbers.find((n) => n >= 1 && n <= 31);
  const year = numbers.find((n) => n >= 1900 && n <= 2100) ?? null;
  return day === undefined ? null : valid(day, month, year);
}

function valid(day: number, month: number, year: number | null) {
  if (month < 1 || month > 12 || day < 1) return null;
  const days = new Date(Date.UTC(year ?? 2000, month, 0)).getUTCDate();
  return day <= days ? { day, month, year } : null;
}

/** How a version is named in the list. */
export function versionLabel(v: LetterVersion, n: number): string {
  const what =
    v.source === 'draft'
      ? 'First draft'
      : v.source === 'revision'
        ? `Revised: “${v.request ?? ''}”`
        : v.source === 'edit'
          ? 'Your edit'
          : 'Restored';
  const mark = v.status === 'error' ? ' (cut short)' : v.status === 'partial' ? ' (stopped)' : '';
  return `${n}. ${what}${mark}`;
}

/** A file name for a letter's PDF: "Letter to Mum.pdf". */
export function pdfName(recipient: string): string {
  const safe = recipient.replace(/[\\/:*?"<>|\p{Cc}]/gu, ' ').replace(/\s+/g, ' ').trim();
  return `Letter to ${safe || 'someone'}.pdf`;
}
