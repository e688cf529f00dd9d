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

/** What a larger model is offered for: talking (first run) or drafting letters (the desk). */
export type OfferPurpose = 'companion' | 'letters';

/** The offer made for the recommended model while the small built-in one stands in. */
export function offerSentence(entry: CatalogueEntry, purpose: OfferPurpose = 'companion'): string {
  const size = humanSize(entry.sizeBytes);
  return purpose === 'letters'
    ? `My drafts on the small built-in model are rough. With a larger model I'd write letters worth keeping: ${size}. Download it now?`
    : `I'll be a better companion with a larger model: ${size}. Download it now?`;
}

/** The recommended entry, when there is one to offer. */
export function recommendedEntry(catalogue: ModelCatalogue): CatalogueEntry | null {
  const entry = catalogue.models.find((m) => m.model.id === catalogue.recommended);
  return entry && entry.offered && entry.runnable && !entry.installed ? entry : null;
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
