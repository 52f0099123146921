import 'reflect-metadata';
import { type INestApplication, Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeviceFlowModule } from '../../libs/device-flow/src/index.js';
import { routesMovedByPrefix } from '../../libs/device-flow/src/http/global-prefix-check.js';
import { createNestApp, TEST_CLIENTS } from '../support/test-app.js';

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

  it('is not reported when the prefix is the issuer’s path, in any case or slashes', async () => {
    expect((await start('https://example.com/auth', 'auth')).warnings).toEqual([]);
    expect((await start('https://example.com/Auth', '/auth/')).warnings).toEqual([]);
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
  const paths = ['/oauth/token', '/device'];
  it('lists the paths no excluded route matches', () => {
    const only = (re: RegExp) => [{ pathRegex: re }];
    expect(routesMovedByPrefix('api', [], paths, '')).toEqual(paths);
    expect(routesMovedByPrefix('api', only(/^\/device$/), paths, '')).toEqual(['/oauth/token']);
    expect(routesMovedByPrefix('', [], paths, '')).toEqual([]);
    expect(routesMovedByPrefix('/', [], paths, '')).toEqual([]);
    expect(routesMovedByPrefix('/auth', [], paths, '/auth')).toEqual([]);
    // An excluded route of an unknown shape does not count as excluding anything.
    expect(routesMovedByPrefix('api', [{}], paths, '')).toEqual(paths);
  });
});
