/**
 * The downloads running in the core, as the window follows them: one shared
 * record, so Settings and first run show the same progress, and a download
 * keeps reporting while the user moves between views.
 */
import { Channel } from '@tauri-apps/api/core';
import type { DownloadProgress, LocalModel } from './bindings';
import { call, commands } from './api';

class Downloads {
  /** The last progress of each download, by catalogue id. */
  readonly progress: Record<string, DownloadProgress> = $state({});
  /** Why a download could not start, by catalogue id. */
  readonly refused: Record<string, string> = $state({});
  readonly #done = new Set<(model: LocalModel) => void>();

  /** Takes what the core knows (for example a download paused by a restart). */
  know(known: readonly DownloadProgress[]): void {
    for (const p of known) if (!(p.id in this.progress)) this.progress[p.id] = p;
  }

  /** Starts or resumes the download `id`. */
  async start(id: string): Promise<void> {
    delete this.refused[id];
    const channel = new Channel<DownloadProgress>();
    channel.onmessage = (p) => {
      this.progress[p.id] = p;
      if (p.state === 'done' && p.model) for (const f of this.#done) f(p.model);
    };
    try {
      await call(commands.downloadModel(id, channel));
    } catch (e) {
      this.refused[id] = e instanceof Error ? e.message : String(e);
    }
  }

  async pause(id: string): Promise<void> {
    try {
      await call(commands.pauseModelDownload(id));
    } catch (e) {
      this.refused[id] = e instanceof Error ? e.message : String(e);
    }
  }

  async cancel(id: string): Promise<void> {
    try {
      await call(commands.cancelModelDownload(id));
      delete this.progress[id];
    } catch (e) {
      this.refused[id] = e instanceof Error ? e.message : String(e);
    }
  }

  /** Calls `f` with each model that finishes downloading; returns the unsubscribe. */
  ondone(f: (model: LocalModel) => void): () => void {
    this.#done.add(f);
    return () => this.#done.delete(f);
  }
}

export const downloads = new Downloads();
