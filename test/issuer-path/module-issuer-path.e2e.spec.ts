import 'reflect-metadata';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceFlowModule } from '../../libs/device-flow/src/index.js';
import {
  createNestApp,
  createTestApp,
  DEVICE_GRANT,
  form,
  nodeRequestHandler,
  type TestApp,
  TEST_CLIENTS,
  testAdapter,
} from '../support/test-app.js';
import { csrfOf, headerUserProviders } from '../support/verification-agent.js';

const METADATA = '/.well-known/oauth-authorization-server';

/** `name=value` of the first Set-Cookie header, and the header itself. */
function cookieOf(res: request.Response): { pair: string; header: string } {
  const header = (res.headers['set-cookie'] as unknown as string[] | undefined)?.[0] ?? '';
  return { pair: header.split(';')[0]!, header };
}

/** Listens on 127.0.0.1, port 0; resolves with the origin. */
async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * A reverse proxy that serves an app under `prefix` by stripping it (`/auth/oauth/token` → `/oauth/token`), and
 * forwards the RFC 8414 §3.1 metadata location (`/.well-known/oauth-authorization-server/auth`) unchanged.
 * Anything else is 404 at the proxy.
 */
function strippingProxy(prefix: string, upstream: () => string): Server {
  return createServer((req, res) => {
    const url = req.url ?? '/';
    const under = url === prefix || url.startsWith(prefix + '/') || url.startsWith(prefix + '?');
    const path = url.startsWith(METADATA + prefix)
      ? url
      : under
        ? url.slice(prefix.length).replace(/^(?!\/)/, '/')
        : null;
    if (path === null) return void res.writeHead(404).end('not behind this proxy');
    const target = new URL(upstream());
    const forward = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(forward);
  });
}

/**
 * The module with an issuer that has a path, served the two ways the README describes: behind a proxy that
 * strips the path, and under a global prefix (with `forRootAsync`). Links, redirects and the session cookie carry
 * the path either way; the metadata is at the RFC 8414 §3.1 location.
 */
describe(`module with an issuer with a path on ${testAdapter()}`, () => {
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  it('behind a proxy that strips /auth: the whole flow, every redirect under /auth', async () => {
    let appOrigin = '';
    const proxy = strippingProxy('/auth', () => appOrigin);
    const origin = await listen(proxy);
    closers.push(() => new Promise((resolve) => proxy.close(resolve)));
    const issuer = `${origin}/auth`;
    const t: TestApp = await createTestApp({ issuer }, { providers: headerUserProviders });
    const appServer = createServer(nodeRequestHandler(t.app));
    appOrigin = await listen(appServer);
    closers.push(() => t.close());
    closers.push(() => {
      appServer.closeAllConnections();
      return new Promise((resolve) => appServer.close(resolve));
    });
    const http = request(origin);

    const meta = await http.get(`${METADATA}/auth`).expect(200);
    expect(meta.body).toMatchObject({ issuer, token_endpoint: `${issuer}/oauth/token` });
    expect((await http.get(`/auth${METADATA}`).expect(200)).body).toEqual(meta.body);

    const auth = await http
      .post('/auth/oauth/device_authorization')
      .type('form')
      .send(form({ client_id: 'tv', scope: 'read' }))
      .expect(200);
    expect(auth.body.verification_uri).toBe(`${issuer}/device`);
    const complete = new URL(auth.body.verification_uri_complete);
    const toLogin = await http.get(complete.pathname + complete.search).expect(303);
    const back = `/auth/device?user_code=${encodeURIComponent(auth.body.user_code)}`;
    expect(toLogin.headers.location).toBe(`/auth/login?return_to=${encodeURIComponent(back)}`);

    const entry = await http.get(back).set('x-test-user', 'alice').expect(200);
    const session = cookieOf(entry);
    expect(session.header).toMatch(/; Path=\/auth\/device;/);
    expect(entry.text).toContain('action="/auth/device"');
    expect(entry.text).toContain('href="/auth/device/style.css"');
    await http.get('/auth/device/style.css').expect(200);
    const csrf = csrfOf(entry.text);
    let cookie = session.pair;
    const post = (path: string, values: Record<string, string>) =>
      http
        .post(path)
        .set('x-test-user', 'alice')
        .set('Cookie', cookie)
        .type('form')
        .send(form({ csrf_token: csrf, user_code: auth.body.user_code, ...values }));
    // POST-redirect-GET: a wrong code back to the form, a live one to its consent page, both under /auth.
    const wrong = await post('/auth/device', { user_code: 'BCDF-GHJK' }).expect(303);
    expect(wrong.headers.location).toBe('/auth/device');
    const entered = await post('/auth/device', {}).expect(303);
    expect(entered.headers.location).toBe('/auth/device/consent');
    expect(cookieOf(entered).header).toMatch(/; Path=\/auth\/device;/);
    cookie = cookieOf(entered).pair;
    const consent = await http
      .get(entered.headers.location)
      .set('x-test-user', 'alice')
      .set('Cookie', cookie)
      .expect(200);
    expect(consent.text).toContain('action="/auth/device/decision"');
    expect(consent.text).toContain('href="/auth/device/style.css"');
    const approved = await post('/auth/device/decision', {
      decision: 'approve',
      scope_0: 'read',
    }).expect(303);
    expect(approved.headers.location).toBe('/auth/device/approved');
    await http.get(approved.headers.location).expect(200);
    const broken = await http
      .post('/auth/device')
      .set('Content-Type', 'application/json')
      .send('{"user_code":')
      .expect(400);
    expect(broken.text).toContain('href="/auth/device/style.css"');

    t.clock.advance(5000);
    const tokens = await http
      .post('/auth/oauth/token')
      .type('form')
      .send(form({ grant_type: DEVICE_GRANT, device_code: auth.body.device_code, client_id: 'tv' }))
      .expect(200);
    expect(tokens.body.scope).toBe('read');
  });

  it('under a global prefix with forRootAsync: the same URLs, the §3.1 metadata outside the prefix', async () => {
    const issuer = 'https://example.com/tenants/acme';
    const moduleRef = await Test.createTestingModule({
      imports: [
        DeviceFlowModule.forRootAsync({
          useFactory: () => ({ issuer, storage: 'memory' as const, clients: TEST_CLIENTS }),
          providers: headerUserProviders,
        }),
      ],
    }).compile();
    const app: INestApplication = await createNestApp(moduleRef, {
      beforeInit: (a) => a.setGlobalPrefix('/tenants/acme'),
    });
    closers.push(() => app.close());
    const http = request(app.getHttpServer());
    const meta = await http.get(`${METADATA}/tenants/acme`).expect(200);
    expect(meta.body.issuer).toBe(issuer);
    await http.get(`/tenants/acme${METADATA}`).expect(200);
    await http
      .post(new URL(meta.body.device_authorization_endpoint).pathname)
      .type('form')
      .send(form({ client_id: 'tv' }))
      .expect(200);
    expect((await http.get('/tenants/acme/device').expect(303)).headers.location).toBe(
      '/tenants/acme/login?return_to=%2Ftenants%2Facme%2Fdevice',
    );
    const broken = await http
      .post('/tenants/acme/device')
      .set('Content-Type', 'application/json')
      .send('{')
      .expect(400);
    expect(broken.headers['content-type']).toMatch(/text\/html/);
    expect(broken.text).toContain('href="/tenants/acme/device/style.css"');
    // The §3.1 route serves GET; other methods get the metadata endpoint's 405, Allow: GET, HEAD.
    for (const method of ['post', 'put', 'delete', 'options'] as const) {
      const wrong = await http[method](`${METADATA}/tenants/acme`);
      expect(wrong.status, method).toBe(405);
      expect(wrong.headers.allow).toBe('GET, HEAD');
      expect(wrong.headers['cache-control']).toBe('no-store');
      expect(wrong.body).toEqual({
        error: 'invalid_request',
        error_description: 'method not allowed; use GET',
      });
    }
    expect([400, 404]).toContain((await http.get(METADATA)).status);
  });

  it('sends anonymous users to an absolute loginUrl as given, with the return path under the issuer path', async () => {
    const t = await createTestApp(
      {
        issuer: 'https://example.com/auth',
        verification: { loginUrl: 'https://login.example.com/signin' },
      },
      { providers: headerUserProviders },
    );
    closers.push(() => t.close());
    const res = await t.http.get('/device').expect(303);
    expect(res.headers.location).toBe(
      'https://login.example.com/signin?return_to=%2Fauth%2Fdevice',
    );
  });
});

/** An issuer configured with a trailing slash: advertised exactly as configured, endpoints without `//`. */
describe(`issuer with a trailing slash on ${testAdapter()}`, () => {
  let t: TestApp | undefined;
  afterEach(() => t?.close());

  it.each([
    ['http://localhost:3000/', METADATA, 'http://localhost:3000'],
    ['https://example.com/auth/', `${METADATA}/auth`, 'https://example.com/auth'],
  ])('%s: metadata at %s, endpoints under %s', async (issuer, metadataPath, base) => {
    t = await createTestApp({ issuer, accessTokenFormat: 'jwt' });
    const meta = await t.http.get(metadataPath).expect(200);
    expect(meta.body).toMatchObject({
      issuer,
      device_authorization_endpoint: `${base}/oauth/device_authorization`,
      token_endpoint: `${base}/oauth/token`,
      introspection_endpoint: `${base}/oauth/introspect`,
      revocation_endpoint: `${base}/oauth/revoke`,
      jwks_uri: `${base}/oauth/jwks`,
    });
    const auth = await t.http
      .post('/oauth/device_authorization')
      .type('form')
      .send(form({ client_id: 'tv' }))
      .expect(200);
    expect(auth.body.verification_uri).toBe(`${base}/device`);
    expect(auth.body.verification_uri_complete).toMatch(new RegExp(`^${base}/device\\?user_code=`));
    await t.grants.approve(auth.body.user_code, 'alice');
    t.clock.advance(5000);
    const tokens = await t.http
      .post('/oauth/token')
      .type('form')
      .send(form({ grant_type: DEVICE_GRANT, device_code: auth.body.device_code, client_id: 'tv' }))
      .expect(200);
    const claims = JSON.parse(
      Buffer.from(tokens.body.access_token.split('.')[1], 'base64url').toString(),
    );
    expect(claims).toMatchObject({ iss: issuer, aud: issuer });
    const introspected = await t.http
      .post('/oauth/introspect')
      .type('form')
      .send(form({ token: tokens.body.access_token, client_id: 'tv' }))
      .expect(200);
    expect(introspected.body).toMatchObject({ active: true, iss: issuer });
  });
});
