import { afterEach, describe, expect, it } from 'vitest';
import {
  DEVICE_CODE_GRANT_TYPE,
  type DeviceFlowModuleOptions,
  DeviceManagementService,
} from '../../libs/device-flow/src/index.js';
import { createTestApp, form, poll, refreshGrant, type TestApp } from '../support/test-app.js';

/**
 * `offline_access` is the user's choice of a refresh token: a device that asks for it and is refused it by the
 * user (unticked on the consent page) gets an access token only (OpenID Connect Core 1.0 §11).
 */
describe('offline access', () => {
  let t: TestApp;
  afterEach(() => t?.close());

  const clients: DeviceFlowModuleOptions['clients'] = [
    { clientId: 'tv', scopes: ['read', 'offline_access'] },
    {
      clientId: 'short-lived',
      grantTypes: [DEVICE_CODE_GRANT_TYPE],
      scopes: ['read', 'offline_access'],
    },
  ];

  /** Device authorization for `scope`, approved by alice with `granted`, then redeemed. */
  const redeem = async (clientId: string, scope: string, granted: string[]) => {
    const auth = await t.http
      .post('/oauth/device_authorization')
      .type('form')
      .send(form({ client_id: clientId, scope }))
      .expect(200);
    await t.grants.approve(auth.body.user_code, 'alice', granted);
    t.clock.advance(auth.body.interval * 1000);
    return (await poll(t, auth.body.device_code, { client_id: clientId }).expect(200)).body as {
      access_token: string;
      refresh_token?: string;
      scope?: string;
      expires_in: number;
    };
  };

  it('declined by the user: no refresh token, and the device is listed until its access token expires', async () => {
    t = await createTestApp({ clients });
    const tokens = await redeem('tv', 'read offline_access', ['read']);
    expect(tokens.scope).toBe('read');
    expect(tokens.refresh_token).toBeUndefined();
    expect(tokens.access_token).toEqual(expect.any(String));
    const [device] = await t.app.get(DeviceManagementService).listDevices('alice');
    expect(device.expiresAt).toBe(t.clock.now() + 3600 * 1000);
  });

  it('granted by the user: a refresh token that refreshes', async () => {
    t = await createTestApp({ clients });
    const tokens = await redeem('tv', 'read offline_access', ['read', 'offline_access']);
    expect(tokens.scope).toBe('read offline_access');
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const [device] = await t.app.get(DeviceManagementService).listDevices('alice');
    expect(device.expiresAt).toBe(t.clock.now() + 30 * 86400 * 1000);
    const refreshed = await refreshGrant(t, tokens.refresh_token!).expect(200);
    expect(refreshed.body.refresh_token).toEqual(expect.any(String));
  });

  it('not asked for: refresh tokens as the client is allowed them (the user had no choice to make)', async () => {
    t = await createTestApp({ clients });
    expect((await redeem('tv', 'read', ['read'])).refresh_token).toEqual(expect.any(String));
  });

  it('asked for by a client not allowed refresh tokens: ignored, so the user is not offered it and the scope says so', async () => {
    t = await createTestApp({ clients });
    const auth = await t.http
      .post('/oauth/device_authorization')
      .type('form')
      .send(form({ client_id: 'short-lived', scope: 'read offline_access' }))
      .expect(200);
    // Not among the scopes the user can grant (the consent page's boxes come from them).
    await expect(
      t.grants.approve(auth.body.user_code, 'alice', ['read', 'offline_access']),
    ).rejects.toMatchObject({ problem: 'scope_not_requested' });
    const tokens = await redeem('short-lived', 'read offline_access', ['read']);
    expect(tokens.scope).toBe('read');
    expect(tokens.refresh_token).toBeUndefined();
    // Alone, nothing could be granted, and a token response without `scope` would say all of it was
    // (RFC 6749 §5.1): refused at device authorization.
    const alone = await t.http
      .post('/oauth/device_authorization')
      .type('form')
      .send(form({ client_id: 'short-lived', scope: 'offline_access' }))
      .expect(400);
    expect(alone.body).toEqual({
      error: 'invalid_scope',
      error_description:
        'offline_access needs the refresh_token grant, which this client is not allowed',
    });
  });

  it('refused alone: another offlineAccessScope name likewise, and the refusal spends no issuance budget', async () => {
    t = await createTestApp({
      clients: [
        {
          clientId: 'short-lived',
          grantTypes: [DEVICE_CODE_GRANT_TYPE],
          scopes: ['read', 'stay'],
        },
      ],
      offlineAccessScope: 'stay',
      issuanceLimit: { limit: 1, windowSeconds: 600 },
    });
    const ask = (scope: string) =>
      t.http
        .post('/oauth/device_authorization')
        .type('form')
        .send(form({ client_id: 'short-lived', scope }));
    expect((await ask('stay').expect(400)).body.error_description).toBe(
      'stay needs the refresh_token grant, which this client is not allowed',
    );
    await ask('stay').expect(400);
    // The one code the budget allows is still there.
    await ask('read stay').expect(200);
    expect((await ask('read').expect(429)).body.error).toBe('temporarily_unavailable');
  });

  it('offlineAccessScope: false — the scope means nothing and the client gets refresh tokens', async () => {
    t = await createTestApp({ clients, offlineAccessScope: false });
    const tokens = await redeem('tv', 'read offline_access', ['read']);
    expect(tokens.refresh_token).toEqual(expect.any(String));
  });

  it('another name: offlineAccessScope decides which scope it is', async () => {
    t = await createTestApp({
      clients: [{ clientId: 'tv', scopes: ['read', 'stay', 'offline_access'] }],
      offlineAccessScope: 'stay',
    });
    expect((await redeem('tv', 'read stay', ['read'])).refresh_token).toBeUndefined();
    // offline_access is then an ordinary scope.
    const other = await redeem('tv', 'read offline_access', ['read']);
    expect(other.refresh_token).toEqual(expect.any(String));
  });
});
