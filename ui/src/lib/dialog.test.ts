// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { keepFocusThrough, keepTabIn } from './dialog';

function dialog(): HTMLElement {
  const d = document.createElement('dialog');
  d.tabIndex = -1;
  const make = (tag: string, id: string, set: (el: HTMLElement) => void = () => {}) => {
    const el = document.createElement(tag);
    el.id = id;
    set(el);
    return el;
  };
  d.append(
    make('input', 'field'),
    make('button', 'disabled', (b) => ((b as HTMLButtonElement).disabled = true)),
    make('button', 'first'),
    make('a', 'link', (a) => a.setAttribute('href', 'https://example.org')),
    make('button', 'last'),
  );
  document.body.append(d);
  return d;
}

function tab(d: HTMLElement, init: KeyboardEventInit): KeyboardEvent {
  const event = new KeyboardEvent('keydown', { bubbles: true, cancelable: true, ...init });
  keepTabIn(d, event);
  return event;
}

const focused = () => document.activeElement?.id;

describe('keepTabIn', () => {
  afterEach(() => document.body.replaceChildren());

  it('goes round the controls forwards, skipping what is disabled', () => {
    const d = dialog();
    d.querySelector<HTMLElement>('#field')!.focus();
    const seen = [1, 2, 3, 4].map(() => (tab(d, { key: 'Tab' }), focused()));
    expect(seen).toEqual(['first', 'link', 'last', 'field']);
  });

  it('goes round backwards on Shift+Tab, as WebKitGTK names it too', () => {
    const d = dialog();
    d.querySelector<HTMLElement>('#field')!.focus();
    const event = tab(d, { key: 'Unidentified', code: 'Tab', shiftKey: true });
    expect(focused()).toBe('last');
    expect(event.defaultPrevented).toBe(true);
  });

  it('never rests on the dialog itself', () => {
    const d = dialog();
    d.focus();
    tab(d, { key: 'Tab' });
    expect(focused()).toBe('field');
    d.focus();
    tab(d, { key: 'Tab', shiftKey: true });
    expect(focused()).toBe('last');
  });

  it('leaves other keys alone', () => {
    const d = dialog();
    d.querySelector<HTMLElement>('#field')!.focus();
    const event = tab(d, { key: 'Enter' });
    expect(focused()).toBe('field');
    expect(event.defaultPrevented).toBe(false);
  });
});

describe('keepFocusThrough', () => {
  it('gives the focus to the fallback when the change takes the focused element away', async () => {
    const d = dialog();
    const first = document.getElementById('first')!;
    first.focus();
    await keepFocusThrough(d, () => first.remove(), () => document.getElementById('field'));
    expect(document.activeElement?.id).toBe('field');
  });

  it('leaves the focus where it is when the focused element stays', async () => {
    const d = dialog();
    document.getElementById('last')!.focus();
    await keepFocusThrough(d, () => document.getElementById('first')!.remove(), () => document.getElementById('field'));
    expect(document.activeElement?.id).toBe('last');
  });

  it('does not take the focus from outside the part that changes', async () => {
    const d = dialog();
    const outside = document.createElement('button');
    document.body.append(outside);
    outside.focus();
    await keepFocusThrough(d, () => d.replaceChildren(), () => document.getElementById('field'));
    expect(document.activeElement).toBe(outside);
  });
});
