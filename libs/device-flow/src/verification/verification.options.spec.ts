import { describe, expect, it } from 'vitest';
import { resolveDeviceFlowOptions } from '../device-flow.options.js';
import { verificationPageMismatch, verificationPath } from './verification.options.js';

describe('verificationPath', () => {
  it.each([
    ['https://a.example', '/device', '/device'],
    ['https://a.example', '/device/', '/device'],
    ['https://a.example', 'https://a.example/activate', '/activate'],
    ['https://a.example/auth', 'https://a.example/auth/device', '/device'],
    ['https://a.example', 'https://b.example/device', null],
    ['https://a.example', 'http://a.example/device', null],
  ])('%s + %s → %s', (issuer, uri, path) => {
    expect(verificationPath(issuer, uri)).toBe(path);
  });
});

describe('verificationPageMismatch', () => {
  it.each([
    ['https://a.example', 'https://a.example/device', '/device'],
    ['https://a.example', 'https://a.example/Device/', '/device'],
    ['https://a.example/auth', 'https://a.example/auth/device', '/device'],
    ['https://a.example', 'https://b.example/activate', '/device'], // another host serves it
  ])('%s + %s mounted at %s: none', (issuer, uri, mounted) => {
    expect(verificationPageMismatch(issuer, uri, mounted)).toBeNull();
  });

  it('says where users are sent and where the page is, and what to set', () => {
    expect(
      verificationPageMismatch('https://a.example', 'https://a.example/activate', '/device'),
    ).toBe(
      'verificationUri https://a.example/activate is not where the verification page is mounted (/device): ' +
        'unless your app serves or redirects /activate, users sent there find nothing — set ' +
        "verificationPath to /activate, or verificationUri to the page's path",
    );
    expect(
      verificationPageMismatch('https://a.example/auth', 'https://a.example/auth/link', '/device'),
    ).toMatch(/serves or redirects \/link/);
  });
});

describe('verification options', () => {
  const base = { issuer: 'https://a.example' };

  it('has safe defaults', () => {
    const o = resolveDeviceFlowOptions({ ...base, hashSecret: 'x'.repeat(16) });
    expect(o.verification).toMatchObject({
      loginUrl: '/login',
      returnToParameter: 'return_to',
      cookieName: 'device_flow_session',
      perIp: { limit: 20, windowSeconds: 900 },
      perSession: { limit: 10, windowSeconds: 900 },
      perUser: { limit: 20, windowSeconds: 900 },
      global: { limit: 900, windowSeconds: 900 },
    });
    expect(o.issuanceLimit).toEqual({ limit: 30, windowSeconds: 600 });
  });

  it('derives a stable session key from hashSecret', () => {
    const a = resolveDeviceFlowOptions({ ...base, hashSecret: 'x'.repeat(16) });
    const b = resolveDeviceFlowOptions({ ...base, hashSecret: 'x'.repeat(16) });
    expect(a.verification.sessionKey.equals(b.verification.sessionKey)).toBe(true);
    expect(a.verification.sessionKey.toString()).not.toContain('xxxx');
  });

  it.each([
    [{ loginUrl: '//evil.example' }, /loginUrl/],
    [{ loginUrl: 'javascript:x' }, /loginUrl/],
    [{ logoutUrl: '//evil.example/logout' }, /logoutUrl/],
    [{ logoutUrl: '/\\evil.example' }, /logoutUrl/],
    [{ logoutUrl: 'data:text/html,x' }, /logoutUrl/],
    [{ logoutUrl: '/log out' }, /logoutUrl/],
    [{ logoutUrl: 'https://' }, /logoutUrl/],
    [{ logoutUrl: 'https://sso.example/logout' }, /logoutUrl must be on the issuer's origin/],
    [{ logoutUrl: 'https://a.example.evil/logout' }, /logoutUrl must be on the issuer's origin/],
    [{ loginUrl: 'https://sso.example;sandbox/login' }, /loginUrl has a host that is not/],
    [{ loginUrl: 'https://*.example/login' }, /loginUrl has a host that is not/],
    [{ sessionSecret: 'short' }, /sessionSecret/],
    [{ cookieName: 'a b' }, /cookieName/],
    [{ perIp: { limit: 0, windowSeconds: 1 } }, /perIp/],
    [{ perUser: { limit: 5, windowSeconds: 0 } }, /verification\.perUser/],
    [{ global: { limit: 1, windowSeconds: 0.5 } }, /global/],
  ])('rejects %j', (verification, message) => {
    expect(() => resolveDeviceFlowOptions({ ...base, verification })).toThrow(message);
  });

  it('has no sign-out unless logoutUrl is set; a path gets the issuer path in front, a URL on the issuer origin is kept', () => {
    expect(resolveDeviceFlowOptions(base).verification.logoutUrl).toBeNull();
    const under = { issuer: 'https://a.example/auth' };
    expect(
      resolveDeviceFlowOptions({ ...under, verification: { logoutUrl: '/logout' } }).verification
        .logoutUrl,
    ).toBe('/auth/logout');
    expect(
      resolveDeviceFlowOptions({
        ...under,
        verification: { logoutUrl: 'https://a.example/sso/end?x=1' },
      }).verification.logoutUrl,
    ).toBe('https://a.example/sso/end?x=1');
  });

  it('rejects a bad issuanceLimit', () => {
    expect(() =>
      resolveDeviceFlowOptions({ ...base, issuanceLimit: { limit: -1, windowSeconds: 60 } }),
    ).toThrow(/issuanceLimit/);
  });
});
