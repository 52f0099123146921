import { describe, expect, it } from 'vitest';
import type { HttpRequest } from '../http/http-exchange.js';
import { isCrossSiteRequest, safeReturnTo } from './page-security.js';

const req = (headers: Record<string, string>) => ({ headers }) as unknown as HttpRequest;
const ORIGINS = ['https://auth.example.com'];

describe('safeReturnTo', () => {
  it.each(['/device', '/device?user_code=BCDF-GHJK', '/a/b?c=%2F%2F'])('keeps %s', (p) => {
    expect(safeReturnTo(p)).toBe(p);
  });

  it.each([
    '//evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    'https://evil.example/device',
    'javascript:alert(1)',
    'device',
    '/device\nLocation: x',
    '/dé',
    '/' + 'a'.repeat(600),
    '',
    undefined,
    ['/device'],
    '/%2F/ok\\',
  ])('refuses %j', (p) => {
    expect(safeReturnTo(p, '/fallback')).toBe('/fallback');
  });

  it.each([
    ['/auth/../other/app', '/other/app'],
    ['/auth/%2e%2e/other/app', '/other/app'],
    ['/auth/%2E%2e/other?x=1#y', '/other?x=1#y'],
    ['/auth/./device', '/auth/device'],
    ['/auth/.%2e/.%2E/x', '/x'],
    ['/../../device', '/device'],
    ['/auth/device?user_code=BCDF-GHJK&next=../x', '/auth/device?user_code=BCDF-GHJK&next=../x'],
    ['/v1.2/file.txt', '/v1.2/file.txt'],
  ])('resolves dot segments as a browser does: %s → %s', (p, resolved) => {
    expect(safeReturnTo(p, '/fallback')).toBe(resolved);
  });

  it('refuses a path that grows past 512 characters once resolved (the serializer percent-encodes)', () => {
    expect(safeReturnTo('/.' + '"'.repeat(510), '/fallback')).toBe('/fallback');
  });

  it.each(['/a/..//evil.example', '/a/%2e%2e//evil.example/x', '/./..//evil.example'])(
    'refuses %s, which resolves to another host',
    (p) => {
      expect(safeReturnTo(p, '/fallback')).toBe('/fallback');
    },
  );
});

describe('isCrossSiteRequest', () => {
  it('refuses anything but Sec-Fetch-Site: same-origin when the browser sends it', () => {
    for (const site of ['cross-site', 'same-site', 'none'])
      expect(isCrossSiteRequest(req({ 'sec-fetch-site': site }), ORIGINS)).toBe(true);
    expect(
      isCrossSiteRequest(req({ 'sec-fetch-site': 'same-origin', origin: 'null' }), ORIGINS),
    ).toBe(false);
  });

  it('otherwise compares Origin exactly, refusing null', () => {
    expect(isCrossSiteRequest(req({ origin: 'https://auth.example.com' }), ORIGINS)).toBe(false);
    expect(isCrossSiteRequest(req({ origin: 'https://auth.example.com.evil' }), ORIGINS)).toBe(
      true,
    );
    expect(isCrossSiteRequest(req({ origin: 'http://auth.example.com' }), ORIGINS)).toBe(true);
    expect(isCrossSiteRequest(req({ origin: 'null' }), ORIGINS)).toBe(true);
  });

  it('leaves requests without either header to the CSRF token', () => {
    expect(isCrossSiteRequest(req({}), ORIGINS)).toBe(false);
  });
});
