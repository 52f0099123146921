import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_ADMIN_TOKEN } from '../../src/demo.config.js';
import { createDemoApp, type DemoApp, obtainTokens } from '../support/demo-app.js';
import { form } from '../support/test-app.js';

describe.each(['opaque', 'jwt'] as const)(
  'demo API behind the bearer guard (%s tokens)',
  (format) => {
    let t: DemoApp;
    afterEach(() => t?.close());
    const start = () => createDemoApp({ DEVICE_FLOW_ACCESS_TOKEN_FORMAT: format });
    const me = (token: string) => t.http.get('/api/me').set('Authorization', `Bearer ${token}`);

    it('answers 200 for a device flow token with the scope, and hands the grant to the route', async () => {
      t = await start();
      const tokens = await obtainTokens(t, { clientId: 'demo-device', scope: 'read profile' });
      if (format === 'jwt') expect(tokens.access_token.split('.')).toHaveLength(3);
      const res = await me(tokens.access_token).expect(200);
      expect(res.body).toEqual({
        clientId: 'demo-device',
        subject: 'alice',
        scopes: ['read', 'profile'],
        grantId: tokens.grantId,
        expiresAt: t.clock.now() + 3600 * 1000,
      });
    });

    it('answers 403 insufficient_scope when the token lacks the scope', async () => {
      t = await start();
      const tokens = await obtainTokens(t, { clientId: 'demo-device', scope: 'profile' });
      const res = await me(tokens.access_token).expect(403);
      expect(res.headers['www-authenticate']).toBe(
        'Bearer realm="device-flow", error="insufficient_scope", ' +
          'error_description="the access token lacks a required scope", scope="read"',
      );
      expect(res.body.error).toBe('insufficient_scope');
      // A route without a scope requirement accepts the same token.
      await t.http
        .get('/api/devices')
        .set('Authorization', `Bearer ${tokens.access_token}`)
        .expect(200);
    });

    it('answers 401 with a bare realm challenge when no token is sent, 400 for a malformed header', async () => {
      t = await start();
      const res = await t.http.get('/api/me').expect(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="device-flow"');
      // The body still says what is wrong in the OAuth error shape; the challenge carries no error (§3.1).
      expect(res.body).toEqual({
        error: 'invalid_token',
        error_description: 'a bearer token is required',
      });
      const basic = await t.http
        .get('/api/me')
        .set('Authorization', 'Basic Zm9vOmJhcg==')
        .expect(401);
      expect(basic.headers['www-authenticate']).toBe('Bearer realm="device-flow"');
      const bad = await t.http.get('/api/me').set('Authorization', 'Bearer a b').expect(400);
      expect(bad.headers['www-authenticate']).toContain('error="invalid_request"');
      await t.http.get('/api/me?access_token=x').expect(400);
    });

    it('answers 400 invalid_request to two Authorization headers, a valid token first or second (RFC 6750 §2)', async () => {
      t = await start();
      const tokens = await obtainTokens(t, { clientId: 'demo-device', scope: 'read profile' });
      const good = `Bearer ${tokens.access_token}`;
      for (const pair of [
        [good, 'Bearer ' + 'A'.repeat(43)],
        ['Bearer ' + 'A'.repeat(43), good],
      ]) {
        const res = await t.http
          .get('/api/me')
          .set('Authorization', pair as unknown as string)
          .expect(400);
        expect(res.body).toEqual({
          error: 'invalid_request',
          error_description: 'more than one Authorization header',
        });
        expect(res.headers['www-authenticate']).toContain('error="invalid_request"');
      }
      await me(tokens.access_token).expect(200);
    });

    it('answers 401 invalid_token for an unknown or expired token', async () => {
      t = await start();
      const unknown = await me('A'.repeat(43)).expect(401);
      expect(unknown.headers['www-authenticate']).toMatch(
        /^Bearer realm="device-flow", error="invalid_token"/,
      );
      expect(unknown.body.error).toBe('invalid_token');
      const tokens = await obtainTokens(t, { clientId: 'demo-device', scope: 'read' });
      // A refresh token is not an access token.
      expect((await me(tokens.refresh_token!).expect(401)).body.error).toBe('invalid_token');
      t.clock.advance(3600 * 1000);
      expect((await me(tokens.access_token).expect(401)).body.error).toBe('invalid_token');
    });

    it('answers 401 invalid_token after the token is revoked (RFC 7009)', async () => {
      t = await start();
      const tokens = await obtainTokens(t, { clientId: 'demo-device', scope: 'read' });
      await me(tokens.access_token).expect(200);
      await t.http
        .post('/oauth/revoke')
        .type('form')
        .send(form({ client_id: 'demo-device', token: tokens.access_token }))
        .expect(200);
      const res = await me(tokens.access_token).expect(401);
      expect(res.body.error).toBe('invalid_token');
    });

    it('answers 401 invalid_token for every token of a device once it is removed', async () => {
      t = await start();
      const tv = await obtainTokens(t, {
        clientId: 'demo-device',
        scope: 'read',
        userAgent: 'LivingRoomTV/2',
      });
      const other = await obtainTokens(t, {
        clientId: 'demo-confidential',
        scope: 'read',
        secret: 'demo-confidential-secret',
      });
      const list = await t.http
        .get('/api/devices')
        .set('Authorization', `Bearer ${other.access_token}`)
        .expect(200);
      expect(list.body).toHaveLength(2);
      expect(list.body).toContainEqual({
        grantId: tv.grantId,
        clientId: 'demo-device',
        clientName: 'Demo TV App',
        scopes: ['read'],
        requestedAt: expect.any(Number),
        approvedAt: expect.any(Number),
        authorizedAt: expect.any(Number),
        lastUsedAt: t.clock.now() - 5000,
        expiresAt: t.clock.now() - 5000 + 30 * 86400 * 1000, // authorised one poll interval earlier
        ip: expect.stringMatching(/127\.0\.0\.1/),
        userAgent: 'LivingRoomTV/2',
      });

      // The user removes the TV from another device's session.
      await t.http
        .delete(`/api/devices/${tv.grantId}`)
        .set('Authorization', `Bearer ${other.access_token}`)
        .expect(204);
      const res = await me(tv.access_token).expect(401);
      expect(res.body.error).toBe('invalid_token');
      const refresh = await t.http
        .post('/oauth/token')
        .type('form')
        .send(
          form({
            client_id: 'demo-device',
            grant_type: 'refresh_token',
            refresh_token: tv.refresh_token!,
          }),
        )
        .expect(400);
      expect(refresh.body.error).toBe('invalid_grant');
      await me(other.access_token).expect(200);
      const after = await t.http
        .get('/api/devices')
        .set('Authorization', `Bearer ${other.access_token}`)
        .expect(200);
      expect(after.body.map((d: { grantId: string }) => d.grantId)).toEqual([other.grantId]);
    });

    it('removes a device through the demo admin API, which needs the admin token', async () => {
      t = await start();
      const tv = await obtainTokens(t, { clientId: 'demo-device', scope: 'read', subject: 'bob' });
      await t.http.get('/admin/users/bob/devices').expect(403);
      const list = await t.http
        .get('/admin/users/bob/devices')
        .set('X-Demo-Admin-Token', DEMO_ADMIN_TOKEN)
        .expect(200);
      expect(list.body).toHaveLength(1);
      await t.http
        .delete(`/admin/users/mallory/devices/${tv.grantId}`)
        .set('X-Demo-Admin-Token', DEMO_ADMIN_TOKEN)
        .expect(404);
      await me(tv.access_token).expect(200);
      await t.http
        .delete(`/admin/users/bob/devices/${tv.grantId}`)
        .set('X-Demo-Admin-Token', DEMO_ADMIN_TOKEN)
        .expect(204);
      await me(tv.access_token).expect(401);
    });

    it('logs audit events as JSON lines', async () => {
      t = await start();
      await obtainTokens(t, { clientId: 'demo-device', scope: 'read' });
      const events = t.audit.map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(events.map((e) => e.audit)).toEqual([
        'device_code.issued',
        'device_code.approved',
        'token.issued',
      ]);
      expect(events[0]).toMatchObject({
        time: '2026-01-01T00:00:00.000Z',
        clientId: 'demo-device',
        scope: 'read',
      });
      expect(events[2]).toMatchObject({
        grantType: 'device_code',
        format,
        subject: 'alice',
        refreshTokenIssued: true,
      });
    });
  },
);
