import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN_TOKEN } from '../../src/demo.config.js';
import { createDemoApp, type DemoApp } from '../support/demo-app.js';
import { DEVICE_GRANT, form, testAdapter } from '../support/test-app.js';
import { csrfOf } from '../support/verification-agent.js';
import { npmStartApp } from '../support/npm-start-app.js';

const ISSUER = 'http://localhost:3000/auth';
const METADATA_31 = '/.well-known/oauth-authorization-server/auth';

/** `name=value` of the first Set-Cookie header, and the header itself. */
function cookieOf(res: request.Response): { pair: string; header: string } {
  const header = (res.headers['set-cookie'] as unknown as string[] | undefined)?.[0] ?? '';
  return { pair: header.split(';')[0]!, header };
}

/** The login form's hidden `return_to`, unescaped. */
function returnToOf(html: string): string | undefined {
  return /name="return_to" value="([^"]*)"/.exec(html)?.[1]?.replace(/&#61;/g, '=');
}

/**
 * The demo with `ISSUER=http://localhost:3000/auth`: every route is served under `/auth`, the metadata is at
 * its RFC 8414 §3.1 location, and a person's whole walk (verification_uri_complete → login → consent →
 * approve) stays under `/auth` until the device's poll gets tokens.
 */
describe(`demo with an issuer with a path (${ISSUER}) on ${testAdapter()}`, () => {
  let t: DemoApp;
  beforeAll(async () => {
    t = await createDemoApp({ ISSUER, DEVICE_FLOW_ACCESS_TOKEN_FORMAT: 'jwt' });
  });
  afterAll(() => t?.close());

  it('serves the metadata at the RFC 8414 §3.1 location, and the same document under the path', async () => {
    const res = await t.http.get(METADATA_31).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.body).toMatchObject({
      issuer: ISSUER,
      device_authorization_endpoint: `${ISSUER}/oauth/device_authorization`,
      token_endpoint: `${ISSUER}/oauth/token`,
      introspection_endpoint: `${ISSUER}/oauth/introspect`,
      revocation_endpoint: `${ISSUER}/oauth/revoke`,
      jwks_uri: `${ISSUER}/oauth/jwks`,
    });
    const underPath = await t.http.get('/auth/.well-known/oauth-authorization-server').expect(200);
    expect(underPath.body).toEqual(res.body);
  });

  it('answers at every endpoint the metadata advertises', async () => {
    const meta = (await t.http.get(METADATA_31).expect(200)).body as Record<string, string>;
    const path = (key: string) => {
      const url = new URL(meta[key]!);
      expect(url.origin).toBe('http://localhost:3000');
      expect(url.pathname.startsWith('/auth/')).toBe(true);
      return url.pathname;
    };
    const device = await t.http
      .post(path('device_authorization_endpoint'))
      .type('form')
      .send(form({ client_id: 'demo-device' }))
      .expect(200);
    expect(device.body.user_code).toBeTruthy();
    // The other POST endpoints answer in OAuth terms, not "no such endpoint".
    for (const key of ['token_endpoint', 'introspection_endpoint', 'revocation_endpoint']) {
      const res = await t.http
        .post(path(key))
        .type('form')
        .send(form({ client_id: 'demo-device' }));
      expect([400, 401], `${key}: ${res.status} ${res.text}`).toContain(res.status);
      expect(res.body.error_description ?? '').not.toMatch(/no such endpoint/);
    }
    const jwks = await t.http.get(path('jwks_uri')).expect(200);
    expect(jwks.body.keys).toHaveLength(1);
  });

  it('walks verification_uri_complete → login → consent → approve under /auth; the poll gets tokens', async () => {
    const auth = await t.http
      .post('/auth/oauth/device_authorization')
      .type('form')
      .send(form({ client_id: 'demo-device', scope: 'profile read' }))
      .expect(200);
    const { user_code: userCode, device_code: deviceCode } = auth.body;
    expect(auth.body.verification_uri).toBe(`${ISSUER}/device`);
    const complete = new URL(auth.body.verification_uri_complete);
    expect(complete.origin + complete.pathname).toBe(`${ISSUER}/device`);
    const qr = await t.http.get('/auth/oauth/device_qr').query({ user_code: userCode }).expect(200);
    expect(qr.headers['content-type']).toMatch(/^image\/svg\+xml/);

    // Anonymous: the page sends the browser to the login page under /auth, asking to come back to the code.
    const back = `/auth/device?user_code=${encodeURIComponent(userCode)}`;
    const toLogin = await t.http.get(complete.pathname + complete.search).expect(303);
    expect(toLogin.headers.location).toBe(`/auth/login?return_to=${encodeURIComponent(back)}`);

    const loginPage = await t.http.get(toLogin.headers.location).expect(200);
    expect(loginPage.text).toContain('action="/auth/login"');
    expect(returnToOf(loginPage.text)).toBe(back);
    expect(loginPage.text).toContain('href="/auth/device/style.css"');
    await t.http.get('/auth/device/style.css').expect(200);

    // A wrong password first: the redirect and its one-time notice stay under /auth too.
    const wrong = await t.http
      .post('/auth/login')
      .type('form')
      .send(form({ username: 'alice', password: 'bob', return_to: back }))
      .expect(303);
    expect(wrong.headers.location).toBe(`/auth/login?return_to=${encodeURIComponent(back)}`);
    const notice = (wrong.headers['set-cookie'] as unknown as string[])[0]!;
    expect(notice).toMatch(/^demo_login_notice=[^;]+; Path=\/auth\/login;/);
    const told = await t.http
      .get(wrong.headers.location)
      .set('Cookie', notice.split(';')[0]!)
      .expect(401);
    expect(told.text).toContain('Wrong username or password.');
    expect(returnToOf(told.text)).toBe(back);

    const login = await t.http
      .post('/auth/login')
      .type('form')
      .send(form({ username: 'alice', password: 'alice', return_to: back }))
      .expect(303);
    expect(login.headers.location).toBe(back);
    // The demo's session cookie is the issuer path's only: other apps on the origin never receive it.
    expect(cookieOf(login).header).toMatch(/; Path=\/auth(;|$)/);
    const signedIn = cookieOf(login).pair;

    // The verification page: its session cookie, form and stylesheet all under /auth/device.
    const entry = await t.http.get(back).set('Cookie', signedIn).expect(200);
    const session = cookieOf(entry);
    expect(session.header).toMatch(/; Path=\/auth\/device;/);
    expect(entry.text).toContain('action="/auth/device"');
    expect(entry.text).toContain('href="/auth/device/style.css"');
    expect(entry.text).toContain(`value="${userCode}"`);
    const cookies = `${signedIn}; ${session.pair}`;
    const csrf = csrfOf(entry.text);

    const entered = await t.http
      .post('/auth/device')
      .set('Cookie', cookies)
      .type('form')
      .send(form({ csrf_token: csrf, user_code: userCode }))
      .expect(303);
    expect(entered.headers.location).toBe('/auth/device/consent');
    const consent = await t.http
      .get(entered.headers.location)
      .set('Cookie', `${signedIn}; ${cookieOf(entered).pair}`)
      .expect(200);
    expect(consent.text).toContain('action="/auth/device/decision"');

    const approved = await t.http
      .post('/auth/device/decision')
      .set('Cookie', cookies)
      .type('form')
      .send(
        form({
          csrf_token: csrf,
          user_code: userCode,
          decision: 'approve',
          scope_0: 'profile',
          scope_1: 'read',
        }),
      )
      .expect(303);
    expect(approved.headers.location).toBe('/auth/device/approved');
    const done = await t.http.get('/auth/device/approved').expect(200);
    expect(done.text).toContain('href="/auth/device"'); // "start over" stays under /auth

    t.clock.advance(5000);
    const tokens = await t.http
      .post('/auth/oauth/token')
      .type('form')
      .send(form({ grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: 'demo-device' }))
      .expect(200);
    expect(tokens.body.scope).toBe('profile read');
    const claims = JSON.parse(
      Buffer.from(tokens.body.access_token.split('.')[1], 'base64url').toString(),
    );
    expect(claims).toMatchObject({ iss: ISSUER, aud: ISSUER, sub: 'alice' });

    // The demo's own API is under /auth too.
    const me = await t.http
      .get('/auth/api/me')
      .set('Authorization', `Bearer ${tokens.body.access_token}`)
      .expect(200);
    expect(me.body.subject).toBe('alice');
    await t.http
      .get('/auth/admin/users/alice/devices')
      .set('X-Demo-Admin-Token', DEMO_ADMIN_TOKEN)
      .expect(200);
  });

  it("answers the host body parser's errors on the page as pages whose links stay under /auth", async () => {
    const broken = await t.http
      .post('/auth/device')
      .set('Content-Type', 'application/json')
      .send('{"user_code":')
      .expect(400);
    expect(broken.headers['content-type']).toMatch(/text\/html/);
    expect(broken.text).toContain('href="/auth/device/style.css"');
    expect(broken.text).toContain('href="/auth/device"');
  });

  it('logs in to the verification page under /auth by default, and never redirects off-site', async () => {
    const form0 = await t.http.get('/auth/login').expect(200);
    expect(returnToOf(form0.text)).toBe('/auth/device');
    for (const returnTo of [
      '//evil.example',
      'https://evil.example/auth/device',
      '/\\evil.example',
      // Same origin but outside the issuer's path: another app's, not the demo's to send users to.
      '/other-app/page',
      '/authx/device',
      // … also when it only leaves the issuer's path once the browser resolves its dot segments.
      '/auth/../other-app/page',
      '/auth/%2e%2e/other-app/page',
      '/auth/device/../../other-app',
    ]) {
      const res = await t.http
        .post('/auth/login')
        .type('form')
        .send(form({ username: 'bob', password: 'bob', return_to: returnTo }))
        .expect(303);
      expect(res.headers.location).toBe('/auth/device');
    }
  });
});

/** As `npm start` builds it (src/create-app.ts, API docs included), on the platform under test. */
describe(`demo server (src/create-app.ts) with ISSUER=${ISSUER} on ${testAdapter()}`, () => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await npmStartApp({ ISSUER });
  });
  afterAll(() => app?.close());

  it('serves every route under /auth, and the §3.1 metadata outside it', async () => {
    const http = request(app.getHttpServer());
    expect((await http.get(METADATA_31).expect(200)).body.issuer).toBe(ISSUER);
    await http.get('/auth/.well-known/oauth-authorization-server').expect(200);
    expect((await http.get('/auth/device').expect(303)).headers.location).toBe(
      '/auth/login?return_to=%2Fauth%2Fdevice',
    );
    await http.get('/auth/login').expect(200);
    const docs = await http.get('/auth/docs-json').expect(200);
    expect(docs.body.servers).toEqual([{ url: ISSUER }]);
    expect(Object.keys(docs.body.paths)).toContain('/oauth/token');
    await http.get('/auth/docs').redirects(1).expect(200);
    // Nothing is left at the root but the §3.1 metadata; what is asked there gets the demo's JSON 404 on both
    // platforms (Express's own handler would answer an HTML "Cannot GET").
    for (const [method, path] of [
      ['get', '/device'],
      ['get', '/login'],
      ['get', '/admin/kill-switch'],
    ] as const) {
      const res = await http[method](path).expect(404);
      expect(res.body, `${method} ${path}`).toEqual({
        error: 'not_found',
        error_description: 'no such route',
      });
      expect(res.headers['cache-control']).toBe('no-store');
    }
    // The §3.1 location answers other methods as the metadata endpoint does.
    const post = await http.post(METADATA_31).expect(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    expect(post.body.error).toBe('invalid_request');
  });
});
