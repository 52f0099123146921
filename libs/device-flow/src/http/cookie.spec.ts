import { describe, expect, it } from 'vitest';
import { readCookie, serializeCookie, setCookie } from './cookie.js';
import type { HttpRequest, HttpResponse } from './http-exchange.js';

const withCookie = (cookie?: string): HttpRequest => ({ headers: { cookie } });

describe('readCookie', () => {
  it('finds one cookie among several, trimmed and percent-decoded', () => {
    const req = withCookie('a=1; vs=x%20y ;b=2');
    expect(readCookie(req, 'vs')).toBe('x y');
    expect(readCookie(req, 'a')).toBe('1');
    expect(readCookie(req, 'b')).toBe('2');
  });

  it('is undefined without the cookie, without a header, or for a malformed value', () => {
    expect(readCookie(withCookie('avs=1; vsx=2'), 'vs')).toBeUndefined();
    expect(readCookie(withCookie(), 'vs')).toBeUndefined();
    expect(readCookie(withCookie('vs=%E0%A4%A'), 'vs')).toBeUndefined();
  });
});

describe('serializeCookie', () => {
  it('writes HttpOnly, SameSite=Lax and Path=/ by default', () => {
    expect(serializeCookie('s', 'abc')).toBe('s=abc; Path=/; HttpOnly; SameSite=Lax');
  });

  it('writes Max-Age in whole seconds, Secure, and the given path and SameSite', () => {
    expect(
      serializeCookie('s', 'a.b-c_', {
        path: '/device',
        maxAgeMs: 90_500,
        secure: true,
        sameSite: 'Strict',
        httpOnly: false,
      }),
    ).toBe('s=a.b-c_; Path=/device; Max-Age=90; Secure; SameSite=Strict');
  });

  it('refuses names and values that could inject attributes', () => {
    expect(() => serializeCookie('a;b', 'v')).toThrow(TypeError);
    expect(() => serializeCookie('s', 'v; Domain=evil.example')).toThrow(TypeError);
    expect(() => serializeCookie('s', 'v\r\nX: y')).toThrow(TypeError);
  });
});

describe('setCookie', () => {
  it('sets one Set-Cookie header, Secure when the request came over TLS', () => {
    for (const [protocol, secure] of [
      ['https', true],
      ['http', false],
    ] as const) {
      const headers: Record<string, string> = {};
      const res: HttpResponse = {
        header: (name, value) => (headers[name] = value),
        status: () => ({ send: () => undefined }),
      };
      setCookie({ headers: {}, protocol }, res, 's', 'v');
      expect(headers['Set-Cookie']).toBe(
        `s=v; Path=/; HttpOnly;${secure ? ' Secure;' : ''} SameSite=Lax`,
      );
    }
  });
});
