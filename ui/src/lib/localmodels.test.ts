import { describe, expect, it } from 'vitest';
import type { LocalModel, ProviderSettings } from './bindings';
import { chatModels, hasModel, percent, runsLocally, sizeInMb } from './localmodels';

const smol: LocalModel = {
  name: 'SmolLM2 135M Instruct',
  file: 'SmolLM2-135M-Instruct.Q4_1.gguf',
  sizeBytes: 98_000_000,
  kind: 'chat',
  licence: 'Apache-2.0',
  contextLength: 8192,
};
const minilm: LocalModel = { ...smol, name: 'all-MiniLM-L6-v2', file: 'all-MiniLM-L6-v2', kind: 'embedding', contextLength: null };

const settings = (over: Partial<ProviderSettings>): ProviderSettings => ({
  active: null,
  keys: [],
  keyStore: { kind: 'keyring' } as ProviderSettings['keyStore'],
  embedded: null,
  ...over,
});

describe('local models', () => {
  it('shows sizes in megabytes', () => {
    expect(sizeInMb(98_123_456)).toBe('98 MB');
    expect(sizeInMb(1_204_000_000)).toBe('1,204 MB');
    expect(sizeInMb(2_340_000)).toBe('2.3 MB');
  });

  it('turns load progress into a whole percent', () => {
    expect(percent({ loadedBytes: 0, totalBytes: 200 })).toBe(0);
    expect(percent({ loadedBytes: 99, totalBytes: 200 })).toBe(49);
    expect(percent({ loadedBytes: 300, totalBytes: 200 })).toBe(100);
    expect(percent({ loadedBytes: 0, totalBytes: 0 })).toBe(100);
  });

  it('offers only chat models as providers', () => {
    expect(chatModels([smol, minilm])).toEqual([smol]);
  });

  it('knows when the built-in model stands in', () => {
    expect(hasModel(settings({}))).toBe(false);
    expect(hasModel(settings({ embedded: smol }))).toBe(true);
    expect(runsLocally(settings({ embedded: smol }))).toBe(true);
    const ollama = { kind: 'ollama' as const, baseUrl: 'http://localhost:11434', model: 'llama3', contextLength: null };
    expect(runsLocally(settings({ active: ollama }))).toBe(false);
    expect(runsLocally(settings({ active: { ...ollama, kind: 'local', baseUrl: '' } }))).toBe(true);
  });
});
