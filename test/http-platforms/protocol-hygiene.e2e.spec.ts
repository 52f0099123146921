import { afterEach, describe, expect, it } from 'vitest';
import { DEVICE_CODE_GRANT_TYPE } from '../../libs/device-flow/src/index.js';
import {
  ADAPTERS,
  CONFIDENTIAL_SECRET,
  createTestApp,
  form,
  type TestApp,
  type TestAppNestOptions,
} from '../support/test-app.js';
import { CookieJar, csrfOf, headerUserProviders } from '../support/verification-agent.js';

/** The body-parsing set-ups a host app may have; the endpoints must behave the same under each. */
const BODY_MODES: Record<string, Omit<TestAppNestOptions, 'adapter'>> = {
  'default body parser': {},
  'rawBody: true': { rawBody: true },
  'bodyParser: false': { bodyParser: false },
};

describe.each(ADAPTERS)('HTTP hygiene on %s', (adapter) => {
  let t: TestApp;
  afterEach(() => t?.close());

  describe.each(Object.entries(BODY_MODES))('with %s', (_, mode) => {
    it('parses forms, rejects repeats and other content types, as OAuth JSON', async () => {
      t = await createTestApp({}, {}, { adapter, ...mode });
      const ok = await t.http
        .post('/oauth/device_authorization')
        .type('form')
        .send('client_id=tv&scope=read')
        .expect(200);
      expect(ok.headers['cache-control']).toBe('no-store');
      expect(ok.body.user_code).toBeTypeOf('string');
      const repeated = await t.http
        .post('/oauth/device_authorization')
        .type('form')
        .send('client_id=tv&scope=read&scope=write')
        .expect(400);
      expect(repeated.body).toEqual({
        error: 'invalid_request',
        error_description: 'parameter repeated: scope',
      });
      const json = await t.http
        .post('/oauth/token')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ grant_type: DEVICE_CODE_GRANT_TYPE }))
        .expect(400);
      expect(json.body.error).toBe('invalid_request');
      expect(json.headers['cache-control']).toBe('no-store');
      expect(json.headers['x-content-type-options']).toBe('nosniff');
    });

    it('the verification page reads its forms and its session cookie', async () => {
      t = await createTestApp({}, { providers: headerUserProviders }, { adapter, ...mode });
      const { user_code } = (
        await t.http
          .post('/oauth/device_authorization')
          .type('form')
          .send('client_id=tv')
          .expect(200)
      ).body as { user_code: string };
      const jar = new CookieJar();
      const entry = await t.http.get('/device').set('x-test-user', 'alice').expect(200);
      expect(entry.headers['content-type']).toBe('text/html; charset=utf-8');
      jar.store(entry.headers['set-cookie']);
      const entered = await t.http
        .post('/device')
        .set('x-test-user', 'alice')
        .set('Cookie', jar.header())
        .type('form')
        .send(form({ csrf_token: csrfOf(entry.text), user_code }))
        .expect(303);
      // The session cookie set on the redirect carries the code to the consent page.
      expect(entered.headers.location).toBe('/device/consent');
      expect(entered.headers['set-cookie']).toHaveLength(1);
      jar.store(entered.headers['set-cookie']);
      const consent = await t.http
        .get('/device/consent')
        .set('x-test-user', 'alice')
        .set('Cookie', jar.header())
        .expect(200);
      expect(consent.text).toContain(user_code);
      const decided = await t.http
        .post('/device/decision')
        .set('x-test-user', 'alice')
        .set('Cookie', jar.header())
        .type('form')
        .send(form({ csrf_token: csrfOf(consent.text), user_code, decision: 'deny' }))
        .expect(303);
      expect(decided.headers.location).toBe('/device/denied');
    });
  });

  it('answers other methods with 405 and Allow, on every endpoint', async () => {
    t = await createTestApp({}, {}, { adapter });
    for (const [path, allow] of [
      ['/oauth/token', 'POST'],
      ['/oauth/device_authorization', 'POST'],
      ['/oauth/introspect', 'POST'],
      ['/oauth/revoke', 'POST'],
      ['/.well-known/oauth-authorization-server', 'GET'],
      ['/oauth/jwks', 'GET'],
    ]) {
      const wrong = allow === 'POST' ? t.http.get(path) : t.http.post(path);
      const res = await wrong.expect(405);
      // Where GET is served, so is HEAD, and Allow says so (RFC 9110 §10.2.1).
      const allowHeader = allow === 'GET' ? 'GET, HEAD' : allow;
      if (allow === 'GET') await t.http.head(path).expect(200);
      expect(res.headers.allow).toBe(allowHeader);
      expect(res.body.error).toBe('invalid_request');
      expect((await t.http.delete(path).expect(405)).headers.allow).toBe(allowHeader);
      // Methods no handler is declared for: the platform's not-found, answered as the same 405.
      for (const method of ['trace', 'propfind'] as const) {
        const other = await t.http[method](path);
        expect(other.status, `${method} ${path}`).toBe(405);
        expect(other.headers.allow).toBe(allowHeader);
        expect(other.headers['cache-control']).toBe('no-store');
        expect(other.body).toEqual({
          error: 'invalid_request',
          error_description: `method not allowed; use ${allow}`,
        });
      }
    }
    expect((await t.http.trace('/oauth/device_qr')).headers.allow).toBe('GET, HEAD');
    expect((await t.http.trace('/oauth/nothing')).status).not.toBe(405);
    const meta = await t.http.get('/.well-known/oauth-authorization-server').expect(200);
    expect(meta.headers['cache-control']).toBe('public, max-age=300');
    expect(meta.body.token_endpoint).toBe('http://localhost:3000/oauth/token');
    const jwks = await t.http.get('/oauth/jwks').expect(200);
    expect(jwks.headers['content-type']).toMatch(/^application\/jwk-set\+json/);
    expect(JSON.parse(jwks.text)).toEqual({ keys: [] });
  });

  it('authenticates confidential clients by Basic header, with WWW-Authenticate on failure', async () => {
    t = await createTestApp({}, {}, { adapter });
    const basic = (secret: string) =>
      `Basic ${Buffer.from(`secret-tv:${secret}`).toString('base64')}`;
    await t.http
      .post('/oauth/device_authorization')
      .set('Authorization', basic(CONFIDENTIAL_SECRET))
      .type('form')
      .send(form({ scope: 'read' }))
      .expect(200);
    const bad = await t.http
      .post('/oauth/device_authorization')
      .set('Authorization', basic('wrong-secret'))
      .type('form')
      .send(form({ scope: 'read' }))
      .expect(401);
    expect(bad.body.error).toBe('invalid_client');
    expect(bad.headers['www-authenticate']).toMatch(/^Basic/);
  });

  it('records the device request origin from the platform (req.ip, User-Agent)', async () => {
    t = await createTestApp({}, {}, { adapter });
    const auth = await t.http
      .post('/oauth/device_authorization')
      .set('User-Agent', 'TestTV/1.0')
      .type('form')
      .send(form({ client_id: 'tv' }))
      .expect(200);
    const record = await t.grants.findPending(auth.body.user_code);
    expect(record.requestUserAgent).toBe('TestTV/1.0');
    expect(record.requestIp).toMatch(/127\.0\.0\.1|::1/);
  });
});
