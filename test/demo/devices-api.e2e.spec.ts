import { afterEach, describe, expect, it } from 'vitest';
import { createDemoApp, type DemoApp, obtainTokens } from '../support/demo-app.js';

/** The demo's bearer API (`/api/*`): a user's devices, with IPs and user agents, are never cached. */
describe('demo /api: caching and bad input', () => {
  let t: DemoApp;
  afterEach(() => t?.close());

  it('answers no-store: the device list, the grant, a removal and a refusal', async () => {
    t = await createDemoApp();
    const { access_token, grantId } = await obtainTokens(t, {
      clientId: 'demo-device',
      scope: 'read',
    });
    const bearer = { Authorization: `Bearer ${access_token}` };
    const devices = await t.http.get('/api/devices').set(bearer).expect(200);
    expect(devices.body[0]).toMatchObject({
      grantId,
      ip: expect.any(String),
      userAgent: 'TestTV/1.0',
    });
    expect(devices.headers['cache-control']).toBe('no-store');
    const me = await t.http.get('/api/me').set(bearer).expect(200);
    expect(me.headers['cache-control']).toBe('no-store');
    const unknown = await t.http.delete('/api/devices/nope').set(bearer).expect(404);
    expect(unknown.headers['cache-control']).toBe('no-store');
    const removed = await t.http.delete(`/api/devices/${grantId}`).set(bearer).expect(204);
    expect(removed.headers['cache-control']).toBe('no-store');
    const anonymous = await t.http.get('/api/devices').expect(401);
    expect(anonymous.headers['cache-control']).toBe('no-store');
  });

  it('refuses a grant id with control characters with 400', async () => {
    t = await createDemoApp();
    const { access_token } = await obtainTokens(t, { clientId: 'demo-device', scope: 'read' });
    const res = await t.http
      .delete('/api/devices/%00')
      .set('Authorization', `Bearer ${access_token}`)
      .expect(400);
    expect(res.body).toEqual({
      error: 'invalid_request',
      error_description: 'grantId must be 1 to 255 characters without control characters',
    });
  });
});
