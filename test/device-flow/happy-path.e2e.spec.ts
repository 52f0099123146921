import { afterEach, describe, expect, it } from 'vitest';
import { DEVICE_CODE_GRANT_TYPE } from '../../libs/device-flow/src/index.js';
import { createTestApp, form, type TestApp, testAdapter } from '../support/test-app.js';

describe(`device flow end to end on ${testAdapter()}`, () => {
  let t: TestApp;
  afterEach(() => t?.close());

  it('issues codes, waits for approval, then issues tokens once', async () => {
    t = await createTestApp();
    const auth = await t.http
      .post('/oauth/device_authorization')
      .type('form')
      .send(form({ client_id: 'tv', scope: 'read write' }))
      .expect(200);
    expect(auth.headers['cache-control']).toBe('no-store');
    expect(auth.headers.pragma).toBe('no-cache');
    expect(auth.body).toMatchObject({
      verification_uri: 'http://localhost:3000/device',
      expires_in: 1800,
      interval: 5,
    });
    expect(auth.body.device_code).toMatch(/^[0-9a-f]{12}[A-Za-z0-9_-]{43}$/);
    expect(auth.body.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(auth.body.verification_uri_complete).toBe(
      `http://localhost:3000/device?user_code=${auth.body.user_code}`,
    );

    const poll = () =>
      t.http
        .post('/oauth/token')
        .type('form')
        .send(
          form({
            grant_type: DEVICE_CODE_GRANT_TYPE,
            device_code: auth.body.device_code,
            client_id: 'tv',
          }),
        );

    const pending = await poll().expect(400);
    expect(pending.body).toEqual({
      error: 'authorization_pending',
      error_description: expect.any(String),
    });

    await t.grants.approve(auth.body.user_code, 'alice');
    t.clock.advance(5000);
    const ok = await poll().expect(200);
    expect(ok.headers['cache-control']).toBe('no-store');
    expect(ok.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'read write' });
    expect(ok.body.access_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(ok.body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    t.clock.advance(5000);
    const again = await poll().expect(400);
    expect(again.body.error).toBe('invalid_grant');
  });
});
