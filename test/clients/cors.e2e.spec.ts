import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClientRecord,
  CorsPolicy,
  DEVICE_CODE_GRANT_TYPE,
} from '../../libs/device-flow/src/index.js';
import {
  createTestApp,
  form,
  oauthError,
  type TestApp,
  TEST_CLIENTS,
} from '../support/test-app.js';

const WEB = 'https://tv.example';

/**
 * CORS for device clients that run in a browser: a client's answers carry `Access-Control-Allow-Origin` for
 * the origins registered for that client only (never `*`, never credentials); metadata and JWKS are readable
 * from anywhere. The browser side of this is checked in Chromium (test/browser/cors.browser.spec.ts).
 */
describe(`CORS on ${process.env.TEST_DATABASE || 'sqlite'}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      accessTokenFormat: 'jwt',
      clients: [
        ...TEST_CLIENTS,
        { clientId: 'web-tv', scopes: ['read'], allowedOrigins: [WEB, 'http://localhost:8080'] },
      ],
    });
  });
  afterAll(() => t?.close());

  const post = (path: string, params: Record<string, string>, origin?: string) => {
    const req = t.http.post(path).type('form');
    if (origin !== undefined) req.set('Origin', origin);
    return req.send(form(params));
  };
  const allowed = (res: { headers: Record<string, unknown> }) =>
    res.headers['access-control-allow-origin'];

  it('device authorization and every poll answer (pending, slow_down, tokens) are readable by the registered origin', async () => {
    const start = await post(
      '/oauth/device_authorization',
      { client_id: 'web-tv', scope: 'read' },
      WEB,
    );
    expect(start.status).toBe(200);
    expect(allowed(start)).toBe(WEB);
    expect(start.headers.vary).toMatch(/Origin/i);
    expect(start.headers['access-control-allow-credentials']).toBeUndefined();
    const code = start.body as { device_code: string; user_code: string };
    const poll = () =>
      post(
        '/oauth/token',
        { grant_type: DEVICE_CODE_GRANT_TYPE, device_code: code.device_code, client_id: 'web-tv' },
        WEB,
      );
    t.clock.advance(5000);
    const pending = await poll();
    expect(oauthError(pending.body)).toBe('authorization_pending');
    expect(allowed(pending)).toBe(WEB);
    const early = await poll();
    expect(oauthError(early.body)).toBe('slow_down');
    expect(allowed(early)).toBe(WEB);
    await t.grants.approve(code.user_code, 'alice');
    t.clock.advance(10_000);
    const tokens = await poll();
    expect(tokens.status).toBe(200);
    expect(allowed(tokens)).toBe(WEB);
    const token = String(tokens.body.access_token);
    const introspection = await post('/oauth/introspect', { client_id: 'web-tv', token }, WEB);
    expect(introspection.body).toMatchObject({ active: true });
    expect(allowed(introspection)).toBe(WEB);
    const revocation = await post('/oauth/revoke', { client_id: 'web-tv', token }, WEB);
    expect(revocation.status).toBe(200);
    expect(allowed(revocation)).toBe(WEB);
  });

  it('another origin, another client, no Origin, an origin spelt differently: no CORS permission', async () => {
    const cases: [string, string | undefined][] = [
      ['web-tv', 'https://evil.example'],
      ['web-tv', 'https://tv.example:443'], // never what a browser sends for https://tv.example
      ['web-tv', 'https://TV.example'],
      ['web-tv', 'http://tv.example'],
      ['web-tv', 'null'], // sandboxed frames, file: pages
      ['tv', WEB], // the origin is registered for web-tv, not for tv
      ['web-tv', undefined], // a device, a CLI, a server: not a browser
    ];
    for (const [clientId, origin] of cases) {
      const res = await post('/oauth/device_authorization', { client_id: clientId }, origin);
      expect(res.status, `${clientId} ${origin}`).toBe(200);
      expect(allowed(res), `${clientId} ${origin}`).toBeUndefined();
      // Refused or not, an answer to a request with an Origin depends on it (caches must key on it).
      if (origin !== undefined && origin !== 'null')
        expect(res.headers.vary, `${clientId} ${origin}`).toMatch(/Origin/i);
    }
  });

  it('a request that does not authenticate as the client gets no permission (the error stays unreadable)', async () => {
    const unknown = await post('/oauth/device_authorization', { client_id: 'nobody' }, WEB);
    expect(oauthError(unknown.body)).toBe('invalid_client');
    expect(allowed(unknown)).toBeUndefined();
    const noClient = await post('/oauth/token', { grant_type: DEVICE_CODE_GRANT_TYPE }, WEB);
    expect(noClient.status).toBe(400);
    expect(allowed(noClient)).toBeUndefined();
  });

  it('errors after the client is known are readable: invalid_scope, and the issuance limit with its Retry-After', async () => {
    const scope = await post(
      '/oauth/device_authorization',
      { client_id: 'web-tv', scope: 'admin' },
      WEB,
    );
    expect(oauthError(scope.body)).toBe('invalid_scope');
    expect(allowed(scope)).toBe(WEB);
    const limited = await createTestApp({
      clients: [{ clientId: 'web-tv', allowedOrigins: [WEB] }],
      issuanceLimit: { limit: 1, windowSeconds: 60 },
    });
    try {
      const ask = () =>
        limited.http
          .post('/oauth/device_authorization')
          .set('Origin', WEB)
          .type('form')
          .send(form({ client_id: 'web-tv' }));
      expect((await ask()).status).toBe(200);
      const refused = await ask();
      expect(refused.status).toBe(429);
      expect(refused.headers['retry-after']).toMatch(/^\d+$/);
      expect(allowed(refused)).toBe(WEB);
      expect(refused.headers['access-control-expose-headers']).toBe('Retry-After');
    } finally {
      await limited.close();
    }
  });

  it('no preflight: OPTIONS stays 405 (a form POST is a simple request; headers a preflight would allow are not needed)', async () => {
    const res = await t.http
      .options('/oauth/token')
      .set('Origin', WEB)
      .set('Access-Control-Request-Method', 'POST');
    expect(res.status).toBe(405);
    expect(allowed(res)).toBeUndefined();
  });

  it('metadata and JWKS are public documents: readable from any origin', async () => {
    for (const path of ['/.well-known/oauth-authorization-server', '/oauth/jwks']) {
      const res = await t.http.get(path).set('Origin', 'https://anyone.example').expect(200);
      expect(allowed(res), path).toBe('*');
    }
  });
});

describe('CorsPolicy is replaceable', () => {
  let t: TestApp;
  const asked: [string, string][] = [];
  beforeAll(async () => {
    const policy: CorsPolicy = {
      allows: async (origin: string, client: ClientRecord) => {
        asked.push([origin, client.clientId]);
        return origin.endsWith('.partner.example');
      },
    };
    t = await createTestApp({}, { providers: [{ provide: CorsPolicy, useValue: policy }] });
  });
  afterAll(() => t?.close());

  it('asks the provided policy with the request origin and the authenticated client', async () => {
    const yes = await t.http
      .post('/oauth/device_authorization')
      .set('Origin', 'https://tv.partner.example')
      .type('form')
      .send(form({ client_id: 'tv' }))
      .expect(200);
    expect(yes.headers['access-control-allow-origin']).toBe('https://tv.partner.example');
    const no = await t.http
      .post('/oauth/device_authorization')
      .set('Origin', 'https://tv.example')
      .type('form')
      .send(form({ client_id: 'tv' }))
      .expect(200);
    expect(no.headers['access-control-allow-origin']).toBeUndefined();
    expect(asked).toEqual([
      ['https://tv.partner.example', 'tv'],
      ['https://tv.example', 'tv'],
    ]);
  });
});

describe('Vary from host middleware is kept', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(
      { clients: [{ clientId: 'web-tv', allowedOrigins: [WEB] }] },
      {},
      {
        // What compression middleware does before any route runs, on either platform.
        beforeInit: (app) => {
          const instance = app.getHttpAdapter().getInstance() as {
            addHook?: (
              name: 'onRequest',
              hook: (r: unknown, reply: Reply, done: () => void) => void,
            ) => void;
            use?: (mw: (r: unknown, res: Reply, next: () => void) => void) => void;
          };
          type Reply = {
            header?: (n: string, v: string) => void;
            setHeader?: (n: string, v: string) => void;
          };
          if (app.getHttpAdapter().getType() === 'fastify')
            instance.addHook!('onRequest', (_r, reply, done) => {
              reply.header!('Vary', 'Accept-Encoding');
              done();
            });
          else
            instance.use!((_r, res, next) => {
              res.setHeader!('Vary', 'Accept-Encoding');
              next();
            });
        },
      },
    );
  });
  afterAll(() => t?.close());

  it("the client endpoints add Origin to the host's Vary instead of replacing it", async () => {
    const res = await t.http
      .post('/oauth/device_authorization')
      .set('Origin', WEB)
      .type('form')
      .send(form({ client_id: 'web-tv' }))
      .expect(200);
    expect(res.headers['access-control-allow-origin']).toBe(WEB);
    expect(res.headers.vary).toBe('Accept-Encoding, Origin');
    const noOrigin = await t.http
      .post('/oauth/device_authorization')
      .type('form')
      .send(form({ client_id: 'web-tv' }))
      .expect(200);
    expect(noOrigin.headers.vary).toBe('Accept-Encoding');
  });
});
