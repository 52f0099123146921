import { afterEach, describe, expect, it } from 'vitest';
import {
  DEVICE_CODE_GRANT_TYPE,
  type TokenRecord,
  TokenRepository,
  UserCodeDecisionError,
} from '../../libs/device-flow/src/index.js';
import { DEMO_ADMIN_TOKEN } from '../../src/demo.config.js';
import { createDemoApp, type DemoApp, obtainTokens } from '../support/demo-app.js';
import { form } from '../support/test-app.js';

describe('admin kill switch for the device grant', () => {
  let t: DemoApp;
  afterEach(() => t?.close());

  const authorize = (clientId: string) =>
    t.http
      .post('/oauth/device_authorization')
      .type('form')
      .send(
        form(
          clientId === 'demo-device'
            ? { client_id: clientId }
            : { client_id: clientId, client_secret: 'demo-confidential-secret' },
        ),
      );
  const poll = (deviceCode: string) =>
    t.http
      .post('/oauth/token')
      .type('form')
      .send(
        form({
          client_id: 'demo-device',
          grant_type: DEVICE_CODE_GRANT_TYPE,
          device_code: deviceCode,
        }),
      );
  const admin = () => ({ 'X-Demo-Admin-Token': DEMO_ADMIN_TOKEN });

  it('for one client: new requests fail with unauthorized_client, pending codes die, live tokens stay', async () => {
    t = await createDemoApp();
    const live = await obtainTokens(t, { clientId: 'demo-device', scope: 'read' });
    const pending = (await authorize('demo-device').expect(200)).body;
    const approved = (await authorize('demo-device').expect(200)).body;
    await t.grants.approve(approved.user_code, 'alice');

    await t.http
      .post('/admin/kill-switch')
      .send({ client_id: 'demo-device', reason: 'phishing wave' })
      .expect(403);
    const res = await t.http
      .post('/admin/kill-switch')
      .set(admin())
      .send({ client_id: 'demo-device', reason: 'phishing wave' })
      .expect(200);
    expect(res.body).toEqual({ revokedGrants: 0 });

    const refused = await authorize('demo-device').expect(400);
    expect(refused.body).toEqual({
      error: 'unauthorized_client',
      error_description: 'the device authorization grant is disabled for this client',
    });
    // The other client is unaffected.
    await authorize('demo-confidential').expect(200);
    // Codes issued before the switch: cannot be approved, cannot be redeemed even if approved.
    await expect(t.grants.approve(pending.user_code, 'alice')).rejects.toEqual(
      new UserCodeDecisionError('client_disabled'),
    );
    t.clock.advance(5000);
    expect((await poll(approved.device_code).expect(400)).body.error).toBe('unauthorized_client');
    // Tokens already issued keep working (revoke_tokens was not asked for).
    await t.http.get('/api/me').set('Authorization', `Bearer ${live.access_token}`).expect(200);
    expect((await t.http.get('/admin/kill-switch').set(admin()).expect(200)).body).toEqual([
      { target: 'demo-device', disabledAt: t.clock.now() - 5000, reason: 'phishing wave' },
    ]);

    // Released: the client works again, for new device authorizations only. The codes the switch killed stay
    // dead: the approved one is not redeemed, the pending one cannot be approved.
    await t.http.delete('/admin/kill-switch?client_id=demo-device').set(admin()).expect(204);
    t.clock.advance(5000);
    expect((await poll(approved.device_code).expect(400)).body).toEqual({
      error: 'expired_token',
      error_description:
        'device code was revoked by an administrator (kill switch); start a new device authorization',
    });
    expect((await poll(pending.device_code).expect(400)).body.error).toBe('expired_token');
    await expect(t.grants.approve(pending.user_code, 'alice')).rejects.toEqual(
      new UserCodeDecisionError('client_disabled'),
    );
    t.clock.advance(1);
    const fresh = (await authorize('demo-device').expect(200)).body;
    await t.grants.approve(fresh.user_code, 'alice');
    t.clock.advance(5000);
    expect((await poll(fresh.device_code).expect(200)).body.access_token).toEqual(
      expect.any(String),
    );
    const audit = t.audit
      .map((l) => JSON.parse(l))
      .filter((e) => e.audit === 'kill_switch.changed');
    expect(audit.map((e) => e.disabled)).toEqual([true, false]);
  });

  it('for all clients, optionally revoking every live token', async () => {
    t = await createDemoApp();
    const a = await obtainTokens(t, { clientId: 'demo-device', scope: 'read' });
    const b = await obtainTokens(t, {
      clientId: 'demo-confidential',
      secret: 'demo-confidential-secret',
      scope: 'read',
      subject: 'bob',
    });
    const res = await t.http
      .post('/admin/kill-switch')
      .set(admin())
      .send({ revoke_tokens: true })
      .expect(200);
    expect(res.body).toEqual({ revokedGrants: 2 });
    expect((await authorize('demo-device').expect(400)).body.error).toBe('unauthorized_client');
    expect((await authorize('demo-confidential').expect(400)).body.error).toBe(
      'unauthorized_client',
    );
    for (const tokens of [a, b]) {
      const me = await t.http
        .get('/api/me')
        .set('Authorization', `Bearer ${tokens.access_token}`)
        .expect(401);
      expect(me.body.error).toBe('invalid_token');
    }
    // Releasing a client's own switch does not release the global one.
    expect(await t.management.enableDeviceGrant('demo-device')).toBe(false);
    await authorize('demo-device').expect(400);
    expect(await t.management.enableDeviceGrant(null)).toBe(true);
    await authorize('demo-device').expect(200);
  });
});

describe('kill switch racing with a redemption', () => {
  let t: DemoApp;
  afterEach(() => t?.close());

  it('tokens minted for a client disabled meanwhile are revoked and the poll fails', async () => {
    t = await createDemoApp();
    const auth = (
      await t.http
        .post('/oauth/device_authorization')
        .type('form')
        .send(form({ client_id: 'demo-device', scope: 'read' }))
        .expect(200)
    ).body;
    await t.grants.approve(auth.user_code, 'alice');
    t.clock.advance(5000);
    const repo = t.app.get<TokenRepository>(TokenRepository);
    const save = repo.save.bind(repo);
    const saved: TokenRecord[] = [];
    repo.save = async (records) => {
      saved.push(...records);
      await save(records);
      await t.management.disableDeviceGrant('demo-device');
    };
    const res = await t.http
      .post('/oauth/token')
      .type('form')
      .send(
        form({
          client_id: 'demo-device',
          grant_type: DEVICE_CODE_GRANT_TYPE,
          device_code: auth.device_code,
        }),
      )
      .expect(400);
    expect(res.body.error).toBe('unauthorized_client');
    expect(saved).toHaveLength(2);
    for (const r of saved) expect((await repo.findByHash(r.tokenHash))?.revokedAt).not.toBeNull();
    expect(await t.management.listDevices('alice')).toEqual([]);
  });
});
