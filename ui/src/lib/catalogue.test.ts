import { describe, expect, it } from 'vitest';
import type { CatalogueEntry, DownloadProgress, ModelCatalogue } from './bindings';
import {
  canResume,
  describeMachine,
  humanSize,
  firstModelEntry,
  listed,
  memoryEntry,
  offerSentence,
  percentOf,
  progressLine,
  recommendedEntry,
  wordsPerSecond,
} from './catalogue';

const entry = (id: string, sizeBytes: number, over: Partial<CatalogueEntry> = {}): CatalogueEntry => ({
  model: {
    id,
    name: id,
    kind: 'chat',
    architecture: 'llama',
    folder: null,
    parameters: '1B',
    quantization: 'Q4_K_M',
    licence: 'MIT',
    memoryMb: 1000,
    tokensPerSecond: 5,
    rank: 2,
    builtIn: false,
    summary: '',
    files: [],
  },
  sizeBytes,
  offered: true,
  runnable: true,
  installed: false,
  download: null,
  ...over,
});

const catalogue = (models: CatalogueEntry[], recommended: string | null): ModelCatalogue => ({
  machine: { totalMemoryMb: 16384, availableMemoryMb: 8000, cores: 8 },
  recommended,
  models,
});

const progress = (over: Partial<DownloadProgress>): DownloadProgress => ({
  id: 'qwen3-1.7b',
  state: 'downloading',
  received: 340_000_000,
  total: 1_107_409_472,
  bytesPerSecond: 12_000_000,
  message: null,
  resumable: false,
  model: null,
  ...over,
});

describe('catalogue', () => {
  it('says sizes and the machine as people do', () => {
    expect(humanSize(1_107_409_472)).toBe('1.1 GB');
    expect(humanSize(98_362_432)).toBe('98 MB');
    expect(humanSize(612)).toBe('1 KB');
    expect(wordsPerSecond(20)).toBe('15 words');
    expect(wordsPerSecond(1)).toBe('1 word');
    expect(describeMachine({ totalMemoryMb: 16000, availableMemoryMb: 1, cores: 1 })).toBe('16 GB of memory, 1 core');
  });

  it('offers the recommended model in the words of first run', () => {
    expect(offerSentence(entry('qwen3-1.7b', 1_107_409_472))).toBe(
      "I'll be a better companion with a larger model: 1.1 GB. Download it now?",
    );
    expect(offerSentence(entry('qwen3-1.7b', 1_107_409_472), 'letters')).toBe(
      "My drafts on the small built-in model are rough. With a larger model I'd write letters worth keeping: 1.1 GB. Download it now?",
    );
    expect(offerSentence(entry('gemma-3-1b', 806_058_272), 'first')).toBe(
      'I can think right here, with nothing leaving this computer. The model that suits it is 806 MB. Download it now?',
    );
  });

  it('offers a computer with no model the recommended one, else the best built-in one, and the embedder beside it', () => {
    const withModel = (kind: 'chat' | 'embedding', rank: number, builtIn: boolean) => (e: CatalogueEntry) => ({
      ...e,
      model: { ...e.model, kind, rank, builtIn },
    });
    const smol = withModel('chat', 1, true)(entry('smol', 98e6));
    const gemma = withModel('chat', 0, true)(entry('gemma', 253e6));
    const larger = withModel('chat', 5, false)(entry('larger', 8e8));
    const minilm = withModel('embedding', 1, true)(entry('minilm', 91e6));
    expect(firstModelEntry(catalogue([gemma, smol, larger, minilm], 'larger'))).toBe(larger);
    // Too little memory for anything larger: the best built-in chat model.
    expect(firstModelEntry(catalogue([gemma, smol, larger, minilm], null))).toBe(smol);
    expect(firstModelEntry(catalogue([{ ...smol, installed: true }, { ...gemma, offered: false }], null))).toBeNull();
    expect(memoryEntry(catalogue([gemma, smol, larger, minilm], 'larger'))).toBe(minilm);
    expect(memoryEntry(catalogue([smol, { ...minilm, installed: true }], null))).toBeNull();
  });

  it('offers a recommendation only when it can be downloaded and run and is not here yet', () => {
    const a = entry('a', 1);
    expect(recommendedEntry(catalogue([a], 'a'))).toBe(a);
    expect(recommendedEntry(catalogue([a], null))).toBeNull();
    expect(recommendedEntry(catalogue([{ ...a, installed: true }], 'a'))).toBeNull();
    expect(recommendedEntry(catalogue([{ ...a, offered: false }], 'a'))).toBeNull();
    expect(recommendedEntry(catalogue([{ ...a, runnable: false }], 'a'))).toBeNull();
  });

  it('lists offered chat models, the recommended first, then the smallest', () => {
    const big = entry('big', 3e9);
    const small = entry('small', 1e9);
    const rec = entry('rec', 2e9);
    const secret = entry('secret', 5e8, { offered: false });
    const builtIn = entry('builtin', 1e8);
    builtIn.model.builtIn = true;
    const ids = listed(catalogue([big, small, rec, secret, builtIn], 'rec')).map((e) => e.model.id);
    expect(ids).toEqual(['rec', 'small', 'big']);
  });

  it('describes a download at each stage', () => {
    expect(progressLine(progress({}))).toBe('340 MB of 1.1 GB · 12 MB/s');
    expect(progressLine(progress({ bytesPerSecond: 0 }))).toBe('340 MB of 1.1 GB');
    expect(progressLine(progress({ state: 'paused' }))).toBe('Paused at 340 MB of 1.1 GB');
    expect(progressLine(progress({ state: 'failed', resumable: true }))).toBe('Stopped at 340 MB of 1.1 GB');
    expect(progressLine(progress({ state: 'failed' }))).toBe('Not downloaded');
    expect(progressLine(progress({ state: 'verifying' }))).toBe('Checking the download…');
    expect(percentOf(progress({}))).toBe(30);
    expect(percentOf(progress({ total: 0 }))).toBe(0);
    expect(canResume(progress({ state: 'paused' }))).toBe(true);
    expect(canResume(progress({ state: 'downloading' }))).toBe(false);
  });
});
