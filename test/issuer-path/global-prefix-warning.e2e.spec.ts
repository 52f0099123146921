import 'reflect-metadata';
import { type INestApplication, Logger, RequestMethod } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeviceFlowModule } from '../../libs/device-flow/src/index.js';
import { routesMovedByPrefix } from '../../libs/device-flow/src/http/global-prefix-check.js';
import { createNestApp, TEST_CLIENTS, testAdapter } from '../support/test-app.js';

/**
 * A global prefix other than the issuer's path moves every route the app does not exclude from it, the module's
 * too, while the metadata and `verification_uri` keep the addresses without it: clients get 404. The module
 * says so at start-up, and says nothing when the prefix is the issuer's path or the module's routes are
 * excluded.
 */

const EXCLUDE_MODULE_ROUTES = ['oauth/{*path}', '.well-known/{*path}', 'device', 'device/{*path}'];

const apps: INestApplication[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  vi.restoreAllMocks();
});

/** Starts the module for `issuer` under `prefix`; returns the app and the DeviceFlow warnings logged. */
async function start(
  issuer: string,
  prefix: string,
  options?: Parameters<INestApplication['setGlobalPrefix']>[1],
): Promise<{ app: INestApplication; warnings: string[] }> {
  const warn = vi.spyOn(Logger.prototype, 'warn');
  const moduleRef = await Test.createTestingModule({
    imports: [DeviceFlowModule.forRoot({ issuer, storage: 'memory', clients: TEST_CLIENTS })],
  }).compile();
  const app = await createNestApp(moduleRef, {
    beforeInit: (a) => a.setGlobalPrefix(prefix, options),
  });
  apps.push(app);
  const warnings = warn.mock.calls
    .map((c) => String(c[0]))
    .filter((m) => m.includes('global prefix'));
  return { app, warnings };
}

describe('a global prefix that moves the module', () => {
  it('is reported at start-up, with the routes it moved and both ways out', async () => {
    const { app, warnings } = await start('https://example.com', 'api');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("the app's global prefix '/api' moves the module's routes (");
    expect(warnings[0]).toContain('/oauth/token → /api/oauth/token');
    expect(warnings[0]).toContain('clients will get 404');
    expect(warnings[0]).toContain('Give the issuer that path (https://example.com/api)');
    expect(warnings[0]).toContain("setGlobalPrefix('api', { exclude: [...] })");
    // What the warning is about: the metadata's token endpoint is not where the route is.
    const http = request(app.getHttpServer());
    const meta = await http.get('/api/.well-known/oauth-authorization-server').expect(200);
    expect(meta.body.token_endpoint).toBe('https://example.com/oauth/token');
    await http.get('/device').expect(404);
  });

  it('is reported for an issuer with another path', async () => {
    const { warnings } = await start('https://example.com/auth', '/api/');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('Give the issuer that path (https://example.com/api)');
  });

  it('is not reported when the prefix is the issuer’s path, with or without slashes', async () => {
    expect((await start('https://example.com/auth', 'auth')).warnings).toEqual([]);
    expect((await start('https://example.com/auth', '/auth/')).warnings).toEqual([]);
  });

  it('is reported when the prefix differs from the issuer’s path in case on Fastify only (it matches case)', async () => {
    const { warnings } = await start('https://example.com/Auth', 'auth');
    expect(warnings).toHaveLength(testAdapter() === 'fastify' ? 1 : 0);
  });

  it('is reported when the prefix is the issuer’s path but excludes module routes', async () => {
    const { warnings } = await start('https://example.com/auth', 'auth', {
      exclude: ['device', 'device/{*path}'],
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      "the module's routes /device, /device/consent, /device/decision, … are excluded from the app's global prefix '/auth'",
    );
  });

  it('is reported when an exclude covers a route for another method only', async () => {
    const { warnings } = await start('https://example.com', 'api', {
      exclude: [
        { path: 'oauth/{*path}', method: RequestMethod.GET },
        '.well-known/{*path}',
        'device',
        'device/{*path}',
      ],
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('/oauth/device_authorization → /api/oauth/device_authorization');
    expect(warnings[0]).not.toContain('/oauth/jwks →');
  });

  it('is not reported when the module’s routes are excluded from it, and they work there', async () => {
    const { app, warnings } = await start('https://example.com', 'api', {
      exclude: EXCLUDE_MODULE_ROUTES,
    });
    expect(warnings).toEqual([]);
    await request(app.getHttpServer())
      .post('/oauth/device_authorization')
      .type('form')
      .send('client_id=tv')
      .expect(200);
  });
});

describe('routesMovedByPrefix', () => {
  const token = { path: '/oauth/token', methods: [RequestMethod.POST] };
  const page = { path: '/device', methods: [RequestMethod.GET, RequestMethod.POST] };
  const routes = [token, page];
  const only = (re: RegExp, requestMethod: RequestMethod = RequestMethod.ALL) => [
    { pathRegex: re, requestMethod },
  ];
  it('lists the routes served elsewhere than advertised, for any of their methods', () => {
    expect(routesMovedByPrefix('api', [], routes, '')).toEqual(['/oauth/token', '/device']);
    expect(routesMovedByPrefix('api', only(/^\/device$/), routes, '')).toEqual(['/oauth/token']);
    // Excluded for GET only: the page's POST is still moved.
    expect(routesMovedByPrefix('api', only(/^\/device$/, RequestMethod.GET), [page], '')).toEqual([
      '/device',
    ]);
    // The issuer's path as prefix: fine, unless a route is excluded from it.
    expect(routesMovedByPrefix('/auth', [], routes, '/auth')).toEqual([]);
    expect(routesMovedByPrefix('auth', only(/^\/device$/), routes, '/auth')).toEqual(['/device']);
    // No prefix (a proxy strips the issuer's path, or there is none): nothing to say.
    expect(routesMovedByPrefix('', [], routes, '')).toEqual([]);
    expect(routesMovedByPrefix('/', [], routes, '')).toEqual([]);
    expect(routesMovedByPrefix('', [], routes, '/auth')).toEqual([]);
    // A router that ignores case (Express) serves `/Auth` routes under an `auth` prefix.
    expect(routesMovedByPrefix('auth', [], routes, '/Auth')).toEqual(['/oauth/token', '/device']);
    expect(routesMovedByPrefix('auth', [], routes, '/Auth', false)).toEqual([]);
    // An excluded route of an unknown shape does not count as excluding anything.
    expect(routesMovedByPrefix('api', [{}], [token], '')).toEqual(['/oauth/token']);
  });
});
