import { describe, expect, it } from 'vitest';
import { IncrementalMarkdown, markdownNodes, renderMarkdown, sanitizeHtml, sanitizeToFragment } from './markdown';

/** Streams `text` in deltas of `size` characters, flushing every `perFrame` deltas. */
function stream(text: string, size: number, perFrame = 1): IncrementalMarkdown {
  const md = new IncrementalMarkdown();
  let n = 0;
  for (let i = 0; i < text.length; i += size) {
    md.push(text.slice(i, i + size));
    if (++n % perFrame === 0) md.flush();
  }
  md.finish();
  return md;
}

function container(html: string): HTMLElement {
  const div = document.createElement('div');
  div.append(sanitizeToFragment(html));
  return div;
}

const SAMPLES: Record<string, string> = {
  paragraphs: 'First paragraph with *emphasis* and **strength**.\n\nSecond one, with `code` and a [link](https://example.com).\nA soft break.\n',
  lists:
    '- one\n- two\n  - nested\n  - nested again\n- three\n\n1. first\n2. second\n\n3. loose third\n\nAfter the list.\n\n- [ ] to do\n- [x] done\n',
  fences:
    'Before.\n\n```ts\nconst a = 1;\n\nfunction f(x: number) {\n  return x * 2; // <b>not bold</b>\n}\n```\n\nAfter the code.\n\n~~~\nplain ~~~ fence\n~~~\n',
  headings: '# Title\n\nIntro.\n\n## Section\n\nText\n===\n\nMore text\n---\n\n### Third\n#### Fourth\nTail.',
  quotes: '> A quote\nlazy continuation\n\n> > nested\n> back\n\n---\n\n> - list in quote\n> - more\n',
  tables: '| a | b |\n|:--|--:|\n| 1 | 2 |\n| **x** | `y` |\n\nText after.\n\n| only | header |\n| --- | --- |\n',
  mixed:
    'Hello! 🌿\n\n1. A\n2. B\n\n```\ncode\n```\n> quote\n\n    indented code\n\n    still code\n\nend *with* ~~strike~~ and a break  \nhere.',
  // Lines whose kind is settled only by their later characters.
  tricky:
    'para\n#x not a heading\n\n- a\n\n3. three\n\n- b\n\n-\n\npara\n```x`\nmore\n\n> q\n>\n\n    code\n\n    more code\n\n  x\n\n10) ten\n11) eleven\n\n***\n* star\n\nText\n=\n\nText\n--\n- item',
  unterminated: 'Text then an open fence:\n\n```python\nprint("hi")\n',
};

describe('markdownNodes', () => {
  it('shows a text as renderMarkdown does, each time in nodes of its own', () => {
    const text = 'Hello **there**\n\n- one\n- [two](https://example.com)\n\n<img src=x onerror=alert(1)>';
    const first = document.createElement('div');
    const again = document.createElement('div');
    markdownNodes(text)(first);
    markdownNodes(text)(again);
    expect(first.innerHTML).toBe(container(renderMarkdown(text)).innerHTML);
    expect(again.innerHTML).toBe(first.innerHTML);
    expect(first.querySelector('[onerror]')).toBeNull();
    // A change to one message's nodes (a link held, a selection) is not seen in the other.
    first.querySelector('strong')!.textContent = 'changed';
    expect(again.querySelector('strong')!.textContent).toBe('there');
  });
});

describe('renderMarkdown', () => {
  it('renders the usual Markdown', () => {
    const html = renderMarkdown('# Hi\n\n- a\n- b\n\n```js\nx()\n```');
    expect(html).toContain('<h1>Hi</h1>');
    expect(html).toContain('<li>a</li>');
    expect(html).toContain('<pre><code class="language-js">x()\n</code></pre>');
  });

  it('shows raw HTML as text', () => {
    const html = renderMarkdown('Hello <b>there</b> <script>alert(1)</script>');
    const div = container(html);
    expect(div.querySelector('b, script')).toBeNull();
    expect(div.textContent?.trim()).toBe('Hello <b>there</b> <script>alert(1)</script>');
  });

  it('drops images, keeping their alt text', () => {
    const div = container(renderMarkdown('![a cat](https://example.com/cat.png) ![](x.png)'));
    expect(div.querySelector('img')).toBeNull();
    expect(div.textContent?.trim()).toBe('a cat');
  });

  it('turns task boxes into text, not form controls', () => {
    const div = container(renderMarkdown('- [ ] a\n- [x] b'));
    expect(div.querySelector('input')).toBeNull();
    expect(div.textContent).toContain('☐ a');
    expect(div.textContent).toContain('☑ b');
  });

  it('marks links and keeps only http(s) and mailto', () => {
    const div = container(
      renderMarkdown(
        '[ok](https://example.com/a?b=1) [mail](mailto:a@b.c) [js](javascript:alert(1)) [JS](JaVaScRiPt:alert(1)) ' +
          '[ent](javascript&#58;alert(1)) [data](data:text/html,<script>alert(1)</script>) [rel](/settings) [frag](#top) <https://auto.link>',
      ),
    );
    const links = [...div.querySelectorAll('a')];
    const hrefs = links.map((a) => a.getAttribute('href'));
    expect(hrefs.filter(Boolean)).toEqual(['https://example.com/a?b=1', 'mailto:a@b.c', 'https://auto.link']);
    for (const a of links) {
      if (a.hasAttribute('href')) {
        expect(a.getAttribute('rel')).toBe('noopener noreferrer');
        expect(a.getAttribute('title')).toBe(a.getAttribute('href'));
      }
      expect(a.hasAttribute('target')).toBe(false);
    }
  });
});

describe('sanitizeToFragment', () => {
  it("gives nodes of the window's own document, not of the document it parsed them in", () => {
    // DOMPurify parses each text into a new document of its own. A fragment
    // left in it keeps that whole document alive: markdownNodes keeps a
    // fragment for each of the last few hundred texts, and in the window
    // each was a document (the webview's memory grew with every message).
    const fragment = sanitizeToFragment('<p>Hello <strong>there</strong></p>');
    expect(fragment.ownerDocument).toBe(document);
    expect(fragment.firstChild!.ownerDocument).toBe(document);
    expect(fragment.querySelector('strong')!.textContent).toBe('there');
  });
});

describe('sanitizeHtml', () => {
  const nasty = [
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    '<p onclick="alert(1)">x</p>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href=" jav&#x09;ascript:alert(1)">x</a>',
    '<iframe src="https://example.com"></iframe>',
    '<form action="https://example.com"><input name=a><button>go</button></form>',
    '<style>body{display:none}</style><p style="color:red">x</p>',
    '<svg><script>alert(1)</script></svg>',
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<scr<script>ipt>alert(1)</scr</script>ipt>',
    '<div><object data="x"></object><embed src="x"></div>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<meta http-equiv="refresh" content="0;url=https://example.com">',
    '<base href="https://example.com/">',
    '<link rel="stylesheet" href="https://example.com/x.css">',
    '<p data-x="1" id="x" class="evil">x</p>',
  ];

  it.each(nasty)('neutralises %s', (html) => {
    const clean = sanitizeHtml(html);
    const div = container(clean);
    expect(
      div.querySelector('script, img, iframe, form, input, button, style, svg, math, object, embed, meta, base, link'),
    ).toBeNull();
    for (const el of div.querySelectorAll('*')) {
      for (const attr of el.attributes) {
        expect(attr.name).not.toMatch(/^on|^style$|^id$|^data-/);
        if (attr.name === 'class') expect(attr.value).not.toBe('evil');
        if (attr.name === 'href') expect(attr.value).toMatch(/^(https?:\/\/|mailto:)/);
      }
    }
    expect(clean).not.toMatch(/<script|onerror=|javascript:/i);
  });

  it('keeps a code block language class', () => {
    expect(sanitizeHtml('<pre><code class="language-rust">fn</code></pre>')).toContain('class="language-rust"');
  });
});

describe('IncrementalMarkdown', () => {
  for (const [name, text] of Object.entries(SAMPLES)) {
    it(`renders ${name} the same as all at once, whatever the delta size`, () => {
      const whole = renderMarkdown(text);
      for (const size of [1, 2, 3, 7, 40, text.length]) {
        for (const perFrame of [1, 4]) {
          expect(stream(text, size, perFrame).html, `size ${size}, ${perFrame} per frame`).toBe(whole);
        }
      }
    });
  }

  it('shows the same thing mid-stream as a whole render of the text so far', () => {
    for (const [name, text] of Object.entries(SAMPLES)) {
      const md = new IncrementalMarkdown();
      for (let i = 0; i < text.length; i++) {
        md.push(text[i]!);
        md.flush();
        expect(md.html, `${name}, after ${JSON.stringify(text.slice(0, i + 1))}`).toBe(renderMarkdown(text.slice(0, i + 1)));
      }
    }
  }, 60_000);

  it('renders each finished block once and never changes it', () => {
    const text = Object.values(SAMPLES).join('\n\n');
    const md = new IncrementalMarkdown();
    const seen: string[] = [];
    for (let i = 0; i < text.length; i += 3) {
      md.push(text.slice(i, i + 3));
      md.flush();
      // What was frozen before is still there, unchanged (same strings).
      expect(md.frozenHtml.slice(0, seen.length)).toEqual(seen);
      seen.splice(0, seen.length, ...md.frozenHtml);
    }
    md.finish();
    expect(md.stats.frozenRenders).toBe(md.frozenHtml.length);
    expect(md.frozenHtml.length).toBeGreaterThan(20);
    expect(md.tailHtml).toBe('');
  });

  it('lexes a linear amount of text for a long reply of small blocks', () => {
    const paragraph = 'A sentence of a reply, with *some* emphasis and `code`. Another sentence follows it here.\n\n';
    const text = paragraph.repeat(150);
    const md = stream(text, 12);
    // Each character is lexed only while its block is open: a few times, not once per delta.
    expect(md.stats.lexedChars).toBeLessThan(text.length * 10);
    expect(md.html).toBe(renderMarkdown(text));
  });

  it('keeps Unicode byte-exact: emoji, RTL, combining marks', () => {
    const text =
      'Family: 👨‍👩‍👧‍👦 flag: 🇳🇴 skin: 👋🏽\n\nשלום עולם, مرحبا بالعالم\n\ne\u0301 n\u0303 a\u030A\u0323 — Zalgo: Z\u0351\u0358a\u0336l\u0352go\n\n- 日本語 テキスト\n- 한국어';
    for (const size of [1, 2, 3]) {
      // Deltas may even split a surrogate pair; the text must come out whole.
      const md = stream(text, size);
      expect(md.text).toBe(text);
      const div = container(md.html);
      const rendered = div.textContent!.replace(/\n/g, '');
      for (const piece of ['👨‍👩‍👧‍👦', '🇳🇴', '👋🏽', 'שלום עולם, مرحبا بالعالم', 'e\u0301 n\u0303 a\u030A\u0323', 'Z\u0351\u0358a\u0336l\u0352go', '日本語 テキスト', '한국어']) {
        expect(rendered).toContain(piece);
      }
    }
  });

  it('normalises CRLF even when split across deltas', () => {
    const md = new IncrementalMarkdown();
    md.push('a\r');
    md.flush();
    md.push('\nb\r\n\r\nc');
    md.finish();
    expect(md.text).toBe('a\nb\n\nc');
    expect(md.html).toBe(renderMarkdown('a\nb\n\nc'));
  });

  it('sanitises what it streams', () => {
    const md = stream('Hi <img src=x onerror=alert(1)>\n\n[x](javascript:alert(1))\n\n<script>alert(1)</script>', 2);
    const div = container(md.html);
    expect(div.querySelector('img, script')).toBeNull();
    expect(div.querySelector('a')?.hasAttribute('href')).toBe(false);
  });

  it('refuses text after finishing', () => {
    const md = new IncrementalMarkdown();
    md.push('x');
    md.finish();
    expect(() => md.push('y')).toThrow();
  });
});
