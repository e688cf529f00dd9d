import type { Persona } from './bindings';

/** Ways of being spoken to, offered as choices; the user may write their own. */
export const ADDRESS_STYLES: readonly { value: string; note: string }[] = [
  { value: 'Warmly and gently', note: 'Soft, kind, unhurried' },
  { value: 'Plainly and directly', note: 'Say it straight' },
  { value: 'With a little humour', note: 'Light and playful' },
  { value: 'Thoughtfully, in depth', note: 'Take time over things' },
];

export const EMPTY_PERSONA: Persona = { companionName: '', voice: '', userName: '', addressStyle: '', hopes: '' };

/** The persona with its fields trimmed, as it should be stored. */
export function cleanPersona(persona: Persona): Persona {
  return {
    companionName: persona.companionName.trim(),
    voice: persona.voice.trim(),
    userName: persona.userName.trim(),
    addressStyle: persona.addressStyle.trim(),
    hopes: persona.hopes.trim(),
  };
}

export type PersonaErrors = Partial<Record<keyof Persona, string>>;

/** What must be put right before the persona can be saved; empty when nothing. */
export function validatePersona(persona: Persona): PersonaErrors {
  const errors: PersonaErrors = {};
  if (persona.companionName.trim() === '') errors.companionName = 'Your companion needs a name.';
  else if (persona.companionName.trim().length > 60) errors.companionName = 'A shorter name, please (60 characters at most).';
  if (persona.userName.trim().length > 60) errors.userName = 'A shorter name, please (60 characters at most).';
  return errors;
}

export function hasErrors(errors: PersonaErrors): boolean {
  return Object.keys(errors).length > 0;
}

/** Whether two personas say the same once trimmed. */
export function samePersona(a: Persona, b: Persona): boolean {
  const x = cleanPersona(a);
  const y = cleanPersona(b);
  return (Object.keys(x) as (keyof Persona)[]).every((k) => x[k] === y[k]);
}
