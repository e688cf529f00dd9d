import { describe, expect, it } from 'vitest';
import { outsideAddress } from './links';

describe('outsideAddress', () => {
  it('offers web and mail addresses, in full', () => {
    expect(outsideAddress('https://en.wikipedia.org/wiki/Her_(film)')).toBe('https://en.wikipedia.org/wiki/Her_(film)');
    expect(outsideAddress(' mailto:amy@example.com')).toBe('mailto:amy@example.com');
  });

  it('offers nothing that runs, reads files or stays in the app', () => {
    for (const href of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'file:///etc/passwd', 'tauri://localhost/', '#top', '', null, 'http://']) {
      expect(outsideAddress(href)).toBeNull();
    }
  });
});
