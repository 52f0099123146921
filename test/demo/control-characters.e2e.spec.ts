import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN_TOKEN } from '../../src/demo.config.js';
import {
  createIsolatedDatabase,
  type IsolatedDatabase,
  SQL_SERVERS,
} from '../support/databases.js';
import { createDemoApp, type DemoApp } from '../support/demo-app.js';
import { basic, form, oauthError } from '../support/test-app.js';

/**
 * A NUL byte (or another control character) in a client id, kill switch reason or query parameter of the demo,
 * on the demo's own database: `TEST_DATABASE`'s server (a fresh database; PostgreSQL under `e2e-postgres`, where
 * a NUL byte in a query parameter is an error) or in-memory SQLite. Never a 500: the OAuth endpoints answer
 * `invalid_client`, the admin API `invalid_request`, and nothing is stored.
 */
describe(`demo: control characters on ${process.env.TEST_DATABASE || 'sqlite'}`, () => {
  let db: IsolatedDatabase | undefined;
  let t: DemoApp;
  beforeAll(async () => {
    const server = SQL_SERVERS.find((s) => s.kind === process.env.TEST_DATABASE);
    db = server ? await createIsolatedDatabase(server) : undefined;
    t = await createDemoApp(db ? { DATABASE_URL: db.url } : {});
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  const admin = { 'X-Demo-Admin-Token': DEMO_ADMIN_TOKEN };
  const switches = async () => (await t.management.listKillSwitches()).map((s) => s.target);

  it.each(['/oauth/device_authorization', '/oauth/token', '/oauth/introspect', '/oauth/revoke'])(
    '%s: a NUL byte in client_id is invalid_client (401), in the body or in Basic',
    async (path) => {
      const body = await request(t.app.getHttpServer())
        .post(path)
        .type('form')
        .send('client_id=demo%00device&token=x&grant_type=refresh_token&refresh_token=x');
      expect(body.status).toBe(401);
      expect(oauthError(body.body)).toBe('invalid_client');
      const header = await request(t.app.getHttpServer())
        .post(path)
        .type('form')
        .set('Authorization', basic('demo-confidential\u0000x', 'demo-confidential-secret'))
        .send(form({ token: 'x', grant_type: 'refresh_token', refresh_token: 'x' }));
      expect(header.status).toBe(401);
      expect(oauthError(header.body)).toBe('invalid_client');
    },
  );

  it.each([
    ['{"client_id":"x\\u0000y"}', 'client_id'],
    ['{"reason":"a\\u0000b"}', 'reason'],
    ['{"client_id":"demo-device","reason":"a\\u0000b"}', 'reason'],
  ])(
    'POST /admin/kill-switch %s → 400 invalid_request, no switch engaged',
    async (body, member) => {
      const res = await request(t.app.getHttpServer())
        .post('/admin/kill-switch')
        .set(admin)
        .set('Content-Type', 'application/json')
        .send(body);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
      expect(res.body.error_description).toMatch(
        new RegExp(`^${member} must be .*without control`),
      );
      expect(await switches()).toEqual([]);
    },
  );

  it('DELETE /admin/kill-switch?client_id=x%00y → 400 invalid_request, nothing released', async () => {
    await t.management.disableDeviceGrant('demo-device');
    try {
      const res = await request(t.app.getHttpServer())
        .delete('/admin/kill-switch?client_id=x%00y')
        .set(admin);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
      expect(await switches()).toEqual(['demo-device']);
    } finally {
      await t.management.enableDeviceGrant('demo-device');
    }
  });
});
