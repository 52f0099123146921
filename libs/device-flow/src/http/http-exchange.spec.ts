import { describe, expect, it } from 'vitest';
import { addVary, type HttpResponse } from './http-exchange.js';

/** A response that keeps its headers as Node.js does (case-insensitive names, any value shape). */
function response(vary?: unknown): HttpResponse & { headers: Map<string, unknown> } {
  const headers = new Map<string, unknown>();
  if (vary !== undefined) headers.set('vary', vary);
  return {
    headers,
    header: (name, value) => headers.set(name.toLowerCase(), value),
    getHeader: (name) => headers.get(name.toLowerCase()),
    status: () => ({ send: () => undefined }),
  };
}

describe('addVary (RFC 9110 §12.5.5)', () => {
  it('sets the field when there is no Vary yet', () => {
    const res = response();
    addVary(res, 'Origin');
    expect(res.headers.get('vary')).toBe('Origin');
  });

  it('keeps what host middleware set before (a string or a list of strings)', () => {
    const one = response('Accept-Encoding');
    addVary(one, 'Origin');
    expect(one.headers.get('vary')).toBe('Accept-Encoding, Origin');
    const list = response(['Accept-Encoding', 'Accept-Language']);
    addVary(list, 'Origin');
    expect(list.headers.get('vary')).toBe('Accept-Encoding, Accept-Language, Origin');
  });

  it('adds nothing when the field (in any case) or * is there already', () => {
    for (const vary of ['origin', 'Accept-Encoding, ORIGIN', '*']) {
      const res = response(vary);
      addVary(res, 'Origin');
      expect(res.headers.get('vary')).toBe(vary);
    }
  });

  it('an empty Vary counts as none; a response without getHeader still gets the field', () => {
    const empty = response(' ');
    addVary(empty, 'Origin');
    expect(empty.headers.get('vary')).toBe('Origin');
    const headers = new Map<string, string>();
    addVary(
      { header: (n, v) => headers.set(n, v), status: () => ({ send: () => undefined }) },
      'Origin',
    );
    expect(headers.get('Vary')).toBe('Origin');
  });
});
