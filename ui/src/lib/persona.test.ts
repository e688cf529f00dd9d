import { describe, expect, it } from 'vitest';
import { ADDRESS_STYLES, EMPTY_PERSONA, cleanPersona, hasErrors, samePersona, validatePersona } from './persona';

const samantha = {
  companionName: 'Samantha',
  voice: 'warm, curious',
  userName: 'Theodore',
  addressStyle: 'Warmly and gently',
  hopes: 'Company in the evenings',
};

describe('persona', () => {
  it('needs a companion name and accepts the rest blank', () => {
    expect(validatePersona(EMPTY_PERSONA).companionName).toMatch(/name/);
    expect(hasErrors(validatePersona({ ...EMPTY_PERSONA, companionName: 'Sam' }))).toBe(false);
    expect(validatePersona({ ...samantha, companionName: '  ' }).companionName).toBeDefined();
  });

  it('refuses names too long to say', () => {
    expect(validatePersona({ ...samantha, companionName: 'a'.repeat(61) }).companionName).toMatch(/shorter/);
    expect(validatePersona({ ...samantha, userName: 'a'.repeat(61) }).userName).toMatch(/shorter/);
  });

  it('trims every field', () => {
    expect(cleanPersona({ ...samantha, companionName: ' Samantha ', hopes: 'Company in the evenings\n' })).toEqual(
      samantha,
    );
  });

  it('compares personas as they would be saved', () => {
    expect(samePersona(samantha, { ...samantha, voice: ' warm, curious ' })).toBe(true);
    expect(samePersona(samantha, { ...samantha, voice: 'dry' })).toBe(false);
  });

  it('offers a few distinct ways of being spoken to', () => {
    expect(ADDRESS_STYLES.length).toBeGreaterThanOrEqual(3);
    expect(new Set(ADDRESS_STYLES.map((s) => s.value)).size).toBe(ADDRESS_STYLES.length);
  });
});
