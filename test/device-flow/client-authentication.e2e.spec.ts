import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  basic,
  CONFIDENTIAL_SECRET,
  createTestApp,
  DEVICE_GRANT,
  form,
  oauthError,
  type TestApp,
} from '../support/test-app.js';

/** Client authentication on both endpoints (RFC 6749 §2.3, §5.2; RFC 8628 §3.1). */
describe.each(['/oauth/device_authorization', '/oauth/token'])(
  'client authentication at %s',
  (path) => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp();
    });
    afterAll(() => t?.close());

    /** Device authorization needs nothing more; the token endpoint gets a (unknown) device code. */
    const extra: Record<string, string> =
      path === '/oauth/token' ? { grant_type: DEVICE_GRANT, device_code: 'x'.repeat(43) } : {};
    const send = (params: Record<string, string>, authorization?: string) => {
      const req = t.http.post(path).type('form');
      if (authorization !== undefined) req.set('Authorization', authorization);
      return req.send(form({ ...extra, ...params }));
    };
    /** A request that passed client authentication: 200 here, invalid_grant (unknown code) at the token endpoint. */
    const expectAuthenticated = (res: { status: number; body: { error?: string } }) => {
      if (path === '/oauth/token') expect(res.body.error).toBe('invalid_grant');
      else expect(res.status).toBe(200);
    };
    /** `invalid_client`: 401, always with a Basic challenge (RFC 6749 §5.2; RFC 9110 §15.5.2 for every 401). */
    const expectInvalidClient = (res: {
      status: number;
      body: unknown;
      headers: Record<string, string>;
    }) => {
      expect(oauthError(res.body)).toBe('invalid_client');
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Basic realm="device-flow"');
    };

    it('public client: client_id only', async () => {
      expectAuthenticated(await send({ client_id: 'tv' }));
    });

    it('confidential client via client_secret_basic', async () => {
      expectAuthenticated(await send({}, basic('secret-tv', CONFIDENTIAL_SECRET)));
      // client_id may be repeated in the body when it matches the header
      expectAuthenticated(
        await send({ client_id: 'secret-tv' }, basic('secret-tv', CONFIDENTIAL_SECRET)),
      );
    });

    it('confidential client via client_secret_post', async () => {
      expectAuthenticated(
        await send({ client_id: 'secret-tv', client_secret: CONFIDENTIAL_SECRET }),
      );
    });

    it('public client via Basic with an empty secret (requests-oauthlib sends its ids so by default)', async () => {
      expectAuthenticated(await send({}, basic('tv', '')));
      expectAuthenticated(await send({ client_id: 'tv' }, basic('tv', '')));
      // Never a confidential client: an empty secret is no secret.
      expectInvalidClient(await send({}, basic('secret-tv', '')));
      expectInvalidClient(await send({}, basic('nobody', '')));
      // The header only names the client: a secret in the body as well is still two methods.
      const both = await send({ client_secret: CONFIDENTIAL_SECRET }, basic('secret-tv', ''));
      expect(oauthError(both.body)).toBe('invalid_request');
    });

    it('invalid_client with WWW-Authenticate when the Authorization header was used', async () => {
      expectInvalidClient(await send({}, basic('secret-tv', 'wrong-secret')));
      expectInvalidClient(await send({}, basic('nobody', 'whatever')));
      expectInvalidClient(await send({}, 'Basic !!!'));
      expectInvalidClient(await send({ client_id: 'tv' }, 'Bearer abc'));
    });

    it('invalid_client with WWW-Authenticate for the body methods as well', async () => {
      expectInvalidClient(await send({ client_id: 'secret-tv', client_secret: 'wrong-secret' }));
      expectInvalidClient(await send({ client_id: 'secret-tv' })); // secret missing
      expectInvalidClient(await send({ client_id: 'nobody' }));
      expectInvalidClient(await send({ client_id: 'nobody', client_secret: 'whatever' }));
    });

    it('the same description for an unknown client and a wrong secret', async () => {
      const unknown = await send({ client_id: 'nobody', client_secret: 'whatever' });
      const wrong = await send({ client_id: 'secret-tv', client_secret: 'wrong-secret' });
      expect(unknown.body).toEqual(wrong.body);
    });

    it('a public client sending a secret is refused', async () => {
      expectInvalidClient(await send({ client_id: 'tv', client_secret: 'anything-at-all' }));
      expectInvalidClient(await send({}, basic('tv', 'anything-at-all')));
    });

    it('a disabled client is refused', async () => {
      expectInvalidClient(await send({ client_id: 'disabled' }));
    });

    it('two methods at once is invalid_request', async () => {
      const res = await send(
        { client_id: 'secret-tv', client_secret: CONFIDENTIAL_SECRET },
        basic('secret-tv', CONFIDENTIAL_SECRET),
      );
      expect(oauthError(res.body)).toBe('invalid_request');
      expect(res.status).toBe(400);
    });

    it('a repeated Authorization header is invalid_request, in either order', async () => {
      const good = basic('secret-tv', CONFIDENTIAL_SECRET);
      const bad = basic('secret-tv', 'wrong-secret');
      for (const pair of [
        [good, bad],
        [bad, good],
      ]) {
        const res = await t.http
          .post(path)
          .type('form')
          .set('Authorization', pair as unknown as string)
          .send(form(extra));
        expect(oauthError(res.body)).toBe('invalid_request');
        expect(res.status).toBe(400);
        expect(res.body.error_description).toBe('repeated Authorization header');
      }
    });

    it('a body client_id other than the header one is invalid_request', async () => {
      const res = await send({ client_id: 'tv' }, basic('secret-tv', CONFIDENTIAL_SECRET));
      expect(oauthError(res.body)).toBe('invalid_request');
    });

    it('no client at all is invalid_request', async () => {
      const res = await send({});
      expect(oauthError(res.body)).toBe('invalid_request');
      expect(res.body.error_description).toMatch(/client_id/);
    });
  },
);

describe('a confidential client end to end', () => {
  it('authorizes with client_secret_basic and redeems with client_secret_post', async () => {
    const t = await createTestApp();
    try {
      const auth = await t.http
        .post('/oauth/device_authorization')
        .set('Authorization', basic('secret-tv', CONFIDENTIAL_SECRET))
        .type('form')
        .send(form({ scope: 'read' }))
        .expect(200);
      await t.grants.approve(auth.body.user_code, 'alice');
      const ok = await t.http
        .post('/oauth/token')
        .type('form')
        .send(
          form({
            grant_type: DEVICE_GRANT,
            device_code: auth.body.device_code,
            client_id: 'secret-tv',
            client_secret: CONFIDENTIAL_SECRET,
          }),
        )
        .expect(200);
      expect(ok.body).toMatchObject({ token_type: 'Bearer', scope: 'read' });
      // a public client cannot redeem the confidential client's code
      const other = await t.http
        .post('/oauth/token')
        .type('form')
        .send(
          form({ grant_type: DEVICE_GRANT, device_code: auth.body.device_code, client_id: 'tv' }),
        );
      expect(oauthError(other.body)).toBe('invalid_grant');
    } finally {
      await t.close();
    }
  });
});

describe('failed client secret verifications per address (RFC 6749 §10.10)', () => {
  it('past the budget: 429 temporarily_unavailable with Retry-After on every endpoint; a secret verified before still works', async () => {
    const t = await createTestApp({ clientAuthenticationLimit: { limit: 3, windowSeconds: 120 } });
    try {
      const token = (secret: string) =>
        t.http
          .post('/oauth/token')
          .type('form')
          .set('Authorization', basic('secret-tv', secret))
          .send(form({ grant_type: DEVICE_GRANT, device_code: 'x'.repeat(43) }));
      // Verified now, and so remembered for clientCacheTtl.
      expect(oauthError((await token(CONFIDENTIAL_SECRET)).body)).toBe('invalid_grant');
      for (let i = 0; i < 3; i++) await token(`wrong-${i}`).expect(401);
      for (const path of ['/oauth/token', '/oauth/device_authorization', '/oauth/introspect']) {
        const res = await t.http
          .post(path)
          .type('form')
          .send(
            form({
              client_id: 'secret-tv',
              client_secret: 'wrong-again',
              ...(path === '/oauth/token' ? { grant_type: DEVICE_GRANT, device_code: 'x' } : {}),
              ...(path === '/oauth/introspect' ? { token: 'x' } : {}),
            }),
          )
          .expect(429);
        expect(res.headers['retry-after']).toBe('120');
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.body).toEqual({
          error: 'temporarily_unavailable',
          error_description:
            'too many failed client authentications from this address; retry later',
        });
      }
      expect(oauthError((await token(CONFIDENTIAL_SECRET)).body)).toBe('invalid_grant');
      t.clock.advance(120_000);
      await token('wrong-after-the-window').expect(401);
    } finally {
      await t.close();
    }
  });
});
