import { describe, expect, it } from 'vitest';
import {
  EMPTY_ANSWERS,
  cleanAnswers,
  isConnectionProblem,
  nextStep,
  personaFrom,
  introductionWords,
  previousStep,
  progress,
  stepsFor,
  validateStep,
} from './firstrun';

describe('first-run steps', () => {
  it('begins with the model only when none is connected', () => {
    expect(stepsFor(true)).toEqual(['provider', 'name', 'address', 'hopes', 'introduction']);
    expect(stepsFor(false)).toEqual(['name', 'address', 'hopes', 'introduction']);
  });

  it('walks forward one question at a time and stops at the introduction', () => {
    const steps = stepsFor(true);
    const walked = [steps[0]!];
    for (let i = 0; i < 6; i++) walked.push(nextStep(steps, walked.at(-1)!));
    expect(walked).toEqual(['provider', 'name', 'address', 'hopes', 'introduction', 'introduction', 'introduction']);
  });

  it('goes back, but not before the first step', () => {
    expect(previousStep(stepsFor(true), 'introduction')).toBe('hopes');
    expect(previousStep(stepsFor(true), 'name')).toBe('provider');
    expect(previousStep(stepsFor(false), 'name')).toBeNull();
    expect(previousStep(stepsFor(true), 'provider')).toBeNull();
  });

  it('counts progress over the questions only', () => {
    expect(progress('provider')).toBeNull();
    expect(progress('name')).toEqual({ index: 1, total: 4 });
    expect(progress('introduction')).toEqual({ index: 4, total: 4 });
  });
});

describe('first-run answers', () => {
  it('needs a name, and lets the other questions be skipped', () => {
    expect(validateStep('name', EMPTY_ANSWERS)).toMatch(/name/);
    expect(validateStep('name', { ...EMPTY_ANSWERS, userName: '   ' })).not.toBeNull();
    expect(validateStep('name', { ...EMPTY_ANSWERS, userName: 'x'.repeat(61) })).toMatch(/shorter/);
    expect(validateStep('name', { ...EMPTY_ANSWERS, userName: 'Theodore' })).toBeNull();
    expect(validateStep('address', EMPTY_ANSWERS)).toBeNull();
    expect(validateStep('hopes', EMPTY_ANSWERS)).toBeNull();
  });

  it('trims what is sent', () => {
    expect(cleanAnswers({ userName: ' Theo ', addressStyle: ' Warmly\n', hopes: '  company ' })).toEqual({
      userName: 'Theo',
      addressStyle: 'Warmly',
      hopes: 'company',
    });
  });

  it('builds the persona from the answers, the voice of the introduction and the name kept', () => {
    const answers = { userName: 'Theodore ', addressStyle: 'Warmly and gently', hopes: 'Someone to talk to' };
    const intro = { name: 'Samantha', voice: ' curious, warm ', words: 'Hello, I am Samantha.' };
    expect(personaFrom(answers, intro, '  Sam ')).toEqual({
      companionName: 'Sam',
      voice: 'curious, warm',
      userName: 'Theodore',
      addressStyle: 'Warmly and gently',
      hopes: 'Someone to talk to',
    });
  });

  it('tells connection problems from other failures', () => {
    expect(isConnectionProblem('no_provider')).toBe(true);
    expect(isConnectionProblem('bad_key')).toBe(true);
    expect(isConnectionProblem('unreachable')).toBe(true);
    expect(isConnectionProblem('rate_limited')).toBe(false);
    expect(isConnectionProblem(undefined)).toBe(false);
  });
});

describe('introductionWords', () => {
  const intro = { name: 'Samantha', voice: '', words: "Hi Theodore, I'm Samantha. Samanthas are rare." };

  it('puts the chosen name where the proposed one was, as a whole word', () => {
    expect(introductionWords(intro, ' Samira ')).toBe("Hi Theodore, I'm Samira. Samanthas are rare.");
  });

  it('leaves the words alone when the name is kept, and takes names literally', () => {
    expect(introductionWords(intro, 'Samantha')).toBe(intro.words);
    expect(introductionWords({ ...intro, name: 'S.a' }, '$&$1')).toBe(intro.words);
    expect(introductionWords({ ...intro, words: 'I am S.a.' , name: 'S.a' }, '$&')).toBe('I am $&.');
  });
});
