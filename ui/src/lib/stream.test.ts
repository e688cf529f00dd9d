import { describe, expect, it } from 'vitest';
import { ReplyStream } from './stream.svelte';
import { renderMarkdown } from './markdown';

/** A schedule run by hand: each call to `frame()` is one animation frame. */
function frames() {
  const queue: (() => void)[] = [];
  return {
    schedule: (cb: () => void) => void queue.push(cb),
    frame() {
      const run = queue.splice(0);
      for (const cb of run) cb();
    },
    get pending() {
      return queue.length;
    },
  };
}

describe('ReplyStream', () => {
  it('is thinking until words arrive, then speaking, then ended', () => {
    const f = frames();
    const s = new ReplyStream(f.schedule);
    expect(s.phase).toBe('thinking');
    s.push('Hello');
    expect(s.phase).toBe('thinking'); // not shown before the frame
    f.frame();
    expect(s.phase).toBe('speaking');
    s.end();
    expect(s.phase).toBe('ended');
  });

  it('applies many deltas in one frame', () => {
    const f = frames();
    const s = new ReplyStream(f.schedule);
    for (const word of 'one two three four five'.split(' ')) s.push(word + ' ');
    expect(f.pending).toBe(1);
    f.frame();
    expect(s.frames).toBe(1);
    expect(s.text).toBe('one two three four five ');
    expect(s.tail).toBe(renderMarkdown('one two three four five '));
  });

  it('appends finished blocks and tells of each once', () => {
    const f = frames();
    const told: string[] = [];
    const s = new ReplyStream(f.schedule, (html) => told.push(html));
    const text = '# Title\n\nFirst paragraph.\n\n- a\n- b\n\nLast words';
    for (let i = 0; i < text.length; i += 3) {
      s.push(text.slice(i, i + 3));
      if (i % 9 === 0) f.frame();
    }
    f.frame();
    const before = s.blocks.slice();
    expect(before.length).toBeGreaterThan(0);
    s.end();
    expect(s.blocks.slice(0, before.length)).toEqual(before);
    expect(told).toEqual(s.blocks);
    expect(s.tail).toBe('');
    expect(s.html).toBe(renderMarkdown(text));
  });

  it('ignores deltas after the end', () => {
    const f = frames();
    const s = new ReplyStream(f.schedule);
    s.push('done');
    s.end();
    s.push(' more');
    f.frame();
    expect(s.text).toBe('done');
  });

  it('ends without words (stopped before the first token)', () => {
    const s = new ReplyStream(frames().schedule);
    s.end();
    expect(s.html).toBe('');
    expect(s.phase).toBe('ended');
  });
});
