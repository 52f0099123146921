import { afterEach, describe, expect, it } from 'vitest';
import {
  DeviceFlowClient,
  type DeviceFlowClientOptions,
  VirtualClock,
} from '../../libs/device-flow-client/src/index.js';
import { createListeningTestApp, type ListeningTestApp } from '../support/listening-app.js';
import { CONFIDENTIAL_SECRET } from '../support/test-app.js';

/**
 * The client library against the module's own server over real HTTP. The client runs in virtual time and
 * every client sleep moves the server's ManualClock by the same amount, so both agree on what time it is.
 */
describe('device-flow-client against the module', () => {
  let t: ListeningTestApp;
  afterEach(() => t?.close());

  async function setUp(
    options: Parameters<typeof createListeningTestApp>[0] = {},
    skew: (sleepIndex: number, ms: number) => number = (_, ms) => ms,
    extras: Parameters<typeof createListeningTestApp>[1] = {},
  ) {
    t = await createListeningTestApp(options, extras);
    const clock = new VirtualClock(0, (ms) => t.clock.advance(skew(clock.sleeps.length, ms)));
    const client = (o: Partial<DeviceFlowClientOptions> = {}) =>
      new DeviceFlowClient({ issuer: t.url, clientId: 'tv', clock, ...o });
    return { clock, client };
  }

  it('discovers the endpoints, waits for approval and receives tokens', async () => {
    const { client, clock } = await setUp();
    const c = client({ userAgent: 'e2e-tv/1.0' });
    expect(await c.endpoints()).toEqual({
      deviceAuthorizationEndpoint: `${t.url}/oauth/device_authorization`,
      tokenEndpoint: `${t.url}/oauth/token`,
    });
    let polls = 0;
    const result = await c.authorize({
      scope: 'read write',
      onAuthorization: (a) => {
        lastUserCode = a.user_code;
        expect(a.verification_uri).toBe(`${t.url}/device`);
        expect(a.verification_uri_complete).toBe(`${t.url}/device?user_code=${a.user_code}`);
      },
      onPoll: async () => {
        if (++polls === 2) await approveLatest();
      },
    });
    expect(result).toMatchObject({
      status: 'approved',
      token: { token_type: 'Bearer', scope: 'read write', expires_in: 3600 },
    });
    expect(clock.sleeps).toEqual([5000, 5000, 5000]);
  });

  async function approveLatest(): Promise<void> {
    await t.grants.approve(lastUserCode!, 'alice');
  }
  let lastUserCode: string | undefined;

  it('authenticates a confidential client with client_secret_basic and client_secret_post', async () => {
    const { client } = await setUp();
    for (const authMethod of ['client_secret_basic', 'client_secret_post'] as const) {
      const c = client({ clientId: 'secret-tv', clientSecret: CONFIDENTIAL_SECRET, authMethod });
      const auth = await c.requestAuthorization({ scope: 'read' });
      await t.grants.approve(auth.user_code, 'bob');
      expect(await c.pollForToken(auth)).toMatchObject({
        status: 'approved',
        token: { scope: 'read' },
      });
    }
    const wrong = client({ clientId: 'secret-tv', clientSecret: 'wrong-secret' });
    await expect(wrong.requestAuthorization()).rejects.toMatchObject({
      kind: 'oauth',
      oauthError: 'invalid_client',
      details: { status: 401 },
    });
  });

  it('follows the server through a slow_down: both sides then use interval + 5 s', async () => {
    // The second wait is seen by the server as half as long: that poll is early and earns a slow_down.
    const { client, clock } = await setUp({}, (i, ms) => (i === 2 ? ms / 2 : ms));
    const c = client();
    const auth = await c.requestAuthorization();
    lastUserCode = auth.user_code;
    const events: string[] = [];
    const result = await c.pollForToken(auth, {
      onPoll: async (e) => {
        events.push(e.type);
        if (events.length === 3) await approveLatest();
      },
    });
    expect(events).toEqual(['pending', 'slow_down', 'pending']);
    expect(result.status).toBe('approved');
    expect(clock.sleeps).toEqual([5000, 5000, 10_000, 10_000]);
  });

  it('returns denied when the user denies', async () => {
    const { client } = await setUp();
    const c = client();
    const auth = await c.requestAuthorization();
    await t.grants.deny(auth.user_code);
    expect(await c.pollForToken(auth)).toMatchObject({
      status: 'denied',
      error: { error: 'access_denied' },
    });
  });

  it('returns expired with the server error when the server says expired_token', async () => {
    const { client } = await setUp({ expiresIn: 60 });
    const c = client();
    const auth = await c.requestAuthorization();
    t.clock.advance(61_000); // the server's time runs ahead of the device's
    expect(await c.pollForToken(auth)).toEqual({
      status: 'expired',
      error: { error: 'expired_token', error_description: expect.any(String) },
    });
  });

  it('stops by itself when expires_in passes without a decision', async () => {
    const { client, clock } = await setUp({ expiresIn: 60 });
    const c = client();
    const auth = await c.requestAuthorization();
    expect(await c.pollForToken(auth)).toEqual({ status: 'expired' });
    expect(clock.now()).toBe(60_000);
  });

  it('finds endpoints mounted on custom routes through the metadata', async () => {
    const routes = { deviceAuthorization: '/api/device', token: '/api/token' };
    const { client } = await setUp({}, undefined, { routes });
    const c = client();
    expect(await c.endpoints()).toEqual({
      deviceAuthorizationEndpoint: `${t.url}/api/device`,
      tokenEndpoint: `${t.url}/api/token`,
    });
    const auth = await c.requestAuthorization();
    await t.grants.approve(auth.user_code, 'dave');
    expect((await c.pollForToken(auth)).status).toBe('approved');
  });
});
