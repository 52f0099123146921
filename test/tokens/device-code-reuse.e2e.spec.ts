import { afterEach, describe, expect, it } from 'vitest';
import { type DeviceFlowEvent, DeviceManagementService } from '../../libs/device-flow/src/index.js';
import {
  createTestApp,
  oauthError,
  poll,
  startAuthorization,
  type TestApp,
  introspectAs,
  recordEvents,
  refreshGrant,
} from '../support/test-app.js';

/**
 * A redeemed device code presented again: refused, and every token issued for it revoked (RFC 6749 §4.1.2,
 * §10.5, applied to the device code, which plays the authorization code's part in RFC 8628 §3.4).
 */
describe.each(['opaque', 'jwt'] as const)('device code reuse (%s access tokens)', (format) => {
  let t: TestApp;
  let events: DeviceFlowEvent[];
  afterEach(() => t?.close());

  const start = async () => {
    t = await createTestApp({ accessTokenFormat: format });
    events = recordEvents(t);
  };
  const introspect = async (token: string) =>
    (await introspectAs(t, token)).body as { active: boolean };
  const refresh = (refreshToken: string) => refreshGrant(t, refreshToken);

  /** A code approved by alice and redeemed once: the code and the tokens it gave. */
  const redeemed = async () => {
    const auth = await startAuthorization(t, { client_id: 'tv', scope: 'read' });
    const approved = await t.grants.approve(auth.user_code, 'alice');
    const first = await poll(t, auth.device_code);
    expect(first.status).toBe(200);
    return {
      deviceCode: auth.device_code,
      grantId: approved.id,
      tokens: first.body as { access_token: string; refresh_token: string },
    };
  };

  it('refuses the second presentation and revokes the tokens the first one gave', async () => {
    await start();
    const { deviceCode, grantId, tokens } = await redeemed();
    expect((await introspect(tokens.access_token)).active).toBe(true);
    t.clock.advance(5000);

    const replay = await poll(t, deviceCode);
    expect(replay.status).toBe(400);
    expect(oauthError(replay.body)).toBe('invalid_grant');
    expect(replay.body.error_description).toMatch(/already used.*revoked/);

    expect(await introspect(tokens.access_token)).toEqual({ active: false });
    expect(await introspect(tokens.refresh_token)).toEqual({ active: false });
    expect(oauthError((await refresh(tokens.refresh_token)).body)).toBe('invalid_grant');
    expect(await t.app.get(DeviceManagementService).listDevices('alice')).toEqual([]);
    const base = { at: t.clock.now(), clientId: 'tv', grantId, subject: 'alice' };
    expect(events.filter((e) => e.type === 'device_code.reused')).toEqual([
      { ...base, type: 'device_code.reused' },
    ]);
    expect(events.filter((e) => e.type === 'token.revoked')).toEqual([
      { ...base, type: 'token.revoked', what: 'grant', reason: 'device_code_reuse' },
    ]);

    // Presented a third time: still refused; nothing left to revoke, so no new event.
    expect(oauthError((await poll(t, deviceCode)).body)).toBe('invalid_grant');
    expect(events.filter((e) => e.type === 'device_code.reused')).toHaveLength(1);
  });

  it('another client presenting the code learns nothing and revokes nothing', async () => {
    await start();
    const { deviceCode, tokens } = await redeemed();
    const unknown = await poll(t, 'q'.repeat(55));
    const other = await poll(t, deviceCode, { client_id: 'no-refresh' });
    expect(oauthError(other.body)).toBe('invalid_grant');
    expect(other.body.error_description).toBe(unknown.body.error_description);
    expect((await introspect(tokens.access_token)).active).toBe(true);
    expect(events.some((e) => e.type === 'device_code.reused')).toBe(false);
  });

  it('racing presentations: one wins the tokens, and the others revoke them', async () => {
    await start();
    const auth = await startAuthorization(t, { client_id: 'tv', scope: 'read' });
    await t.grants.approve(auth.user_code, 'alice');
    const answers = await Promise.all(Array.from({ length: 6 }, () => poll(t, auth.device_code)));
    const won = answers.filter((r) => r.status === 200);
    expect(won).toHaveLength(1);
    for (const r of answers.filter((a) => a.status !== 200))
      expect(oauthError(r.body)).toBe('invalid_grant');
    expect(await introspect(won[0].body.access_token)).toEqual({ active: false });
    expect(events.filter((e) => e.type === 'device_code.reused')).toHaveLength(1);
  });
});
