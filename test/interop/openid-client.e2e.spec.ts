import * as client from 'openid-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../libs/device-flow/src/index.js';
import { type DemoServer, startDemoServer } from '../support/demo-server.js';
import { signInAndDecide } from '../support/verification-agent.js';

/**
 * Interoperability: the demo server (src/, as `npm start` runs it) driven by an independent, widely used client
 * library, openid-client v6 (on oauth4webapi), through its public API only. Everything the device does goes
 * through openid-client — discovery (RFC 8414), device authorization and polling (RFC 8628), refresh
 * (RFC 6749 §6), introspection (RFC 7662), revocation (RFC 7009), client authentication `none`,
 * `client_secret_basic` and `client_secret_post` — while the person approves or denies over HTTP on the
 * verification page, signing in with the demo's documented users. openid-client validates every response
 * (status, content type, required fields and their types, `WWW-Authenticate`); a response it rejects fails
 * the test.
 *
 * Time is real (openid-client sleeps between polls), so the server runs with a 1 s interval and a clock that is
 * the wall clock plus an offset the tests can move forward.
 */

/** The wall clock, plus an offset a test can move forward (to expire a code without waiting). */
class SkippableClock implements Clock {
  private offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
  skip(ms: number): void {
    this.offset += ms;
  }
}

/** The confidential demo client's secret, as documented in the README. */
const CONFIDENTIAL_SECRET = 'demo-confidential-secret';
const USER_CODE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;

let s: DemoServer<SkippableClock>;
beforeEach(async () => {
  s = await startDemoServer({ clock: new SkippableClock(), env: { DEVICE_FLOW_INTERVAL: '1' } });
});
afterEach(() => s?.close());

/** openid-client configured by discovery of the server's RFC 8414 metadata (the test server is plain http). */
function discover(clientId: string, auth: client.ClientAuth): Promise<client.Configuration> {
  return client.discovery(new URL(s.origin), clientId, undefined, auth, {
    algorithm: 'oauth2',
    execute: [client.allowInsecureRequests],
  });
}

/** One exchange openid-client had with the server, as seen on the wire. */
interface Exchange {
  path: string;
  authorization: string | undefined;
  requestBody: URLSearchParams;
  status: number;
  /** The response's `error` code, or `tokens` for a 200 of the token endpoint. */
  outcome: string;
  body: Record<string, unknown>;
}

/**
 * Records every request openid-client makes with this configuration (through its public `customFetch` hook,
 * passing everything on to the real `fetch` unchanged), to check what went over the wire.
 */
function wire(config: client.Configuration): Exchange[] {
  const log: Exchange[] = [];
  config[client.customFetch] = async (url, options) => {
    const res = await fetch(url, options);
    const text = await res.clone().text();
    const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    const headers = new Headers(options.headers);
    log.push({
      path: new URL(url).pathname,
      authorization: headers.get('authorization') ?? undefined,
      requestBody: new URLSearchParams(String(options.body ?? '')),
      status: res.status,
      outcome: typeof body.error === 'string' ? body.error : res.status === 200 ? 'tokens' : '?',
      body,
    });
    return res;
  };
  return log;
}

/** Waits (real time) until `probe` holds. */
async function until(what: string, probe: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The error a promise rejects with (fails when it fulfils). */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

/**
 * Device authorization and polling through openid-client while the person decides; the person acts once the
 * device has seen at least one `authorization_pending`, so the library's pending loop is exercised too.
 */
async function deviceFlow(
  config: client.Configuration,
  log: Exchange[],
  scope: string,
  user: 'alice' | 'bob',
  decision: 'approve' | 'deny',
  keep?: string[],
) {
  const auth = await client.initiateDeviceAuthorization(config, { scope });
  const polling = client.pollDeviceAuthorizationGrant(config, auth);
  polling.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
  await until('a pending poll', () => log.some((e) => e.outcome === 'authorization_pending'));
  await signInAndDecide(s.origin, auth, user, decision, keep);
  return { auth, polling };
}

/** Outcomes of the token endpoint in the log, in order. */
const polls = (log: Exchange[]) =>
  log.filter((e) => e.path === '/oauth/token').map((e) => e.outcome);

describe('openid-client v6 against the demo server', () => {
  it('discovers the endpoints from the RFC 8414 metadata', async () => {
    const config = await discover('demo-device', client.None());
    const meta = config.serverMetadata();
    expect(meta.issuer).toBe(s.origin);
    expect(meta).toMatchObject({
      device_authorization_endpoint: `${s.origin}/oauth/device_authorization`,
      token_endpoint: `${s.origin}/oauth/token`,
      introspection_endpoint: `${s.origin}/oauth/introspect`,
      revocation_endpoint: `${s.origin}/oauth/revoke`,
    });
    expect(meta.grant_types_supported).toEqual(
      expect.arrayContaining(['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token']),
    );
    for (const key of [
      'token_endpoint_auth_methods_supported',
      'introspection_endpoint_auth_methods_supported',
      'revocation_endpoint_auth_methods_supported',
    ] as const) {
      expect(meta[key]).toEqual(
        expect.arrayContaining(['none', 'client_secret_basic', 'client_secret_post']),
      );
    }
  });

  it('public client (none): device authorization, approval over HTTP, tokens; introspection; refresh and rotation', async () => {
    const config = await discover('demo-device', client.None());
    const log = wire(config);
    const { auth, polling } = await deviceFlow(config, log, 'read profile', 'alice', 'approve');
    expect(auth.user_code).toMatch(USER_CODE);
    expect(auth.verification_uri).toBe(`${s.origin}/device`);
    expect(new URL(auth.verification_uri_complete!).searchParams.get('user_code')).toBe(
      auth.user_code,
    );
    expect(auth.expires_in).toBe(1800);
    expect(auth.interval).toBe(1);
    // Public client: client_id in the body, no Authorization header, no secret.
    expect(log[0]!.path).toBe('/oauth/device_authorization');
    expect(log[0]!.authorization).toBeUndefined();
    expect(log[0]!.requestBody.get('client_id')).toBe('demo-device');
    expect(log[0]!.requestBody.has('client_secret')).toBe(false);

    const tokens = await polling;
    expect(tokens.token_type).toBe('bearer'); // openid-client lower-cases the server's "Bearer"
    expect(tokens.access_token).toMatch(/^\S{20,}$/);
    expect(tokens.refresh_token).toMatch(/^\S{20,}$/);
    expect(tokens.refresh_token).not.toBe(tokens.access_token);
    expect(tokens.scope).toBe('read profile');
    expect(tokens.expiresIn()).toBeGreaterThan(3500);
    expect(tokens.expiresIn()).toBeLessThanOrEqual(3600);
    expect(tokens.claims()).toBeUndefined(); // no id_token: plain OAuth
    // openid-client polled at the advertised interval: pending answers, never slow_down, then the tokens.
    const outcomes = polls(log);
    expect(outcomes.at(-1)).toBe('tokens');
    expect(outcomes.slice(0, -1).length).toBeGreaterThan(0);
    expect(new Set(outcomes.slice(0, -1))).toEqual(new Set(['authorization_pending']));

    const info = await client.tokenIntrospection(config, tokens.access_token);
    expect(info).toMatchObject({
      active: true,
      client_id: 'demo-device',
      sub: 'alice',
      scope: 'read profile',
      token_type: 'Bearer',
      iss: s.origin,
    });
    expect(info.exp! - Math.floor(Date.now() / 1000)).toBeGreaterThan(3500);

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.token_type).toBe('bearer');
    expect(refreshed.scope).toBe('read profile');
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.refresh_token).toMatch(/^\S{20,}$/);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(await client.tokenIntrospection(config, refreshed.access_token)).toMatchObject({
      active: true,
      sub: 'alice',
    });

    // The spent refresh token comes back: invalid_grant, and the whole grant is revoked (RFC 9700 §4.14.2).
    const reuse = await rejection(client.refreshTokenGrant(config, tokens.refresh_token!));
    expect(reuse).toBeInstanceOf(client.ResponseBodyError);
    expect(reuse).toMatchObject({ error: 'invalid_grant', status: 400 });
    expect(await client.tokenIntrospection(config, refreshed.access_token)).toEqual({
      active: false,
    });
  });

  it('confidential client (client_secret_basic): narrowed consent; revoking the access token leaves the refresh token', async () => {
    const config = await discover(
      'demo-confidential',
      client.ClientSecretBasic(CONFIDENTIAL_SECRET),
    );
    const log = wire(config);
    const { polling } = await deviceFlow(config, log, 'read write', 'bob', 'approve', ['read']);
    // openid-client form-encodes id and secret before base64 (RFC 6749 §2.3.1), even "-" (as %2D): the server
    // must decode them, not compare the raw header.
    expect(log.length).toBeGreaterThan(1);
    for (const e of log) {
      const [scheme, encoded] = e.authorization!.split(' ');
      expect(scheme).toBe('Basic');
      const raw = Buffer.from(encoded!, 'base64').toString('utf8');
      expect(raw).toBe('demo%2Dconfidential:demo%2Dconfidential%2Dsecret');
      expect(raw.split(':').map(decodeURIComponent)).toEqual([
        'demo-confidential',
        CONFIDENTIAL_SECRET,
      ]);
      expect(e.requestBody.has('client_secret')).toBe(false);
    }
    // It also puts client_id in the device authorization request's body (RFC 8628 §3.1), beside the header: the
    // server accepts it since it names the same client.
    expect(log[0]!.path).toBe('/oauth/device_authorization');
    expect(log[0]!.requestBody.get('client_id')).toBe('demo-confidential');

    const tokens = await polling;
    expect(tokens.scope).toBe('read'); // bob unticked "write"
    expect(polls(log).at(-1)).toBe('tokens');

    expect(await client.tokenIntrospection(config, tokens.access_token)).toMatchObject({
      active: true,
      client_id: 'demo-confidential',
      sub: 'bob',
      scope: 'read',
    });

    await client.tokenRevocation(config, tokens.access_token, { token_type_hint: 'access_token' });
    expect(log.at(-1)).toMatchObject({ path: '/oauth/revoke', status: 200 });
    expect(await client.tokenIntrospection(config, tokens.access_token)).toEqual({
      active: false,
    });
    // Revoking an access token kills that token only.
    expect(
      await client.tokenIntrospection(config, tokens.refresh_token!, {
        token_type_hint: 'refresh_token',
      }),
    ).toMatchObject({ active: true, client_id: 'demo-confidential', sub: 'bob' });
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.scope).toBe('read');
    expect(await client.tokenIntrospection(config, refreshed.access_token)).toMatchObject({
      active: true,
    });
    // Revoking an unknown or already revoked token is still a 200 (RFC 7009 §2.2).
    await client.tokenRevocation(config, tokens.access_token);
    expect(log.at(-1)).toMatchObject({ path: '/oauth/revoke', status: 200 });
  });

  it('confidential client (client_secret_post): revoking the refresh token kills the grant', async () => {
    const config = await discover(
      'demo-confidential',
      client.ClientSecretPost(CONFIDENTIAL_SECRET),
    );
    const log = wire(config);
    const { polling } = await deviceFlow(config, log, 'read profile email', 'alice', 'approve');
    expect(log.length).toBeGreaterThan(1);
    for (const e of log) {
      expect(e.authorization).toBeUndefined();
      expect(e.requestBody.get('client_id')).toBe('demo-confidential');
      expect(e.requestBody.get('client_secret')).toBe(CONFIDENTIAL_SECRET);
    }
    const tokens = await polling;
    expect(tokens.scope).toBe('read profile email');

    await client.tokenRevocation(config, tokens.refresh_token!, {
      token_type_hint: 'refresh_token',
    });
    expect(await client.tokenIntrospection(config, tokens.access_token)).toEqual({
      active: false,
    });
    expect(await client.tokenIntrospection(config, tokens.refresh_token!)).toEqual({
      active: false,
    });
    const refresh = await rejection(client.refreshTokenGrant(config, tokens.refresh_token!));
    expect(refresh).toBeInstanceOf(client.ResponseBodyError);
    expect(refresh).toMatchObject({ error: 'invalid_grant', status: 400 });
  });

  it('the person denies: polling ends with ResponseBodyError access_denied', async () => {
    const config = await discover('demo-device', client.None());
    const log = wire(config);
    const { polling } = await deviceFlow(config, log, 'read', 'bob', 'deny');
    const err = await rejection(polling);
    expect(err).toBeInstanceOf(client.ResponseBodyError);
    expect(err).toMatchObject({ error: 'access_denied', status: 400 });
    expect(polls(log).at(-1)).toBe('access_denied');
  });

  it('an expired device code: ResponseBodyError expired_token, polling stops', async () => {
    const config = await discover('demo-device', client.None());
    const log = wire(config);
    const auth = await client.initiateDeviceAuthorization(config, { scope: 'read' });
    s.clock.skip(auth.expires_in * 1000);
    const err = await rejection(client.pollDeviceAuthorizationGrant(config, auth));
    expect(err).toBeInstanceOf(client.ResponseBodyError);
    expect(err).toMatchObject({ error: 'expired_token', status: 400 });
    expect(polls(log)).toEqual(['expired_token']);
  });

  it("an unknown device code, or another client's: ResponseBodyError invalid_grant", async () => {
    const device = await discover('demo-device', client.None());
    const auth = await client.initiateDeviceAuthorization(device, { scope: 'read' });
    const unknown = await rejection(
      client.pollDeviceAuthorizationGrant(device, { ...auth, device_code: 'A'.repeat(43) }),
    );
    expect(unknown).toBeInstanceOf(client.ResponseBodyError);
    expect(unknown).toMatchObject({ error: 'invalid_grant', status: 400 });

    const other = await discover('demo-confidential', client.ClientSecretPost(CONFIDENTIAL_SECRET));
    const stolen = await rejection(client.pollDeviceAuthorizationGrant(other, auth));
    expect(stolen).toBeInstanceOf(client.ResponseBodyError);
    expect(stolen).toMatchObject({ error: 'invalid_grant', status: 400 });
  });

  describe('client authentication failures are invalid_client (RFC 6749 §5.2)', () => {
    /** One request to each endpoint that authenticates the client. */
    const everyEndpoint = (config: client.Configuration) => [
      () => client.initiateDeviceAuthorization(config, { scope: 'read' }),
      () => client.refreshTokenGrant(config, 'some-refresh-token'),
      () => client.tokenIntrospection(config, 'some-token'),
      () => client.tokenRevocation(config, 'some-token'),
    ];

    /**
     * `invalid_client` as openid-client surfaces it: every 401 carries a Basic challenge (RFC 6749 §5.2 when
     * the header was used, RFC 9110 §15.5.2 always), so it raises the challenge, with the body's error on its
     * response, not a ResponseBodyError.
     */
    const expectInvalidClient = async (err: unknown) => {
      expect(err).toBeInstanceOf(client.WWWAuthenticateChallengeError);
      const challenge = err as client.WWWAuthenticateChallengeError;
      expect(challenge.status).toBe(401);
      expect(challenge.cause).toEqual([{ scheme: 'basic', parameters: { realm: 'device-flow' } }]);
      expect(challenge.response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await challenge.response.json()).toMatchObject({ error: 'invalid_client' });
    };

    it('client_secret_basic with a wrong secret: 401 with a Basic challenge, on every endpoint', async () => {
      const config = await discover(
        'demo-confidential',
        client.ClientSecretBasic('not-the-secret'),
      );
      for (const attempt of everyEndpoint(config))
        await expectInvalidClient(await rejection(attempt()));
    });

    it('client_secret_post with a wrong secret: the same 401 and challenge, on every endpoint', async () => {
      const config = await discover('demo-confidential', client.ClientSecretPost('not-the-secret'));
      for (const attempt of everyEndpoint(config))
        await expectInvalidClient(await rejection(attempt()));
    });

    it('a confidential client without its secret (none), or a public client with one: invalid_client', async () => {
      const noSecret = await discover('demo-confidential', client.None());
      await expectInvalidClient(
        await rejection(client.initiateDeviceAuthorization(noSecret, { scope: 'read' })),
      );
      const withSecret = await discover('demo-device', client.ClientSecretPost('made-up'));
      await expectInvalidClient(
        await rejection(client.initiateDeviceAuthorization(withSecret, { scope: 'read' })),
      );
    });
  });

  it('a client polling faster than the interval gets slow_down, which openid-client honours by backing off', async () => {
    const config = await discover('demo-device', client.None());
    const log = wire(config);
    const auth = await client.initiateDeviceAuthorization(config, { scope: 'read' });
    // A misbehaving device: told the interval is 0, openid-client polls back to back until slowed down; it then
    // adds 5 s to its interval (RFC 8628 §3.5). The signal ends the wait; the abort is seen when it is over.
    const started = Date.now();
    const err = await rejection(
      client.pollDeviceAuthorizationGrant(config, { ...auth, interval: 0 }, undefined, {
        signal: AbortSignal.timeout(1000),
      }),
    );
    expect(err).toBeInstanceOf(client.ClientError);
    expect(err).toMatchObject({ code: 'OAUTH_TIMEOUT' });
    const outcomes = polls(log);
    expect(outcomes.at(-1)).toBe('slow_down');
    expect(new Set(outcomes.slice(0, -1))).toEqual(new Set(['authorization_pending']));
    expect(outcomes.length).toBeLessThanOrEqual(2);
    const slowDown = log.at(-1)!;
    expect(slowDown.status).toBe(400);
    expect(slowDown.body.error_description).toMatch(/wait 6 seconds/); // 1 s + 5 s, persisted
    // No poll during the 5 s openid-client waited after slow_down.
    expect(Date.now() - started).toBeGreaterThanOrEqual(4900);
  });
});
