import type { LoadProgress, LocalModel, ProviderSettings } from './bindings';

/** The sentence shown wherever the companion talks through the built-in model. */
export const OFFLINE_NOTE = 'Talking through a small offline model on this computer. Connect a stronger one in Settings.';

/** A model's size in megabytes, the way people read it: "98 MB", "1,204 MB". */
export function sizeInMb(bytes: number): string {
  const mb = bytes / 1_000_000;
  const shown = mb < 10 ? Math.round(mb * 10) / 10 : Math.round(mb);
  return `${shown.toLocaleString('en-GB')} MB`;
}

/** Whole percent of a model load. */
export function percent(progress: LoadProgress): number {
  if (progress.totalBytes <= 0) return 100;
  return Math.min(100, Math.floor((progress.loadedBytes / progress.totalBytes) * 100));
}

/** The chat models (GGUF files) of a folder listing. */
export function chatModels(models: readonly LocalModel[]): LocalModel[] {
  return models.filter((m) => m.kind === 'chat');
}

/** Whether replies come from a model running in this process (chosen, or the built-in default). */
export function runsLocally(settings: ProviderSettings): boolean {
  return settings.active ? settings.active.kind === 'local' : settings.embedded !== null;
}

/** Whether the companion can talk now: a provider is chosen, or the built-in model stands in. */
export function hasModel(settings: ProviderSettings): boolean {
  return settings.active !== null || settings.embedded !== null;
}
