import type { CatalogueEntry, DownloadProgress, Machine, ModelCatalogue } from './bindings';

/** A size the way people say it: "1.1 GB", "98 MB", "12 KB". */
export function humanSize(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${Math.round(bytes / 1e6)} MB`;
  return `${Math.max(1, Math.round(bytes / 1e3))} KB`;
}

/** "16 GB of memory, 8 cores". */
export function describeMachine(m: Machine): string {
  const gb = Math.round(m.totalMemoryMb / 1024);
  return `${gb} GB of memory, ${m.cores} ${m.cores === 1 ? 'core' : 'cores'}`;
}

/** A generation speed in words (about three words for four tokens): "3 words", "1 word". */
export function wordsPerSecond(tokensPerSecond: number): string {
  const words = Math.max(1, Math.round(tokensPerSecond * 0.75));
  return words === 1 ? '1 word' : `${words} words`;
}

/**
 * What a model is offered for: a first voice when this computer has none
 * (first run of a fresh install), a better companion than the built-in one
 * (first run), or drafting letters (the desk).
 */
export type OfferPurpose = 'first' | 'companion' | 'letters';

/** The offer made for a catalogue model, in the companion's words. */
export function offerSentence(entry: CatalogueEntry, purpose: OfferPurpose = 'companion'): string {
  const size = humanSize(entry.sizeBytes);
  switch (purpose) {
    case 'first':
      return `I can think right here, with nothing leaving this computer. The model that suits it is ${size}. Download it now?`;
    case 'letters':
      return `My drafts on the small built-in model are rough. With a larger model I'd write letters worth keeping: ${size}. Download it now?`;
    case 'companion':
      return `I'll be a better companion with a larger model: ${size}. Download it now?`;
  }
}

/** The recommended entry, when there is one to offer. */
export function recommendedEntry(catalogue: ModelCatalogue): CatalogueEntry | null {
  const entry = catalogue.models.find((m) => m.model.id === catalogue.recommended);
  return entry && entry.offered && entry.runnable && !entry.installed ? entry : null;
}

/**
 * The chat model to offer when this computer has none: the recommended one,
 * else (too little memory for anything larger) the best built-in one.
 */
export function firstModelEntry(catalogue: ModelCatalogue): CatalogueEntry | null {
  return recommendedEntry(catalogue) ?? bestBuiltIn(catalogue, 'chat');
}

/** The embedding model to fetch beside a first chat model, when it is not here yet. */
export function memoryEntry(catalogue: ModelCatalogue): CatalogueEntry | null {
  return bestBuiltIn(catalogue, 'embedding');
}

function bestBuiltIn(catalogue: ModelCatalogue, kind: CatalogueEntry['model']['kind']): CatalogueEntry | null {
  const candidates = catalogue.models.filter(
    (m) => m.model.kind === kind && m.model.builtIn && m.offered && m.runnable && !m.installed,
  );
  return candidates.reduce<CatalogueEntry | null>((best, m) => (best && best.model.rank >= m.model.rank ? best : m), null);
}

/** The chat models worth listing in Settings: offered ones, the recommended first, then by size. */
export function listed(catalogue: ModelCatalogue): CatalogueEntry[] {
  return catalogue.models
    .filter((m) => m.offered && !m.model.builtIn && m.model.kind === 'chat')
    .sort((a, b) => {
      const ra = a.model.id === catalogue.recommended ? 0 : 1;
      const rb = b.model.id === catalogue.recommended ? 0 : 1;
      return ra - rb || a.sizeBytes - b.sizeBytes;
    });
}

/** Whole percent downloaded. */
export function percentOf(p: DownloadProgress): number {
  if (p.total <= 0) return 0;
  return Math.min(100, Math.floor((p.received / p.total) * 100));
}

/** "340 MB of 1.1 GB · 12 MB/s", or where it stopped. */
export function progressLine(p: DownloadProgress): string {
  const part = `${humanSize(p.received)} of ${humanSize(p.total)}`;
  switch (p.state) {
    case 'downloading':
      return p.bytesPerSecond > 0 ? `${part} · ${humanSize(p.bytesPerSecond)}/s` : part;
    case 'verifying':
      return 'Checking the download…';
    case 'paused':
      return `Paused at ${part}`;
    case 'failed':
      return p.resumable ? `Stopped at ${part}` : 'Not downloaded';
    case 'cancelled':
      return 'Cancelled';
    case 'done':
      return 'Downloaded and checked';
  }
}

/** Whether the download can be resumed (paused, or stopped with its bytes kept). */
export function canResume(p: DownloadProgress): boolean {
  return p.state === 'paused' || p.state === 'failed';
}
