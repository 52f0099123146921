import { afterEach, describe, expect, it } from 'vitest';
import { DEVICE_CODE_GRANT_TYPE, type DeviceFlowEvent } from '../../libs/device-flow/src/index.js';
import {
  createTestApp,
  form,
  type TestApp,
  testAdapter,
  recordEvents,
} from '../support/test-app.js';

describe(`audit events on ${testAdapter()}`, () => {
  let t: TestApp;
  let events: DeviceFlowEvent[];
  afterEach(() => t?.close());

  const start = async () => {
    t = await createTestApp();
    events = recordEvents(t);
  };
  const authorize = async () =>
    (
      await t.http
        .post('/oauth/device_authorization')
        .set('User-Agent', 'TV/9')
        .type('form')
        .send(form({ client_id: 'tv', scope: 'read' }))
        .expect(200)
    ).body;
  const poll = (deviceCode: string) =>
    t.http
      .post('/oauth/token')
      .type('form')
      .send(form({ client_id: 'tv', grant_type: DEVICE_CODE_GRANT_TYPE, device_code: deviceCode }));

  it('reports issue and denial of a device code', async () => {
    await start();
    const auth = await authorize();
    const denied = await t.grants.deny(auth.user_code, 'alice');
    expect(events).toEqual([
      {
        type: 'device_code.issued',
        at: t.clock.now(),
        clientId: 'tv',
        deviceCodeId: denied.id,
        scope: 'read',
        ip: expect.any(String),
        userAgent: 'TV/9',
      },
      {
        type: 'device_code.denied',
        at: t.clock.now(),
        clientId: 'tv',
        deviceCodeId: denied.id,
        subject: 'alice',
      },
    ]);
  });

  it('reports a code that expired unused, pending or approved, when the expiry is observed', async () => {
    await start();
    const pending = await authorize();
    const approved = await authorize();
    const record = await t.grants.approve(approved.user_code, 'alice');
    t.clock.advance(1800 * 1000);
    expect((await poll(pending.device_code).expect(400)).body.error).toBe('expired_token');
    expect((await poll(approved.device_code).expect(400)).body.error).toBe('expired_token');
    const expired = events.filter((e) => e.type === 'device_code.expired_unused');
    expect(expired).toEqual([
      {
        type: 'device_code.expired_unused',
        at: t.clock.now(),
        clientId: 'tv',
        deviceCodeId: expect.any(String),
        status: 'pending',
      },
      {
        type: 'device_code.expired_unused',
        at: t.clock.now(),
        clientId: 'tv',
        deviceCodeId: record.id,
        status: 'approved',
      },
    ]);
    expect(events.some((e) => e.type === 'token.issued')).toBe(false);
  });

  it('reports revocation through the endpoint', async () => {
    await start();
    const auth = await authorize();
    await t.grants.approve(auth.user_code, 'alice');
    t.clock.advance(5000);
    const tokens = (await poll(auth.device_code).expect(200)).body;
    await t.http
      .post('/oauth/revoke')
      .type('form')
      .send(form({ client_id: 'tv', token: tokens.refresh_token }))
      .expect(200);
    expect(events.at(-1)).toMatchObject({
      type: 'token.revoked',
      what: 'grant',
      reason: 'revocation_endpoint',
      subject: 'alice',
    });
  });
});
