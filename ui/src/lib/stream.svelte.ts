/**
 * A reply as it streams in: deltas are buffered and applied once per
 * animation frame to an {@link IncrementalMarkdown}, whose frozen blocks are
 * appended to `blocks` (each rendered once) while only `tail` changes.
 */
import { IncrementalMarkdown } from './markdown';

export type Phase = 'thinking' | 'speaking' | 'ended';
export type Schedule = (callback: () => void) => void;

const nextFrame: Schedule = (callback) => {
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => callback());
  else setTimeout(callback, 16);
};

export class ReplyStream {
  /** Sanitised HTML of the finished blocks, in order; only ever appended to. */
  readonly blocks: string[] = $state([]);
  /** Sanitised HTML of the open tail. */
  tail = $state('');
  /** 'thinking' until the first words arrive, then 'speaking', then 'ended'. */
  phase = $state<Phase>('thinking');
  /** Frames in which something was rendered (for tests and measurement). */
  frames = 0;

  readonly #md = new IncrementalMarkdown();
  readonly #schedule: Schedule;
  #scheduled = false;
  readonly #onblock: ((html: string) => void) | undefined;

  /**
   * @param schedule when to apply buffered text: the next animation frame by default
   * @param onblock told of each block as it is finished
   */
  constructor(schedule: Schedule = nextFrame, onblock?: (html: string) => void) {
    this.#schedule = schedule;
    this.#onblock = onblock;
  }

  /** Buffers a delta; it shows at the next frame. */
  push(text: string): void {
    if (this.phase === 'ended' || text === '') return;
    this.#md.push(text);
    if (!this.#scheduled) {
      this.#scheduled = true;
      this.#schedule(() => this.#frame());
    }
  }

  /** Shows everything buffered and freezes the last block. */
  end(): void {
    if (this.phase === 'ended') return;
    this.#md.finish();
    this.#sync();
    this.phase = 'ended';
  }

  /** Everything received so far. */
  get text(): string {
    return this.#md.text;
  }

  /** All of the HTML so far: the finished blocks, then the tail. */
  get html(): string {
    return this.blocks.join('') + this.tail;
  }

  #frame(): void {
    this.#scheduled = false;
    if (this.phase === 'ended') return;
    this.#md.flush();
    this.#sync();
  }

  #sync(): void {
    const frozen = this.#md.frozenHtml;
    for (let i = this.blocks.length; i < frozen.length; i++) {
      this.blocks.push(frozen[i]!);
      this.#onblock?.(frozen[i]!);
    }
    this.tail = this.#md.tailHtml;
    if (this.#md.text !== '') this.phase = 'speaking';
    this.frames++;
  }
}
