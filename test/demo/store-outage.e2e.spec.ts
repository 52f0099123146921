import request from 'supertest';
import { ManualClock } from '../../libs/device-flow/src/index.js';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import {
  createIsolatedDatabase,
  describeWith,
  type IsolatedDatabase,
  REDIS_URL,
  SQL_SERVERS,
} from '../support/databases.js';
import { demoLogin } from '../support/demo-login.js';
import { type DemoServer, startDemoServer } from '../support/demo-server.js';
import { form } from '../support/test-app.js';
import { TcpProxy } from '../support/tcp-proxy.js';

/**
 * The demo's own routes while a store is away (a TCP proxy in front of it is cut), answered as the module's
 * endpoints answer an outage: `503` with `Retry-After` — the sign-in form as a page asking to retry (its
 * attempt counts live in the module's store), the bearer-protected API and the admin API as
 * `temporarily_unavailable` JSON — never a 500. Real servers behind the proxies.
 */

const POSTGRES = SQL_SERVERS[0]!;

await describeWith('demo routes while a store is away', [POSTGRES, 'redis'], () => {
  let db: IsolatedDatabase;
  let pgProxy: TcpProxy;
  let redisProxy: TcpProxy;
  let s: DemoServer | undefined;

  const proxiedUrl = (url: string, proxy: TcpProxy) => {
    const u = new URL(url);
    u.host = `127.0.0.1:${proxy.port}`;
    return u.toString();
  };

  beforeAll(async () => {
    db = await createIsolatedDatabase(POSTGRES);
    pgProxy = new TcpProxy(POSTGRES.host, POSTGRES.port);
    const redis = new URL(REDIS_URL);
    redisProxy = new TcpProxy(redis.hostname, Number(redis.port || 6379));
    await pgProxy.start();
    await redisProxy.start();
  });
  afterEach(async () => {
    await s?.close();
    s = undefined;
    await pgProxy.restore().catch(() => undefined); // already up unless the test cut it
    await redisProxy.restore().catch(() => undefined);
  });
  afterAll(async () => {
    await pgProxy?.stop();
    await redisProxy?.stop();
    await db?.drop();
  });

  it('Redis away: POST /login is a 503 sign-in page with Retry-After that keeps the username; back: signing in works', async () => {
    s = await startDemoServer({
      clock: new ManualClock(),
      env: { REDIS_URL: proxiedUrl(REDIS_URL, redisProxy) },
    });
    const http = request(s.origin);
    await redisProxy.cut();
    // A failed sign-in is a 303 to the sign-in page (POST-redirect-GET), which says why.
    const res = await demoLogin(
      s.origin,
      form({ username: 'alice', password: 'wrong', return_to: '/device' }),
    ).expect(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.text).toContain('Signing in is unavailable for a moment. Please try again shortly.');
    expect(res.text).toMatch(/name="username"[^>]*value="alice"/);
    expect(res.text).not.toMatch(/server_error|ECONN|\n\s+at /);

    await redisProxy.restore();
    for (let attempt = 0; ; attempt++) {
      const back = await http
        .post('/login')
        .type('form')
        .send(form({ username: 'alice', password: 'alice', return_to: '/device' }));
      expect(back.status).toBe(303);
      if (back.headers.location === '/device') break;
      // Not yet: still the redirect to the sign-in page saying it is unavailable.
      expect(back.headers.location).toBe('/login?return_to=%2Fdevice');
      expect(attempt).toBeLessThan(40);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  });

  it('PostgreSQL away: /api/me and the admin API answer 503 temporarily_unavailable JSON with Retry-After', async () => {
    s = await startDemoServer({
      clock: new ManualClock(),
      databaseUrl: proxiedUrl(db.url, pgProxy),
    });
    const http = request(s.origin);
    await pgProxy.cut();
    const answers = [
      await http.get('/api/me').set('Authorization', `Bearer ${'a'.repeat(43)}`),
      await http.get('/api/devices').set('Authorization', `Bearer ${'b'.repeat(43)}`),
      await http.get('/admin/kill-switch').set('X-Demo-Admin-Token', 'demo-admin-token'),
      await http
        .post('/admin/kill-switch')
        .set('X-Demo-Admin-Token', 'demo-admin-token')
        .send({ client_id: 'demo-device', reason: 'test' }),
    ];
    for (const [i, res] of answers.entries()) {
      expect(res.status, `request ${i}`).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'storage is unavailable; try again shortly',
      });
    }
  });
});
