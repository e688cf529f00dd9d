/**
 * UI time per token while a long reply streams, incremental against naive.
 *
 *   npx vitest bench --run src/lib/markdown.bench.ts
 *
 * A reply of realistic Markdown (paragraphs, lists, code, headings, quotes)
 * is cut into tokens (a word with its leading space, about 4-5 characters,
 * close to a model's token) and streamed in deltas of 3 tokens. Deltas are
 * applied once per simulated frame (2 deltas per frame: ~6 tokens, i.e.
 * ~360 tokens/s at 60 fps, a fast model). Each frame does what the thread
 * does: the renderer's work (lex, parse, sanitise) and putting the new HTML
 * into the DOM as nodes (jsdom here; the real webview is faster at both).
 *
 * "naive" re-renders the whole reply every frame, as peers did; it is run at
 * smaller sizes only, because it is quadratic.
 */
import { afterAll, bench, describe } from 'vitest';
import { IncrementalMarkdown, renderMarkdown, sanitizeToFragment } from './markdown';

const SENTENCES = [
  'I remember you said the lake house always smelled of pine and old books.',
  'That sounds like it mattered to you more than you let on at the time.',
  'We could try writing it down together, a little each evening, if you like.',
  'Sometimes the smallest routines are the ones that hold a week together.',
  'You mentioned your sister is visiting on Saturday; how are you feeling about it?',
  'There is no rush: we can come back to this whenever you want to.',
];

function realisticReply(tokens: number): string[] {
  const parts: string[] = [];
  let i = 0;
  while (parts.join('').split(/(?=\s)/).length < tokens) {
    const s = () => SENTENCES[i++ % SENTENCES.length]!;
    switch (i % 7) {
      case 0:
        parts.push(`## A thought, part ${i}\n\n`);
        break;
      case 1:
        parts.push(`- ${s()}\n- **${s()}**\n- ${s()}\n  - a *nested* point with \`code\`\n\n`);
        break;
      case 2:
        parts.push('```ts\nfunction remember(moment: string): void {\n  journal.push({ moment, at: Date.now() });\n}\n```\n\n');
        break;
      case 3:
        parts.push(`> ${s()}\n> ${s()}\n\n`);
        break;
      case 4:
        parts.push(`1. ${s()}\n2. ${s()}\n3. ${s()}\n\n`);
        break;
      default:
        parts.push(`${s()} ${s()} ${s()} See [the notes](https://example.com/notes).\n\n`);
    }
  }
  // Tokens: a word with the whitespace before it.
  return parts.join('').split(/(?=\s+\S)/).slice(0, tokens);
}

function deltas(tokens: string[], per = 3): string[] {
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i += per) out.push(tokens.slice(i, i + per).join(''));
  return out;
}

const DELTAS_PER_FRAME = 2;

function streamIncremental(parts: string[]): void {
  const md = new IncrementalMarkdown();
  const body = document.createElement('div');
  const tail = document.createElement('div');
  body.append(tail);
  let shown = 0;
  const frame = () => {
    md.flush();
    for (; shown < md.frozenHtml.length; shown++) {
      const block = document.createElement('div');
      block.append(sanitizeToFragment(md.frozenHtml[shown]!));
      body.insertBefore(block, tail);
    }
    tail.replaceChildren(sanitizeToFragment(md.tailHtml));
  };
  parts.forEach((p, i) => {
    md.push(p);
    if ((i + 1) % DELTAS_PER_FRAME === 0) frame();
  });
  md.finish();
  frame();
}

function streamNaive(parts: string[]): void {
  const body = document.createElement('div');
  let text = '';
  parts.forEach((p, i) => {
    text += p;
    if ((i + 1) % DELTAS_PER_FRAME === 0 || i === parts.length - 1) {
      body.replaceChildren(sanitizeToFragment(renderMarkdown(text)));
    }
  });
}

const results: { name: string; tokens: number; ms: number }[] = [];

function measure(name: string, tokens: number, run: (parts: string[]) => void) {
  const parts = deltas(realisticReply(tokens));
  return () => {
    const t0 = performance.now();
    run(parts);
    const r = { name, tokens, ms: performance.now() - t0 };
    results.push(r);
    console.log(`${name} ${tokens}: ${r.ms.toFixed(0)} ms`);
  };
}

const once = { iterations: 1, warmupIterations: 0, time: 0, warmupTime: 0 };

describe('streaming a reply', () => {
  // Warm the JIT and DOMPurify once so the first row isn't penalised.
  streamIncremental(deltas(realisticReply(500)));

  const sizes = (process.env.BENCH_TOKENS ?? '5000,10000,20000').split(',').map(Number);
  const naiveSizes = (process.env.BENCH_NAIVE_TOKENS ?? '1000,2000,4000').split(',').map(Number);
  for (const tokens of sizes) {
    bench(`incremental ${tokens} tokens`, measure('incremental', tokens, streamIncremental), once);
  }
  for (const tokens of naiveSizes) {
    bench(`naive ${tokens} tokens`, measure('naive', tokens, streamNaive), once);
  }
});

afterAll(() => {
  // tinybench may run a task more than once: keep the best run of each size.
  const best = new Map<string, (typeof results)[number]>();
  for (const r of results) {
    const key = `${r.name} ${r.tokens}`;
    if (!best.has(key) || best.get(key)!.ms > r.ms) best.set(key, r);
  }
  const lines = [...best.values()].map(
    (r) =>
      `${r.name.padEnd(12)} ${String(r.tokens).padStart(6)} tokens  ${r.ms.toFixed(0).padStart(7)} ms  ${((r.ms * 1000) / r.tokens).toFixed(1).padStart(8)} µs/token`,
  );
  console.log(`\nUI time while streaming (3-token deltas, ${DELTAS_PER_FRAME} deltas per frame, jsdom):\n${lines.join('\n')}\n`);
});
