import { describe, expect, it } from 'vitest';
import { DEFAULT_ROUTES } from '../device-flow.routes.js';
import { resolveDeviceFlowOptions } from '../device-flow.options.js';
import { AuthorizationServerMetadata } from './authorization-server-metadata.js';
import { issuerBaseUrl, issuerMetadataUrl, issuerPath } from './issuer-url.js';

describe('issuer URLs', () => {
  it.each([
    [
      'https://a.example',
      'https://a.example',
      '',
      'https://a.example/.well-known/oauth-authorization-server',
    ],
    [
      'https://a.example/',
      'https://a.example',
      '',
      'https://a.example/.well-known/oauth-authorization-server',
    ],
    [
      'https://a.example/auth',
      'https://a.example/auth',
      '/auth',
      'https://a.example/.well-known/oauth-authorization-server/auth',
    ],
    [
      'https://a.example:8443/t/acme/',
      'https://a.example:8443/t/acme',
      '/t/acme',
      'https://a.example:8443/.well-known/oauth-authorization-server/t/acme',
    ],
  ])('%s: base %s, path %j, metadata at %s (RFC 8414 §3.1)', (issuer, base, path, metadata) => {
    expect(issuerBaseUrl(issuer)).toBe(base);
    expect(issuerPath(issuer)).toBe(path);
    expect(issuerMetadataUrl(issuer)).toBe(metadata);
  });
});

describe('an issuer with a trailing slash', () => {
  it('is kept as the identifier; endpoint URLs and the verification URI have no double slash', () => {
    const o = resolveDeviceFlowOptions({
      issuer: 'http://localhost:3917/',
      accessTokenFormat: 'jwt',
    });
    expect(o).toMatchObject({
      issuer: 'http://localhost:3917',
      issuerIdentifier: 'http://localhost:3917/',
      issuerPath: '',
      verificationUri: 'http://localhost:3917/device',
      jwt: { audience: ['http://localhost:3917/'] },
    });
    const { document } = new AuthorizationServerMetadata(o, DEFAULT_ROUTES);
    expect(document).toMatchObject({
      issuer: 'http://localhost:3917/',
      device_authorization_endpoint: 'http://localhost:3917/oauth/device_authorization',
      token_endpoint: 'http://localhost:3917/oauth/token',
      introspection_endpoint: 'http://localhost:3917/oauth/introspect',
      revocation_endpoint: 'http://localhost:3917/oauth/revoke',
      jwks_uri: 'http://localhost:3917/oauth/jwks',
    });
  });

  it('with a path: the path prefixes the verification URI and a loginUrl given as a path', () => {
    const o = resolveDeviceFlowOptions({ issuer: 'https://a.example/auth/' });
    expect(o).toMatchObject({
      issuer: 'https://a.example/auth',
      issuerIdentifier: 'https://a.example/auth/',
      issuerPath: '/auth',
      verificationUri: 'https://a.example/auth/device',
      verification: { loginUrl: '/auth/login' },
    });
    expect(new AuthorizationServerMetadata(o, DEFAULT_ROUTES).document).toMatchObject({
      issuer: 'https://a.example/auth/',
      token_endpoint: 'https://a.example/auth/oauth/token',
    });
    const external = resolveDeviceFlowOptions({
      issuer: 'https://a.example/auth',
      verification: { loginUrl: 'https://login.example/signin' },
    });
    expect(external.verification.loginUrl).toBe('https://login.example/signin');
  });

  it.each([
    'https://a.example/a b',
    'https://a.example/a%20b',
    'https://a.example/a:b',
    'https://a.example//auth',
    'https://a.example/a/../b',
    'https://a.example/a/./b',
  ])('refuses an issuer path that cannot prefix routes: %s', (issuer) => {
    expect(() => resolveDeviceFlowOptions({ issuer })).toThrow(
      /issuer path must be segments of letters, digits/,
    );
  });
});
