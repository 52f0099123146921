import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeOAuthServer, type FakeReply } from '../../../test/support/fake-oauth-server.js';
import { VirtualClock } from './clock.js';
import {
  DEVICE_CODE_GRANT_TYPE,
  DeviceFlowClient,
  type DeviceFlowClientOptions,
} from './device-flow-client.js';
import { DeviceFlowError } from './errors.js';
import { mayHaveBeenReceived } from './http.js';
import type { DeviceAuthorization } from './types.js';

const AUTH: DeviceAuthorization = {
  device_code: 'dc-123',
  user_code: 'WDJB-MJHT',
  verification_uri: 'http://example.test/device',
  expires_in: 600,
  interval: 5,
};
const TOKEN = { access_token: 'at', token_type: 'Bearer', expires_in: 3600 };
const pending: FakeReply = { status: 400, json: { error: 'authorization_pending' } };
const slowDown: FakeReply = { status: 400, json: { error: 'slow_down' } };
const ok: FakeReply = { status: 200, json: TOKEN };

describe('DeviceFlowClient (fake server)', () => {
  let server: FakeOAuthServer;
  let clock: VirtualClock;
  beforeEach(async () => {
    server = await FakeOAuthServer.start();
    clock = new VirtualClock();
  });
  afterEach(() => server.close());

  const client = (o: Partial<DeviceFlowClientOptions> = {}) =>
    new DeviceFlowClient({
      clientId: 'tv',
      clock,
      endpoints: {
        deviceAuthorizationEndpoint: `${server.url}/da`,
        tokenEndpoint: `${server.url}/token`,
      },
      ...o,
    });

  describe('discovery (RFC 8414)', () => {
    const metadata = (issuer: string) => ({
      issuer,
      device_authorization_endpoint: `${server.url}/da`,
      token_endpoint: `${server.url}/token`,
    });

    it('reads endpoints from the well-known URL, inserted before the issuer path (§3.1)', async () => {
      const issuer = `${server.url}/tenant/a`;
      server.script('/.well-known/oauth-authorization-server/tenant/a', {
        status: 200,
        json: metadata(issuer),
      });
      server.script('/da', { status: 200, json: AUTH });
      const c = new DeviceFlowClient({ clientId: 'tv', issuer, clock });
      await expect(c.requestAuthorization()).resolves.toEqual(AUTH);
      await c.endpoints();
      expect(server.to('/.well-known/oauth-authorization-server/tenant/a')).toHaveLength(1);
    });

    it('refuses metadata whose issuer differs (§3.3)', async () => {
      server.script('/.well-known/oauth-authorization-server', {
        status: 200,
        json: metadata('https://evil.test'),
      });
      const c = new DeviceFlowClient({ clientId: 'tv', issuer: server.url, clock });
      await expect(c.endpoints()).rejects.toMatchObject({
        kind: 'discovery',
        message: /does not match/,
      });
    });

    it('says so when the server has no device authorization endpoint', async () => {
      const { device_authorization_endpoint: _, ...noDevice } = metadata(server.url);
      server.script('/.well-known/oauth-authorization-server', { status: 200, json: noDevice });
      const c = new DeviceFlowClient({ clientId: 'tv', issuer: server.url, clock });
      await expect(c.endpoints()).rejects.toMatchObject({
        kind: 'discovery',
        message: /no device_authorization_endpoint/,
      });
    });

    it('reports a missing metadata document, then retries discovery on the next call', async () => {
      const c = new DeviceFlowClient({ clientId: 'tv', issuer: server.url, clock });
      await expect(c.endpoints()).rejects.toMatchObject({
        kind: 'discovery',
        message: /give the endpoints/,
      });
      server.script('/.well-known/oauth-authorization-server', {
        status: 200,
        json: metadata(server.url),
      });
      await expect(c.endpoints()).resolves.toEqual({
        deviceAuthorizationEndpoint: `${server.url}/da`,
        tokenEndpoint: `${server.url}/token`,
      });
    });

    it('uses explicit endpoints without discovery, and lets them override discovered ones', async () => {
      await client({ issuer: server.url }).endpoints();
      expect(server.requests).toHaveLength(0);
      server.script('/.well-known/oauth-authorization-server', {
        status: 200,
        json: metadata(server.url),
      });
      const c = client({ issuer: server.url, endpoints: { tokenEndpoint: 'http://other.test/t' } });
      await expect(c.endpoints()).resolves.toEqual({
        deviceAuthorizationEndpoint: `${server.url}/da`,
        tokenEndpoint: 'http://other.test/t',
      });
    });
  });

  describe('client authentication (RFC 6749 §2.3.1)', () => {
    it('sends client_id in the body for a public client', async () => {
      server.script('/da', { status: 200, json: AUTH });
      await client().requestAuthorization({ scope: 'read write' });
      const [req] = server.to('/da');
      expect(req!.form).toEqual({ client_id: 'tv', scope: 'read write' });
      expect(req!.headers.authorization).toBeUndefined();
      expect(req!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    });

    it('uses HTTP Basic with form-encoded id and secret by default for a confidential client', async () => {
      server.script('/da', { status: 200, json: AUTH });
      await client({ clientId: 'a b', clientSecret: 's:é' }).requestAuthorization();
      const [req] = server.to('/da');
      const decoded = Buffer.from(req!.headers.authorization!.slice(6), 'base64').toString();
      expect(decoded).toBe('a+b:s%3A%C3%A9');
      expect(req!.form).toEqual({});
    });

    it('puts the secret in the body with client_secret_post', async () => {
      server.script('/token', ok);
      const c = client({ clientSecret: 'sec', authMethod: 'client_secret_post' });
      await c.pollForToken(AUTH);
      expect(server.to('/token')[0]!.form).toEqual({
        client_id: 'tv',
        client_secret: 'sec',
        grant_type: DEVICE_CODE_GRANT_TYPE,
        device_code: 'dc-123',
      });
    });
  });

  describe('device authorization request', () => {
    it('throws an oauth DeviceFlowError for an error response', async () => {
      server.script('/da', {
        status: 401,
        json: { error: 'invalid_client', error_description: 'unknown client' },
      });
      const e = await client()
        .requestAuthorization()
        .catch((x: unknown) => x);
      expect(e).toBeInstanceOf(DeviceFlowError);
      expect(e).toMatchObject({
        kind: 'oauth',
        oauthError: 'invalid_client',
        details: { status: 401 },
      });
    });

    it('retries 503 and network drops with back-off', async () => {
      server.script(
        '/da',
        { status: 503, json: { error: 'temporarily_unavailable' } },
        { drop: true },
        {
          status: 200,
          json: AUTH,
        },
      );
      await expect(client().requestAuthorization()).resolves.toEqual(AUTH);
      expect(server.to('/da')).toHaveLength(3);
      expect(clock.sleeps).toEqual([1000, 2000]);
    });

    it('refuses a response without the required members (§3.2)', async () => {
      server.script('/da', {
        status: 200,
        json: { ...AUTH, verification_uri: 'javascript:alert(1)' },
      });
      await expect(client().requestAuthorization()).rejects.toMatchObject({
        kind: 'invalid_response',
      });
    });
  });

  describe('polling (RFC 8628 §3.4, §3.5)', () => {
    it('waits the interval before each poll and adds 5 s for every slow_down', async () => {
      server.script('/token', pending, slowDown, slowDown, pending, ok);
      const events: string[] = [];
      const result = await client().pollForToken(AUTH, {
        onPoll: (e) => void events.push(`${e.type}:${'intervalMs' in e ? e.intervalMs : ''}`),
      });
      expect(result).toEqual({ status: 'approved', token: TOKEN });
      expect(clock.sleeps).toEqual([5000, 5000, 10_000, 15_000, 15_000]);
      expect(events).toEqual([
        'pending:5000',
        'slow_down:10000',
        'slow_down:15000',
        'pending:15000',
      ]);
      expect(server.to('/token').every((r) => r.form.device_code === 'dc-123')).toBe(true);
    });

    it('polls every 5 s when the server sends no interval', async () => {
      server.script('/token', pending, ok);
      const { interval: _, ...noInterval } = AUTH;
      await client().pollForToken(noInterval);
      expect(clock.sleeps).toEqual([5000, 5000]);
    });

    it('keeps the same device code through 500s, dropped connections and 503 Retry-After', async () => {
      server.script(
        '/token',
        pending,
        { status: 500, json: { error: 'server_error' } },
        { drop: true },
        {
          status: 503,
          json: { error: 'temporarily_unavailable' },
          headers: { 'Retry-After': '45' },
        },
        { status: 502, text: '<html>bad gateway</html>' },
        pending,
        ok,
      );
      const retries: number[] = [];
      const result = await client().pollForToken(AUTH, {
        onPoll: (e) => void (e.type === 'retry' && retries.push(e.attempt)),
      });
      expect(result.status).toBe('approved');
      // interval 5 s; failure n waits interval·2^n (capped at 60 s), or Retry-After if longer.
      expect(clock.sleeps).toEqual([5000, 5000, 10_000, 20_000, 45_000, 60_000, 5000]);
      expect(retries).toEqual([1, 2, 3, 4]);
      const codes = new Set(server.to('/token').map((r) => r.form.device_code));
      expect(codes).toEqual(new Set(['dc-123']));
    });

    it('gives up after maxRetries consecutive failures with a network error', async () => {
      server.script('/token', { drop: true });
      const result = await client({ retry: { maxRetries: 2 } }).pollForToken(AUTH);
      expect(result.status).toBe('error');
      expect(result.status === 'error' && result.error.kind).toBe('network');
      expect(server.to('/token')).toHaveLength(3);
    });

    it('treats a hung request as a failure after requestTimeoutMs, then retries', async () => {
      server.script('/token', { hang: true }, ok);
      const result = await client({ requestTimeoutMs: 200 }).pollForToken(AUTH);
      expect(result.status).toBe('approved');
      expect(server.to('/token')).toHaveLength(2);
    });

    it.each([
      [{ status: 400, json: { error: 'access_denied' } }, 'denied'],
      [{ status: 400, json: { error: 'expired_token' } }, 'expired'],
    ] as const)('stops on %j', async (reply, status) => {
      server.script('/token', pending, reply);
      const result = await client().pollForToken(AUTH);
      expect(result).toEqual({ status, error: reply.json });
      expect(server.to('/token')).toHaveLength(2);
    });

    it('stops with a typed error on any other OAuth error', async () => {
      server.script('/token', {
        status: 400,
        json: { error: 'invalid_grant', error_description: 'used' },
      });
      const result = await client().pollForToken(AUTH);
      expect(result.status === 'error' && result.error.toJSON()).toEqual({
        kind: 'oauth',
        message: 'token request: invalid_grant: used',
        status: 400,
        oauth: { error: 'invalid_grant', error_description: 'used' },
      });
    });

    it('invalid_grant right after a poll whose answer was lost: says the tokens were most likely in that answer', async () => {
      const refused = { error: 'invalid_grant', error_description: 'device code was already used' };
      server.script('/token', pending, { drop: true }, { status: 400, json: refused });
      const result = await client().pollForToken(AUTH);
      expect(result.status).toBe('error');
      const error = result.status === 'error' ? result.error : undefined;
      expect(error?.kind).toBe('oauth');
      expect(error?.oauthError).toBe('invalid_grant');
      expect(error?.message).toMatch(
        /^token request: the answer to a poll was lost \(.+\) and the server now refuses the device code \(invalid_grant: device code was already used\): it most likely issued the tokens in that lost answer; start the sign-in again$/,
      );
      // After an answer between (pending: the code was not spent then) or an answered failure (a 503), plain.
      server.script('/token', { drop: true }, pending, { status: 400, json: refused });
      const later = await client().pollForToken(AUTH);
      expect(later.status === 'error' && later.error.message).toBe(
        'token request: invalid_grant: device code was already used',
      );
      server.script(
        '/token',
        { status: 503, json: { error: 'temporarily_unavailable' } },
        {
          status: 400,
          json: refused,
        },
      );
      const plain = await client().pollForToken(AUTH);
      expect(plain.status === 'error' && plain.error.message).toBe(
        'token request: invalid_grant: device code was already used',
      );
    });

    it('stops with an http error on a non-OAuth 4xx and an invalid_response on a bad 200', async () => {
      server.script('/token', { status: 404, text: 'nope' });
      expect(await client().pollForToken(AUTH)).toMatchObject({
        status: 'error',
        error: { kind: 'http' },
      });
      server.script('/token', { status: 200, json: { token_type: 'Bearer' } });
      expect(await client().pollForToken(AUTH)).toMatchObject({
        status: 'error',
        error: { kind: 'invalid_response' },
      });
    });

    it('stops at expires_in without polling an expired code', async () => {
      server.script('/token', pending);
      const result = await client().pollForToken({ ...AUTH, expires_in: 12 });
      expect(result).toEqual({ status: 'expired' });
      expect(server.to('/token')).toHaveLength(2);
      expect(clock.sleeps).toEqual([5000, 5000, 2000]);
    });

    it('counts expires_in from receivedAt', async () => {
      server.script('/token', pending);
      const result = await client().pollForToken(
        { ...AUTH, expires_in: 12 },
        { receivedAt: -6000 },
      );
      expect(result).toEqual({ status: 'expired' });
      expect(server.to('/token')).toHaveLength(1);
    });

    it('stops at the caller timeout', async () => {
      server.script('/token', pending);
      const result = await client().pollForToken(AUTH, { timeoutMs: 16_000 });
      expect(result).toEqual({ status: 'timeout' });
      expect(server.to('/token')).toHaveLength(3);
      expect(clock.now()).toBe(16_000);
    });

    it('stops when the signal aborts between polls', async () => {
      server.script('/token', pending);
      const ac = new AbortController();
      const result = await client().pollForToken(AUTH, {
        signal: ac.signal,
        onPoll: () => ac.abort(new Error('user pressed Ctrl-C')),
      });
      expect(result).toMatchObject({
        status: 'aborted',
        reason: { message: 'user pressed Ctrl-C' },
      });
      expect(server.to('/token')).toHaveLength(1);
    });

    it('stops when the signal aborts during a request', async () => {
      server.script('/token', { hang: true });
      const ac = new AbortController();
      const polling = client().pollForToken(AUTH, { signal: ac.signal });
      while (server.to('/token').length === 0) await new Promise((r) => setTimeout(r, 5));
      ac.abort();
      await expect(polling).resolves.toMatchObject({ status: 'aborted' });
    });
  });

  it('authorize() runs both steps and hands the codes over before polling', async () => {
    server.script('/da', { status: 200, json: AUTH });
    server.script('/token', pending, ok);
    const shown: string[] = [];
    const result = await client().authorize({
      scope: 'read',
      onAuthorization: (a) => void shown.push(a.user_code),
    });
    expect(shown).toEqual(['WDJB-MJHT']);
    expect(result.status).toBe('approved');
  });

  it('authorize() returns an error result when the code request fails', async () => {
    server.script('/da', { status: 400, json: { error: 'invalid_scope' } });
    const result = await client().authorize({ onAuthorization: () => {} });
    expect(result).toMatchObject({
      status: 'error',
      error: { kind: 'oauth', oauthError: 'invalid_scope' },
    });
  });
});

describe('mayHaveBeenReceived', () => {
  const network = (code?: string) => ({
    type: 'retryable' as const,
    reason: 'network error',
    cause: Object.assign(new TypeError('fetch failed'), code ? { cause: { code } } : {}),
  });

  it('a request that never left (refused, no such host, no route, connect timeout) cannot have been seen', () => {
    for (const code of [
      'ECONNREFUSED',
      'ENOTFOUND',
      'EAI_AGAIN',
      'EHOSTUNREACH',
      'UND_ERR_CONNECT_TIMEOUT',
    ])
      expect(mayHaveBeenReceived(network(code)), code).toBe(false);
  });

  it('a dropped connection or a timeout after sending may have reached the server; an HTTP answer is an answer', () => {
    for (const code of ['ECONNRESET', 'UND_ERR_SOCKET', undefined])
      expect(mayHaveBeenReceived(network(code)), String(code)).toBe(true);
    expect(mayHaveBeenReceived({ type: 'retryable', reason: 'HTTP 503', status: 503 })).toBe(false);
  });
});
