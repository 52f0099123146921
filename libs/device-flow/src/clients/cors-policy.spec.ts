import { describe, expect, it } from 'vitest';
import { resolveDeviceFlowOptions } from '../device-flow.options.js';
import type { ClientRecord } from './client.repository.js';
import { NoCorsPolicy, originProblem, StaticCorsPolicy } from './cors-policy.js';

const client = (clientId: string): ClientRecord => ({
  clientId,
  secretHash: null,
  grantTypes: [],
  scopes: [],
  displayName: clientId,
  disabled: false,
});

describe('StaticCorsPolicy', () => {
  const policy = new StaticCorsPolicy([
    ['web', ['https://tv.example', 'http://localhost:8080']],
    ['tv', []],
  ]);

  it('allows exactly the origins listed for the client', () => {
    expect(policy.allows('https://tv.example', client('web'))).toBe(true);
    expect(policy.allows('http://localhost:8080', client('web'))).toBe(true);
    for (const other of [
      'https://tv.example/',
      'https://tv.example:443',
      'http://tv.example',
      'https://TV.example',
      'https://sub.tv.example',
      'http://localhost:8081',
      'null',
    ])
      expect(policy.allows(other, client('web')), other).toBe(false);
    expect(policy.allows('https://tv.example', client('tv'))).toBe(false);
    expect(policy.allows('https://tv.example', client('unknown'))).toBe(false);
  });

  it('NoCorsPolicy allows nothing', () => {
    expect(new NoCorsPolicy().allows()).toBe(false);
  });
});

describe('allowedOrigins validation', () => {
  it.each([
    ['https://tv.example', null],
    ['http://localhost:3000', null],
    ['http://127.0.0.1:8080', null],
    ['http://[::1]:8080', null],
    ['https://[::1]:8443', null],
    ['https://192.168.1.5:8443', null],
    ['http://tv.example', /http: on a host other than localhost/],
    ['http://192.168.1.5:8080', /http: on a host other than localhost/],
    ['https://tv.example;sandbox', /host that is not a DNS name/],
    ['*', /wildcard/],
    ['https://*.tv.example', /wildcard/],
    ['null', /not a URL/],
    ['tv.example', /not a URL/],
    ['https://tv.example/', /not an origin.*"https:\/\/tv.example"/],
    ['https://tv.example/app', /not an origin/],
    ['https://tv.example:443', /not an origin/],
    ['HTTPS://TV.example', /not an origin/],
    ['file:///tmp/x.html', /not http/],
    ['chrome-extension://abcdef', /not http/],
  ])('%s', (origin, problem) => {
    const found = originProblem(origin);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toMatch(problem);
  });

  it('a client with a bad origin fails at start-up, naming the client and the entry', () => {
    expect(() =>
      resolveDeviceFlowOptions({
        issuer: 'https://a.example',
        clients: [{ clientId: 'web', allowedOrigins: ['https://tv.example/'] }],
      }),
    ).toThrow(/client web: allowedOrigins entry "https:\/\/tv.example\/" is not an origin/);
    expect(() =>
      resolveDeviceFlowOptions({
        issuer: 'https://a.example',
        clients: [{ clientId: 'web', allowedOrigins: 'https://tv.example' as never }],
      }),
    ).toThrow(/allowedOrigins must be a list/);
  });

  it('only public, unprivileged clients may have origins: a page cannot keep a secret', () => {
    const issuer = 'https://a.example';
    const allowedOrigins = ['https://tv.example'];
    expect(() =>
      resolveDeviceFlowOptions({
        issuer,
        clients: [{ clientId: 'web', clientSecret: 'x'.repeat(16), allowedOrigins }],
      }),
    ).toThrow(/client web: allowedOrigins is for public clients/);
    expect(() =>
      resolveDeviceFlowOptions({
        issuer,
        clients: [{ clientId: 'web', clientSecretHash: 'scrypt$…', allowedOrigins }],
      }),
    ).toThrow(/allowedOrigins is for public clients/);
    expect(() =>
      resolveDeviceFlowOptions({
        issuer,
        clients: [{ clientId: 'web', allowedOrigins }],
        privilegedClients: ['web'],
      }),
    ).toThrow(/a privileged client cannot have allowedOrigins/);
    // An empty list is no CORS at all, so it is fine on any client.
    expect(() =>
      resolveDeviceFlowOptions({
        issuer,
        clients: [{ clientId: 'web', clientSecret: 'x'.repeat(16), allowedOrigins: [] }],
      }),
    ).not.toThrow();
  });
});
