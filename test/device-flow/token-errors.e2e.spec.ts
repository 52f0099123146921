import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CodeHasher,
  DeviceCodeRepository,
  UserCodeDecisionError,
} from '../../libs/device-flow/src/index.js';
import {
  createTestApp,
  form,
  oauthError,
  poll,
  startAuthorization,
  type TestApp,
} from '../support/test-app.js';

/** Every error of the device access token response, RFC 8628 §3.5 and RFC 6749 §5.2, on SQLite. */
describe('token endpoint errors (device_code grant)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t?.close());

  const expectError = async (
    res: { status: number; body: unknown; headers: Record<string, string> },
    error: string,
    status = 400,
  ) => {
    expect(oauthError(res.body)).toBe(error);
    expect(res.status).toBe(status);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  };

  it('authorization_pending while the user has not decided', async () => {
    const auth = await startAuthorization(t);
    await expectError(await poll(t, auth.device_code), 'authorization_pending');
    t.clock.advance(5000);
    await expectError(await poll(t, auth.device_code), 'authorization_pending');
  });

  it('access_denied once the user denies, on every later poll', async () => {
    const auth = await startAuthorization(t);
    await t.grants.deny(auth.user_code, 'alice');
    await expectError(await poll(t, auth.device_code), 'access_denied');
    // a denied code answers access_denied even to a too-fast poll (§3.5: decision before slow_down)
    await expectError(await poll(t, auth.device_code), 'access_denied');
  });

  it('expired_token after expires_in, pending or approved', async () => {
    const pending = await startAuthorization(t);
    const approved = await startAuthorization(t);
    await t.grants.approve(approved.user_code, 'alice');
    t.clock.advance(pending.expires_in * 1000);
    await expectError(await poll(t, pending.device_code), 'expired_token');
    await expectError(await poll(t, approved.device_code), 'expired_token');
  });

  it('a code one millisecond before expiry still works', async () => {
    const auth = await startAuthorization(t);
    await t.grants.approve(auth.user_code, 'alice');
    t.clock.advance(auth.expires_in * 1000 - 1);
    expect((await poll(t, auth.device_code)).status).toBe(200);
  });

  it('invalid_grant for an unknown device code', async () => {
    await expectError(await poll(t, 'x'.repeat(43)), 'invalid_grant');
  });

  it('invalid_grant for a code of another client, with the same description as an unknown code', async () => {
    const auth = await startAuthorization(t);
    await t.grants.approve(auth.user_code, 'alice');
    const other = await poll(t, auth.device_code, { client_id: 'no-refresh' });
    await expectError(other, 'invalid_grant');
    const unknown = await poll(t, 'y'.repeat(43));
    expect(other.body.error_description).toBe(unknown.body.error_description);
    // the rightful client can still redeem it
    expect((await poll(t, auth.device_code)).status).toBe(200);
  });

  it('invalid_grant for an already redeemed code', async () => {
    const auth = await startAuthorization(t);
    await t.grants.approve(auth.user_code, 'alice');
    expect((await poll(t, auth.device_code)).status).toBe(200);
    t.clock.advance(10_000);
    await expectError(await poll(t, auth.device_code), 'invalid_grant');
  });

  it('invalid_request without device_code or grant_type', async () => {
    const noCode = await t.http
      .post('/oauth/token')
      .type('form')
      .send(form({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: 'tv' }));
    await expectError(noCode, 'invalid_request');
    expect(noCode.body.error_description).toMatch(/device_code/);
    const noGrant = await t.http
      .post('/oauth/token')
      .type('form')
      .send(form({ client_id: 'tv' }));
    await expectError(noGrant, 'invalid_request');
    expect(noGrant.body.error_description).toMatch(/grant_type/);
  });

  it('unsupported_grant_type for grant types the server does not implement', async () => {
    for (const grant of ['password', 'authorization_code', 'client_credentials', 'urn:x'])
      await expectError(
        await t.http
          .post('/oauth/token')
          .type('form')
          .send(form({ grant_type: grant, client_id: 'tv' })),
        'unsupported_grant_type',
      );
  });

  it('unauthorized_client when the client may not use the grant type', async () => {
    const res = await poll(t, 'z'.repeat(43), { client_id: 'refresh-only' });
    await expectError(res, 'unauthorized_client');
  });

  it('returns the granted scope and no refresh token for a client without the refresh grant', async () => {
    const auth = await startAuthorization(t, { client_id: 'no-refresh', scope: 'read' });
    await t.grants.approve(auth.user_code, 'alice');
    const ok = await poll(t, auth.device_code, { client_id: 'no-refresh' });
    expect(ok.status).toBe(200);
    expect(ok.headers.pragma).toBe('no-cache');
    expect(ok.body).toEqual({
      access_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'read',
    });
  });

  it('issues the narrower scope the user approved', async () => {
    const auth = await startAuthorization(t, { client_id: 'tv', scope: 'read write profile' });
    await t.grants.approve(auth.user_code, 'alice', ['profile', 'read']);
    const ok = await poll(t, auth.device_code);
    expect(ok.body.scope).toBe('read profile');
  });
});

describe('approve / deny service API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t?.close());

  const problem = (p: Promise<unknown>) =>
    p.then(
      () => 'resolved',
      (e: unknown) => (e instanceof UserCodeDecisionError ? e.problem : String(e)),
    );

  it('accepts the user code as typed (lowercase, no dash)', async () => {
    const auth = await startAuthorization(t);
    const typed = auth.user_code.replace('-', ' ').toLowerCase();
    expect((await t.grants.approve(typed, 'alice')).status).toBe('approved');
  });

  it('cannot approve a denied, consumed, expired or unknown code', async () => {
    const denied = await startAuthorization(t);
    await t.grants.deny(denied.user_code);
    expect(await problem(t.grants.approve(denied.user_code, 'alice'))).toBe('already_decided');

    const consumed = await startAuthorization(t);
    await t.grants.approve(consumed.user_code, 'alice');
    expect((await poll(t, consumed.device_code)).status).toBe(200);
    expect(await problem(t.grants.approve(consumed.user_code, 'alice'))).toBe('already_decided');
    expect(await problem(t.grants.deny(consumed.user_code))).toBe('already_decided');

    const expired = await startAuthorization(t);
    t.clock.advance(expired.expires_in * 1000);
    expect(await problem(t.grants.approve(expired.user_code, 'alice'))).toBe('expired');
    expect(await problem(t.grants.deny(expired.user_code))).toBe('expired');

    expect(await problem(t.grants.approve('BCDF-GHJK', 'alice'))).toBe('invalid');
    expect(await problem(t.grants.approve('not a code', 'alice'))).toBe('invalid');
    // What a page of your own may pass from a form it did not check (a missing or repeated field): no code.
    for (const odd of [undefined, null, 42, ['BCDF-GHJK'], { code: 'BCDF-GHJK' }]) {
      expect(await problem(t.grants.approve(odd as never, 'alice'))).toBe('invalid');
      expect(await problem(t.grants.deny(odd as never))).toBe('invalid');
      expect(await problem(t.grants.findPending(odd as never))).toBe('invalid');
    }
  });

  it('cannot widen the requested scope', async () => {
    const auth = await startAuthorization(t, { client_id: 'tv', scope: 'read' });
    expect(await problem(t.grants.approve(auth.user_code, 'alice', ['write']))).toBe(
      'scope_not_requested',
    );
    await expect(t.grants.approve(auth.user_code, 'alice', ['read'])).resolves.toBeTruthy();
  });
});

describe('device authorization endpoint errors', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t?.close());

  const authorize = (params: Record<string, string>) =>
    t.http.post('/oauth/device_authorization').type('form').send(form(params));

  it('invalid_scope for a scope the client may not request, or a malformed one', async () => {
    for (const scope of ['admin', 'read admin', 'read  write', 'a"b']) {
      const res = await authorize({ client_id: 'tv', scope });
      expect(oauthError(res.body), scope).toBe('invalid_scope');
      expect(res.status).toBe(400);
    }
  });

  it('unauthorized_client for a client without the device grant', async () => {
    const res = await authorize({ client_id: 'refresh-only' });
    expect(oauthError(res.body)).toBe('unauthorized_client');
    expect(res.status).toBe(400);
  });

  it('issues unique user codes and distinct device codes', async () => {
    const codes = await Promise.all(Array.from({ length: 10 }, () => startAuthorization(t)));
    expect(new Set(codes.map((c) => c.user_code)).size).toBe(10);
    expect(new Set(codes.map((c) => c.device_code)).size).toBe(10);
  });

  it('stores device and user codes only as keyed hashes, the user code normalised', async () => {
    const auth = await startAuthorization(t);
    const codes = t.app.get<DeviceCodeRepository>(DeviceCodeRepository);
    const hasher = t.app.get(CodeHasher);
    expect(await codes.findByDeviceCodeHash(auth.device_code)).toBeNull();
    // The storage key: the code's issue-time digits, then the keyed hash of the whole code.
    expect(await codes.findByDeviceCodeHash(hasher.hash(auth.device_code))).toBeNull();
    const stored = await codes.findByDeviceCodeHash(
      auth.device_code.slice(0, 12) + hasher.hash(auth.device_code),
    );
    expect(stored).not.toBeNull();
    expect(JSON.stringify(stored)).not.toContain(auth.device_code.slice(12));
    expect(JSON.stringify(stored)).not.toContain(auth.user_code.replace('-', ''));
    const byUserCode = await codes.findByUserCodeHash(hasher.hash(auth.user_code.replace('-', '')));
    expect(byUserCode?.id).toBe(stored!.id);
    expect(auth.device_code).toMatch(/^[0-9a-f]{12}[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(auth.device_code.slice(12), 'base64url')).toHaveLength(32);
  });

  it('omits verification_uri_complete when configured off', async () => {
    const off = await createTestApp({
      verificationUriComplete: false,
      verificationUri: 'https://tv.example/go',
    });
    try {
      const auth = await off.http
        .post('/oauth/device_authorization')
        .type('form')
        .send(form({ client_id: 'tv' }));
      expect(auth.body.verification_uri).toBe('https://tv.example/go');
      expect(auth.body).not.toHaveProperty('verification_uri_complete');
    } finally {
      await off.close();
    }
  });

  it('serves RFC 8414 metadata', async () => {
    const res = await t.http.get('/.well-known/oauth-authorization-server').expect(200);
    expect(res.body).toMatchObject({
      issuer: 'http://localhost:3000',
      device_authorization_endpoint: 'http://localhost:3000/oauth/device_authorization',
      token_endpoint: 'http://localhost:3000/oauth/token',
      grant_types_supported: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      // The test clients' scopes (RFC 8414 §2), in order of first appearance.
      scopes_supported: ['read', 'write', 'profile'],
    });
  });

  it('advertises the configured scopes_supported, or none', async () => {
    for (const [scopesSupported, expected] of [
      [
        ['openid', 'read'],
        ['openid', 'read'],
      ],
      [false, undefined],
    ] as const) {
      const other = await createTestApp({ scopesSupported: scopesSupported as string[] | false });
      try {
        const res = await other.http.get('/.well-known/oauth-authorization-server').expect(200);
        expect(res.body.scopes_supported).toEqual(expected);
      } finally {
        await other.close();
      }
    }
  });
});
