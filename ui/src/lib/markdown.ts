/**
 * The companion's words as Markdown: parsed with marked, sanitised with
 * DOMPurify, and, while a reply streams, rendered incrementally.
 *
 * Model output is untrusted. Raw HTML in it is shown as text, never
 * interpreted; images become their alt text (remote images are blocked by
 * the CSP anyway); task-list boxes become ☐/☑. What marked emits then passes
 * an allow-list sanitiser: no scripts, styles, event handlers, iframes or
 * forms, and links only to http(s) or mailto, marked rel="noopener
 * noreferrer" and titled with their address. (The thread also refuses to
 * follow links: nothing may navigate the app's window.)
 *
 * Streaming: re-parsing the whole reply for every token is quadratic. An
 * {@link IncrementalMarkdown} keeps the finished blocks (every block but the
 * last) rendered and frozen, never parsed again, and re-parses only the
 * open tail block. Feed it text with {@link IncrementalMarkdown.push} as
 * deltas arrive, and call {@link IncrementalMarkdown.flush} once per frame.
 */
import { Lexer, Marked, Parser, type Token, type Tokens, type TokensList } from 'marked';
import createDOMPurify, { type Config, type DOMPurify } from 'dompurify';
import type { Attachment } from 'svelte/attachments';

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => escapes[c]!);
}

const marked = new Marked({
  gfm: true,
  breaks: false,
  async: false,
  renderer: {
    // Raw HTML written by the model is shown as the text it is.
    html({ text }: Tokens.HTML | Tokens.Tag) {
      return escapeHtml(text);
    },
    image({ text }: Tokens.Image) {
      return text ? `<span class="image-alt">${escapeHtml(text)}</span>` : '';
    },
    checkbox({ checked }: Tokens.Checkbox) {
      return checked ? '☑ ' : '☐ ';
    },
  },
});

const options = marked.defaults;

// ---------------------------------------------------------------------------
// Sanitising

const SANITISE: Config = {
  ALLOWED_TAGS: [
    'p', 'br', 'hr', 'strong', 'em', 'del', 's', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li',
    'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'a', 'span',
  ],
  ALLOWED_ATTR: ['href', 'title', 'class', 'start', 'align', 'rel'],
  ALLOWED_URI_REGEXP: /^(?:https?:\/\/|mailto:)/i,
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
};

let purifier: DOMPurify | null = null;

function purify(): DOMPurify {
  if (purifier) return purifier;
  const instance = createDOMPurify(window);
  instance.addHook('afterSanitizeAttributes', (node) => {
    if (node.tagName === 'A') {
      const href = node.getAttribute('href');
      if (href) {
        node.setAttribute('rel', 'noopener noreferrer');
        node.setAttribute('title', href);
      } else {
        node.removeAttribute('rel');
      }
    }
    // Classes only as marked writes them: a code block's language.
    const cls = node.getAttribute('class');
    if (cls !== null && !/^(language-[\w+#.-]+|image-alt)$/.test(cls)) node.removeAttribute('class');
  });
  purifier = instance;
  return instance;
}

/** HTML made safe to show: only the allow-listed tags, attributes and links. */
export function sanitizeHtml(html: string): string {
  return purify().sanitize(html, { ...SANITISE, RETURN_DOM_FRAGMENT: false }) as string;
}

/**
 * The same, as DOM nodes ready to insert, of the window's own document.
 * DOMPurify parses each text into a new document and hands back a fragment
 * of it; left there, a fragment kept (as markdownNodes keeps hundreds) keeps
 * that whole document alive, so it is adopted into the window's.
 */
export function sanitizeToFragment(html: string): DocumentFragment {
  return document.adoptNode(purify().sanitize(html, { ...SANITISE, RETURN_DOM_FRAGMENT: true }));
}

// ---------------------------------------------------------------------------
// Whole text

/** Normalises line endings the way marked would, so offsets stay true. */
function normalise(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

function lex(src: string, links: TokensList['links']): TokensList {
  const lexer = new Lexer(options);
  Object.assign(lexer.tokens.links, links);
  return lexer.lex(src);
}

function parse(tokens: Token[]): string {
  return Parser.parse(tokens, options);
}

/** A whole Markdown text as sanitised HTML (the naive way: all of it at once). */
export function renderMarkdown(text: string): string {
  return sanitizeHtml(marked.parse(normalise(text)) as string);
}

const CACHE_SIZE = 400;
const cache = new Map<string, string>();

/**
 * {@link renderMarkdown}, remembering the last few hundred results: messages
 * scrolled out of the virtual list and back are not parsed again.
 */
export function renderMarkdownCached(text: string): string {
  let html = cache.get(text);
  if (html === undefined) html = renderMarkdown(text);
  else cache.delete(text);
  remember(text, html);
  return html;
}

/** Records what a streamed reply came to, so showing it whole costs nothing. */
export function remember(text: string, html: string): void {
  cache.set(text, html);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
}

const nodes = new Map<string, DocumentFragment>();

/**
 * A whole Markdown text put into an element as sanitised DOM nodes: a copy
 * of the nodes kept for the last few hundred texts, so a message shown again
 * (the conversation opened again, or scrolled back into the list) is neither
 * parsed nor sanitised again.
 */
export function markdownNodes(text: string): Attachment<HTMLElement> {
  return (node) => {
    let fragment = nodes.get(text);
    if (fragment === undefined) fragment = sanitizeToFragment(renderMarkdownCached(text));
    else nodes.delete(text);
    nodes.set(text, fragment);
    if (nodes.size > CACHE_SIZE) nodes.delete(nodes.keys().next().value!);
    node.replaceChildren(fragment.cloneNode(true));
  };
}

/** Puts sanitised HTML into an element, as DOM nodes (never through innerHTML). */
export function html(markup: string): Attachment<HTMLElement> {
  return (node) => {
    node.replaceChildren(sanitizeToFragment(markup));
  };
}

// ---------------------------------------------------------------------------
// Incrementally, as a reply streams

/** The index of the last block before `end` that is not blank space (0 if none). */
function lastBlock(tokens: Token[], end: number): number {
  let i = end - 1;
  while (i > 0 && tokens[i]!.type === 'space') i--;
  return Math.max(i, 0);
}

export interface IncrementalStats {
  /** Blocks rendered into frozen HTML; each finished block exactly once. */
  frozenRenders: number;
  /** Times the open tail was lexed and rendered. */
  tailRenders: number;
  /** Characters handed to the lexer, in total. */
  lexedChars: number;
}

export class IncrementalMarkdown {
  /** Sanitised HTML of each finished block, in order. Never changes once added. */
  readonly frozenHtml: string[] = [];
  /** Sanitised HTML of the open tail block(s). */
  tailHtml = '';
  readonly stats: IncrementalStats = { frozenRenders: 0, tailRenders: 0, lexedChars: 0 };

  #text = '';
  /** Where the frozen blocks end in #text. */
  #frozenEnd = 0;
  /** Text pushed since the last flush. */
  #pending = '';
  /** A lone '\r' at the end of a delta might be half of "\r\n". */
  #pendingCr = false;
  #links: TokensList['links'] = {};
  #finished = false;

  /** Adds text (a delta); nothing is parsed until the next flush. */
  push(delta: string): void {
    if (this.#finished) throw new Error('The reply has finished.');
    let text = (this.#pendingCr ? '\r' : '') + delta;
    this.#pendingCr = text.endsWith('\r');
    if (this.#pendingCr) text = text.slice(0, -1);
    this.#pending += normalise(text);
  }

  /** Everything pushed so far (line endings normalised). */
  get text(): string {
    return this.#text + this.#pending + (this.#pendingCr ? '\n' : '');
  }

  get finished(): boolean {
    return this.#finished;
  }

  /** Whether text arrived since the last flush. */
  get dirty(): boolean {
    return this.#pending !== '' || this.#pendingCr;
  }

  /**
   * Applies the pushed text: freezes blocks that are now finished and
   * re-renders the tail. Returns how many blocks were frozen by this call.
   */
  flush(): number {
    if (!this.dirty && this.stats.tailRenders > 0) return 0;
    this.#text += this.#pending;
    this.#pending = '';
    return this.#renderTail(false);
  }

  /** The reply is complete: everything is frozen; the tail becomes empty. */
  finish(): void {
    if (this.#finished) return;
    if (this.#pendingCr) this.#pending += '\n';
    this.#pendingCr = false;
    this.#text += this.#pending;
    this.#pending = '';
    this.#renderTail(true);
    this.#finished = true;
  }

  /** All the HTML, frozen blocks then tail. */
  get html(): string {
    return this.frozenHtml.join('') + this.tailHtml;
  }

  #renderTail(final: boolean): number {
    const src = this.#text.slice(this.#frozenEnd);
    this.stats.lexedChars += src.length;
    const tokens = lex(src, this.#links);
    Object.assign(this.#links, tokens.links);

    // Every block but the last non-space one is finished: text can only be
    // added after it, and Markdown never reaches back past a block that
    // another has followed (reference definitions aside).
    let open = tokens.length;
    if (!final) {
      open = lastBlock(tokens, tokens.length);
      // While the open block's first line is unfinished its kind is unknown,
      // and it may yet join the block before it: "3" may become "3. item" of
      // the list above, "#" below a paragraph may become "#x", its next line.
      // Only blocks separated by a blank line, other than lists and indented
      // code, are safe from that.
      const previous = lastBlock(tokens, open);
      if (open > 0 && tokens[previous]!.type !== 'space') {
        let start = 0;
        for (let i = 0; i < open; i++) start += tokens[i]!.raw.length;
        const firstLineDone = src.slice(start).trimStart().includes('\n');
        const blankBetween = tokens[open - 1]!.type === 'space' || /\n\n$/.test(tokens[open - 1]!.raw);
        const extensible = tokens[previous]!.type === 'list' || tokens[previous]!.type === 'code';
        if (!firstLineDone && (extensible || !blankBetween)) open = previous;
      }
    }
    let frozen = 0;
    let consumed = 0;
    for (let i = 0; i < open; i++) {
      const token = tokens[i]!;
      consumed += token.raw.length;
      if (token.type === 'space' || token.type === 'def') continue;
      this.frozenHtml.push(sanitizeHtml(parse([token])));
      this.stats.frozenRenders++;
      frozen++;
    }
    // A guard: should marked ever rewrite its input, the offsets would lie;
    // then nothing is frozen, which is slower but still right.
    if (consumed > 0 && src.slice(0, consumed) !== tokens.slice(0, open).map((t) => t.raw).join('')) {
      this.frozenHtml.splice(this.frozenHtml.length - frozen, frozen);
      this.stats.frozenRenders -= frozen;
      this.tailHtml = sanitizeHtml(parse(tokens));
      this.stats.tailRenders++;
      return 0;
    }
    this.#frozenEnd += consumed;
    const rest = tokens.slice(open);
    this.tailHtml = rest.length === 0 ? '' : sanitizeHtml(parse(rest));
    this.stats.tailRenders++;
    return frozen;
  }
}
