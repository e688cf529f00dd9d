import type { ErrorCode, Introduction, Persona, SetupAnswers } from './bindings';

/**
 * First run, one question at a time: connect a model (only when none is
 * set up), then the user's name, how they like to be spoken to and what they
 * hope for; then the companion introduces itself.
 */
export type Step = 'provider' | 'name' | 'address' | 'hopes' | 'introduction';

const QUESTIONS: readonly Step[] = ['name', 'address', 'hopes', 'introduction'];

/** The steps of this first run, in order. */
export function stepsFor(needsProvider: boolean): Step[] {
  return needsProvider ? ['provider', ...QUESTIONS] : [...QUESTIONS];
}

export function nextStep(steps: readonly Step[], step: Step): Step {
  const i = steps.indexOf(step);
  return steps[Math.min(i + 1, steps.length - 1)] ?? step;
}

/** The step Back leads to, or null on the first one. */
export function previousStep(steps: readonly Step[], step: Step): Step | null {
  const i = steps.indexOf(step);
  return i > 0 ? steps[i - 1]! : null;
}

/** "2 of 4"-style progress over the questions, leaving out the model set-up. */
export function progress(step: Step): { index: number; total: number } | null {
  const i = QUESTIONS.indexOf(step);
  return i < 0 ? null : { index: i + 1, total: QUESTIONS.length };
}

export const EMPTY_ANSWERS: SetupAnswers = { userName: '', addressStyle: '', hopes: '' };

/** Why the answer on this step cannot be taken yet, or null when it can. */
export function validateStep(step: Step, answers: SetupAnswers): string | null {
  if (step === 'name') {
    const name = answers.userName.trim();
    if (name === '') return 'Tell me a name, any name you like to be called.';
    if (name.length > 60) return 'A shorter name, please (60 characters at most).';
  }
  return null;
}

export function cleanAnswers(answers: SetupAnswers): SetupAnswers {
  return {
    userName: answers.userName.trim(),
    addressStyle: answers.addressStyle.trim(),
    hopes: answers.hopes.trim(),
  };
}

/** The persona to save from the answers, the introduction and the name kept or chosen. */
export function personaFrom(answers: SetupAnswers, introduction: Introduction, companionName: string): Persona {
  const clean = cleanAnswers(answers);
  return {
    companionName: companionName.trim(),
    voice: introduction.voice.trim(),
    userName: clean.userName,
    addressStyle: clean.addressStyle,
    hopes: clean.hopes,
  };
}

/**
 * The introduction's words as they open the conversation: when the user gave
 * the companion another name, the name it proposed becomes the chosen one, so
 * its first message does not contradict its name.
 */
export function introductionWords(introduction: Introduction, companionName: string): string {
  const proposed = introduction.name.trim();
  const chosen = companionName.trim();
  if (!proposed || !chosen || proposed === chosen) return introduction.words;
  const escaped = proposed.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return introduction.words.replace(new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'gu'), () => chosen);
}

/** Errors that mean the model connection, not the user's answers, needs attention. */
const CONNECTION_CODES = new Set<ErrorCode>([
  'no_provider',
  'no_key',
  'bad_key',
  'model_not_found',
  'unreachable',
  'connect_timeout',
  'rejected',
]);

export function isConnectionProblem(code: ErrorCode | undefined): boolean {
  return code !== undefined && CONNECTION_CODES.has(code);
}
