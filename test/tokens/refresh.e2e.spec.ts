import { afterEach, describe, expect, it } from 'vitest';
import {
  type DeviceFlowEvent,
  DeviceManagementService,
  type TokenRecord,
  TokenRepository,
} from '../../libs/device-flow/src/index.js';
import { obtainTokens } from '../support/demo-app.js';
import {
  createTestApp,
  form,
  type TestApp,
  introspectAs,
  recordEvents,
  refreshGrant,
} from '../support/test-app.js';

describe.each(['opaque', 'jwt'] as const)('refresh tokens (%s access tokens)', (format) => {
  let t: TestApp;
  let events: DeviceFlowEvent[];
  afterEach(() => t?.close());

  const start = async () => {
    t = await createTestApp({ accessTokenFormat: format });
    events = recordEvents(t);
  };
  const refresh = (refreshToken: string, extra: Record<string, string> = {}) =>
    refreshGrant(t, refreshToken, extra);
  const introspect = (token: string) => introspectAs(t, token);

  it('rotates the refresh token on every use; a narrower scope is allowed, a wider one is not', async () => {
    await start();
    const first = await obtainTokens(t, { clientId: 'tv', scope: 'read write' });
    t.clock.advance(60_000);
    const second = (await refresh(first.refresh_token!, { scope: 'read' }).expect(200)).body;
    const [device] = await t.app.get(DeviceManagementService).listDevices('alice');
    expect(device).toMatchObject({
      lastUsedAt: t.clock.now(),
      expiresAt: t.clock.now() + 30 * 86400 * 1000,
    });
    expect(device.authorizedAt).toBe(t.clock.now() - 60_000);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
    expect(second.scope).toBe('read');
    // The new refresh token keeps the original grant's scope.
    expect((await introspect(second.refresh_token)).body).toMatchObject({
      active: true,
      scope: 'read write',
    });
    expect((await introspect(first.refresh_token!)).body).toEqual({ active: false });
    const wider = await refresh(second.refresh_token, { scope: 'read write profile' }).expect(400);
    expect(wider.body.error).toBe('invalid_scope');
    expect(
      events
        .filter((e) => e.type === 'token.issued')
        .map((e) => e.type === 'token.issued' && e.grantType),
    ).toEqual(['device_code', 'refresh_token']);
  });

  it('reuse of a rotated refresh token revokes the whole grant (RFC 9700 §4.14.2)', async () => {
    await start();
    const first = await obtainTokens(t, { clientId: 'tv', scope: 'read' });
    const second = (await refresh(first.refresh_token!).expect(200)).body;
    expect((await introspect(second.access_token)).body.active).toBe(true);

    const reused = await refresh(first.refresh_token!).expect(400);
    expect(reused.body).toEqual({
      error: 'invalid_grant',
      error_description: 'refresh token was already used; the grant has been revoked',
    });
    // Everything descending from the grant is dead, including the legitimate latest pair.
    expect((await introspect(second.access_token)).body).toEqual({ active: false });
    expect((await introspect(second.refresh_token)).body).toEqual({ active: false });
    // The latest refresh token was revoked, not used: it is not called a reuse.
    expect((await refresh(second.refresh_token).expect(400)).body).toEqual({
      error: 'invalid_grant',
      error_description: 'refresh token has been revoked',
    });
    expect(await t.app.get(DeviceManagementService).listDevices('alice')).toEqual([]);
    expect(events.filter((e) => e.type === 'refresh_token.reused')).toEqual([
      {
        type: 'refresh_token.reused',
        at: t.clock.now(),
        clientId: 'tv',
        grantId: first.grantId,
        subject: 'alice',
      },
    ]);
  });

  it('a refresh token revoked at the revocation endpoint is refused as revoked, not as a reuse (no reuse event)', async () => {
    await start();
    const first = await obtainTokens(t, { clientId: 'tv', scope: 'read' });
    await t.http
      .post('/oauth/revoke')
      .type('form')
      .send(form({ token: first.refresh_token!, client_id: 'tv' }))
      .expect(200);
    expect((await refresh(first.refresh_token!).expect(400)).body).toEqual({
      error: 'invalid_grant',
      error_description: 'refresh token has been revoked',
    });
    expect(events.filter((e) => e.type === 'refresh_token.reused')).toEqual([]);
  });

  it('issues no refresh token to a client without the refresh_token grant', async () => {
    await start();
    const tokens = await obtainTokens(t, { clientId: 'no-refresh', scope: 'read' });
    expect(tokens.refresh_token).toBeUndefined();
    // Its device lapses from the user's list when the access token expires.
    const management = t.app.get(DeviceManagementService);
    expect(await management.listDevices('alice')).toHaveLength(1);
    t.clock.advance(3600 * 1000);
    expect(await management.listDevices('alice')).toEqual([]);
  });

  it('another client cannot use the refresh token', async () => {
    await start();
    const tokens = await obtainTokens(t, { clientId: 'tv', scope: 'read' });
    const res = await t.http
      .post('/oauth/token')
      .type('form')
      .send(
        form({
          client_id: 'secret-tv',
          client_secret: 'confidential-secret-123',
          grant_type: 'refresh_token',
          refresh_token: tokens.refresh_token!,
        }),
      )
      .expect(400);
    expect(res.body.error).toBe('invalid_grant');
    // Not treated as reuse: the owner's token still works.
    await refresh(tokens.refresh_token!).expect(200);
  });
});

describe('a refresh racing with device removal', () => {
  let t: TestApp;
  afterEach(() => t?.close());

  it('leaves no live token behind: tokens saved after the removal are revoked', async () => {
    t = await createTestApp();
    const first = await obtainTokens(t, { clientId: 'tv', scope: 'read' });
    // The device is removed after the refresh spent the old token, before it saves the new ones.
    const repo = t.app.get<TokenRepository>(TokenRepository);
    const management = t.app.get(DeviceManagementService);
    const save = repo.save.bind(repo);
    const saved: TokenRecord[] = [];
    repo.save = async (records) => {
      expect(await management.removeDevice('alice', first.grantId)).toBe(true);
      saved.push(...records);
      await save(records);
    };
    const res = await t.http
      .post('/oauth/token')
      .type('form')
      .send(
        form({ client_id: 'tv', grant_type: 'refresh_token', refresh_token: first.refresh_token! }),
      )
      .expect(400);
    expect(res.body.error).toBe('invalid_grant');
    expect(saved).toHaveLength(2);
    for (const r of saved) expect((await repo.findByHash(r.tokenHash))?.revokedAt).not.toBeNull();
  });
});
