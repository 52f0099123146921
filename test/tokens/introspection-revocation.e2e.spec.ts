import { afterEach, describe, expect, it } from 'vitest';
import { obtainTokens } from '../support/demo-app.js';
import {
  CONFIDENTIAL_SECRET,
  createTestApp,
  form,
  recordEvents,
  type TestApp,
  testAdapter,
} from '../support/test-app.js';

const secretTv = { client_id: 'secret-tv', client_secret: CONFIDENTIAL_SECRET };

describe(`introspection (RFC 7662) and revocation (RFC 7009) on ${testAdapter()}`, () => {
  let t: TestApp;
  afterEach(() => t?.close());

  const introspect = (creds: Record<string, string>, token: string, path = '/oauth/introspect') =>
    t.http
      .post(path)
      .type('form')
      .send(form({ ...creds, token }))
      .expect(200);
  const revoke = (
    creds: Record<string, string>,
    token: string,
    extra: Record<string, string> = {},
  ) =>
    t.http
      .post('/oauth/revoke')
      .type('form')
      .send(form({ ...creds, token, ...extra }));

  it('describes a live token, and answers active:false for revoked, expired and unknown tokens', async () => {
    t = await createTestApp();
    const tokens = await obtainTokens(t, {
      clientId: 'secret-tv',
      secret: CONFIDENTIAL_SECRET,
      scope: 'read',
    });
    const live = await introspect(secretTv, tokens.access_token);
    expect(live.headers['cache-control']).toBe('no-store');
    const now = Math.floor(t.clock.now() / 1000);
    expect(live.body).toEqual({
      active: true,
      scope: 'read',
      client_id: 'secret-tv',
      sub: 'alice',
      token_type: 'Bearer',
      exp: now + 3600,
      iat: now,
      iss: 'http://localhost:3000',
    });
    expect((await introspect(secretTv, tokens.refresh_token!)).body).toMatchObject({
      active: true,
      client_id: 'secret-tv',
    });

    // Unknown.
    expect((await introspect(secretTv, 'not-a-token')).body).toEqual({ active: false });
    expect((await introspect(secretTv, 'A'.repeat(43))).body).toEqual({ active: false });
    // Revoked (an access token: the refresh token lives on).
    await revoke(secretTv, tokens.access_token, { token_type_hint: 'access_token' }).expect(200);
    expect((await introspect(secretTv, tokens.access_token)).body).toEqual({ active: false });
    expect((await introspect(secretTv, tokens.refresh_token!)).body.active).toBe(true);
    // Expired.
    const fresh = await obtainTokens(t, {
      clientId: 'secret-tv',
      secret: CONFIDENTIAL_SECRET,
      scope: 'read',
    });
    t.clock.advance(3600 * 1000);
    expect((await introspect(secretTv, fresh.access_token)).body).toEqual({ active: false });
  });

  it('revoking a refresh token revokes the access tokens of its grant', async () => {
    t = await createTestApp();
    const tokens = await obtainTokens(t, { clientId: 'tv', scope: 'read' });
    const res = await revoke({ client_id: 'tv' }, tokens.refresh_token!, {
      token_type_hint: 'refresh_token',
    }).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect((await introspect({ client_id: 'tv' }, tokens.access_token)).body).toEqual({
      active: false,
    });
    expect((await introspect({ client_id: 'tv' }, tokens.refresh_token!)).body).toEqual({
      active: false,
    });
    // Revoking again, or an unknown token, is still 200 (RFC 7009 §2.2).
    await revoke({ client_id: 'tv' }, tokens.refresh_token!).expect(200);
    await revoke({ client_id: 'tv' }, 'unknown-token').expect(200);
  });

  it('a client sees and revokes only its own tokens unless it is privileged', async () => {
    t = await createTestApp({ privilegedClients: ['secret-tv'] });
    const tvTokens = await obtainTokens(t, { clientId: 'tv', scope: 'read' });
    const other = await obtainTokens(t, { clientId: 'no-refresh', scope: 'read' });
    // tv cannot see or revoke no-refresh's token.
    expect((await introspect({ client_id: 'tv' }, other.access_token)).body).toEqual({
      active: false,
    });
    const refused = await revoke({ client_id: 'tv' }, other.access_token).expect(400);
    expect(refused.body.error).toBe('invalid_request');
    expect((await introspect({ client_id: 'no-refresh' }, other.access_token)).body.active).toBe(
      true,
    );
    // The privileged client (a resource server) can.
    expect((await introspect(secretTv, tvTokens.access_token)).body).toMatchObject({
      active: true,
      client_id: 'tv',
    });
    await revoke(secretTv, tvTokens.access_token).expect(200);
    expect((await introspect({ client_id: 'tv' }, tvTokens.access_token)).body).toEqual({
      active: false,
    });
  });

  it('revoking a refresh token someone else already rotated kills what that rotation gave (RFC 9700 §4.14.2)', async () => {
    t = await createTestApp();
    const device = await obtainTokens(t, { clientId: 'tv', scope: 'read' });
    // A thief with a copy of the refresh token rotates it first.
    const stolen = await t.http
      .post('/oauth/token')
      .type('form')
      .send(
        form({
          grant_type: 'refresh_token',
          client_id: 'tv',
          refresh_token: device.refresh_token!,
        }),
      )
      .expect(200);
    const events = recordEvents(t);
    // The device signs out, revoking the refresh token it holds: 200, and the whole grant dies.
    await revoke({ client_id: 'tv' }, device.refresh_token!, {
      token_type_hint: 'refresh_token',
    }).expect(200);
    for (const token of [
      stolen.body.access_token,
      stolen.body.refresh_token,
      device.access_token,
    ] as string[])
      expect((await introspect({ client_id: 'tv' }, token)).body).toEqual({ active: false });
    expect(events.map((e) => e.type)).toContain('refresh_token.reused');
    // Revoked again, or by another client: nothing more to do, and another client is still refused.
    await revoke({ client_id: 'tv' }, device.refresh_token!).expect(200);
    await revoke({ client_id: 'no-refresh' }, device.refresh_token!).expect(400);
  });

  it('authenticates the client and validates the request', async () => {
    t = await createTestApp();
    const wrong = await t.http
      .post('/oauth/introspect')
      .type('form')
      .send(form({ client_id: 'secret-tv', client_secret: 'wrong-secret', token: 'x' }))
      .expect(401);
    expect(wrong.body.error).toBe('invalid_client');
    await t.http
      .post('/oauth/revoke')
      .type('form')
      .send(form({ client_id: 'nobody', token: 'x' }))
      .expect(401);
    const missing = await t.http
      .post('/oauth/introspect')
      .type('form')
      .send(form({ client_id: 'tv' }))
      .expect(400);
    expect(missing.body).toEqual({
      error: 'invalid_request',
      error_description: 'missing required parameter: token',
    });
    await t.http.get('/oauth/introspect').expect(405);
    await t.http.get('/oauth/revoke').expect(405);
  });

  it('serves both endpoints on configured routes, advertised in the metadata', async () => {
    t = await createTestApp(
      {},
      { routes: { introspection: '/as/introspect', revocation: '/as/revoke', jwks: '/as/jwks' } },
    );
    const md = await t.http.get('/.well-known/oauth-authorization-server').expect(200);
    expect(md.body).toMatchObject({
      introspection_endpoint: 'http://localhost:3000/as/introspect',
      revocation_endpoint: 'http://localhost:3000/as/revoke',
      introspection_endpoint_auth_methods_supported: [
        'client_secret_basic',
        'client_secret_post',
        'none',
      ],
      revocation_endpoint_auth_methods_supported: [
        'client_secret_basic',
        'client_secret_post',
        'none',
      ],
    });
    expect(md.body).not.toHaveProperty('jwks_uri'); // opaque tokens: nothing to verify offline
    const tokens = await obtainTokens(t, { clientId: 'tv', scope: 'read' });
    expect(
      (await introspect({ client_id: 'tv' }, tokens.access_token, '/as/introspect')).body.active,
    ).toBe(true);
    await t.http
      .post('/oauth/introspect')
      .type('form')
      .send(form({ client_id: 'tv', token: 'x' }))
      .expect(404);
  });
});
