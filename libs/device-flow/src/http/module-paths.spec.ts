import { describe, expect, it } from 'vitest';
import { DEFAULT_ROUTES } from '../device-flow.routes.js';
import { DeviceFlowPaths } from './module-paths.js';

const paths = (pagePath: string | null, issuerPath = '', routes = DEFAULT_ROUTES) =>
  new DeviceFlowPaths(routes, pagePath, { issuerPath });

describe('DeviceFlowPaths', () => {
  it('knows the endpoints as Express matches them: any case, a trailing slash, a query', () => {
    const p = paths('/device');
    for (const path of [
      '/oauth/token',
      '/OAUTH/Token/',
      '/oauth/device_authorization?x=1',
      '/.well-known/oauth-authorization-server',
      '/oauth/jwks',
    ])
      expect(p.isEndpoint(path), path).toBe(true);
    for (const path of [
      '/oauth',
      '/oauth/token/x',
      '/x/oauth/token',
      '/.well-known/openid-configuration',
      '/device',
    ])
      expect(p.isEndpoint(path), path).toBe(false);
  });

  it('knows configured routes, not the defaults they replace', () => {
    const p = paths('/device', '', { ...DEFAULT_ROUTES, token: '/connect/token' });
    expect(p.isEndpoint('/connect/token')).toBe(true);
    expect(p.isEndpoint('/oauth/token')).toBe(false);
  });

  it('knows the verification page and what is below it, not what merely starts alike', () => {
    const p = paths('/device');
    expect(p.verificationPage).toBe('/device');
    for (const path of ['/device', '/DEVICE/', '/device/decision', '/device/style.css?v=1'])
      expect(p.isVerificationPage(path), path).toBe(true);
    for (const path of ['/devices', '/', '/oauth/token', '/decision'])
      expect(p.isVerificationPage(path), path).toBe(false);
    expect(p.owns('/device/approved')).toBe(true);
    expect(p.owns('/oauth/revoke')).toBe(true);
    expect(p.owns('/login')).toBe(false);
  });

  it('with an issuer path: under it (global prefix) or without it (stripping proxy)', () => {
    const p = paths('/device', '/auth');
    expect(p.verificationPage).toBe('/auth/device');
    for (const path of [
      '/auth/oauth/token',
      '/oauth/token',
      '/auth/.well-known/oauth-authorization-server',
    ])
      expect(p.isEndpoint(path), path).toBe(true);
    // The §3.1 location is a plain GET route on the platform, not an endpoint with the module's filters.
    expect(p.isEndpoint('/.well-known/oauth-authorization-server/auth')).toBe(false);
    expect(p.isEndpoint('/other/oauth/token')).toBe(false);
    expect(p.isVerificationPage('/auth/device/decision')).toBe(true);
    expect(p.isVerificationPage('/device')).toBe(true);
    expect(p.isVerificationPage('/other/device')).toBe(false);
  });

  it('a page at the root owns only the root and its decision route; none: no page paths', () => {
    const root = paths('/');
    expect(root.verificationPage).toBe('');
    expect(root.isVerificationPage('/')).toBe(true);
    expect(root.isVerificationPage('/decision')).toBe(true);
    expect(root.isVerificationPage('/login')).toBe(false);
    const none = paths(null);
    expect(none.verificationPage).toBeNull();
    expect(none.isVerificationPage('/device')).toBe(false);
    expect(none.owns('/oauth/token')).toBe(true);
  });

  it('knows which methods each page address serves, and which addresses have no page', () => {
    const p = paths('/device', '/auth');
    for (const base of ['', '/auth']) {
      expect(p.pageMethods(`${base}/device`)).toEqual(['GET', 'POST']);
      expect(p.pageMethods(`${base}/Device/?user_code=X`)).toEqual(['GET', 'POST']);
      expect(p.pageMethods(`${base}/device/decision`)).toEqual(['POST']);
      for (const page of [
        'consent',
        'style.css',
        'approved',
        'denied',
        'expired',
        'used',
        'invalid',
        'blocked',
      ])
        expect(p.pageMethods(`${base}/device/${page}`), page).toEqual(['GET']);
      for (const none of ['/device/nope', '/device/decision/x', '/devices', '/device/approved/1'])
        expect(p.pageMethods(base + none), base + none).toBeNull();
    }
    const root = paths('/');
    expect(root.pageMethods('/')).toEqual(['GET', 'POST']);
    expect(root.pageMethods('/decision')).toEqual(['POST']);
    // At the root the page does not claim the host's own addresses, even those named like its pages.
    expect(root.pageMethods('/consent')).toBeNull();
    expect(root.pageMethods('/approved')).toBeNull();
    expect(paths(null).pageMethods('/device')).toBeNull();
  });
});
