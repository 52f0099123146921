import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DataSourceOptions } from 'typeorm';
import type { DeviceFlowModuleOptions } from '../../libs/device-flow/src/index.js';
import {
  createTestApp,
  DEVICE_GRANT,
  form,
  oauthError,
  poll,
  startAuthorization,
  type TestApp,
} from '../support/test-app.js';

/**
 * The exactly-once races, end to end through HTTP: run against any database by passing a function that
 * returns TypeORM options for a fresh, empty database (and optionally a cleanup):
 *
 * ```ts
 * redemptionRaceContract('PostgreSQL', async () => ({ options: { type: 'postgres', url }, cleanup }));
 * ```
 *
 * `module` adds module options, e.g. device codes on Redis with tokens in that database.
 */
export function redemptionRaceContract(
  name: string,
  database: () => Promise<{
    options: DataSourceOptions;
    module?: Partial<DeviceFlowModuleOptions>;
    cleanup?: () => Promise<void>;
  }>,
  parallel = 20,
): void {
  describe(`exactly-once redemption races: ${name}`, () => {
    let t: TestApp;
    let cleanup: (() => Promise<void>) | undefined;
    beforeEach(async () => {
      const db = await database();
      cleanup = db.cleanup;
      t = await createTestApp({ database: db.options, ...db.module });
    });
    afterEach(async () => {
      await t?.close();
      await cleanup?.();
    });

    it(`${parallel} parallel polls at an approved code: exactly one 200, the rest invalid_grant`, async () => {
      const auth = await startAuthorization(t, { client_id: 'tv', scope: 'read' });
      await t.grants.approve(auth.user_code, 'alice');
      const responses = await Promise.all(
        Array.from({ length: parallel }, () => poll(t, auth.device_code)),
      );
      const ok = responses.filter((r) => r.status === 200);
      expect(ok).toHaveLength(1);
      expect(ok[0].body).toMatchObject({ token_type: 'Bearer', scope: 'read' });
      for (const r of responses.filter((x) => x.status !== 200)) {
        expect(r.status).toBe(400);
        expect(oauthError(r.body)).toBe('invalid_grant');
      }
      // The losers' revocations (device code reuse) left the database usable: the next requests are answered.
      const next = await startAuthorization(t, { client_id: 'tv', scope: 'read' });
      await t.grants.approve(next.user_code, 'alice');
      expect((await poll(t, next.device_code)).status).toBe(200);
    });

    it(`${parallel} parallel refreshes with one refresh token: one 200, and reuse kills every token`, async () => {
      const auth = await startAuthorization(t, { client_id: 'tv', scope: 'read' });
      await t.grants.approve(auth.user_code, 'alice');
      const first = await poll(t, auth.device_code);
      const refresh = () =>
        t.http
          .post('/oauth/token')
          .type('form')
          .send(
            form({
              grant_type: 'refresh_token',
              refresh_token: first.body.refresh_token,
              client_id: 'tv',
            }),
          );
      const responses = await Promise.all(Array.from({ length: parallel }, refresh));
      const ok = responses.filter((r) => r.status === 200);
      expect(ok).toHaveLength(1);
      for (const r of responses.filter((x) => x.status !== 200))
        expect(oauthError(r.body)).toBe('invalid_grant');
      // The losers were reuses (RFC 9700 §4.14.2): the winner's new refresh token died with the grant.
      const after = await t.http
        .post('/oauth/token')
        .type('form')
        .send(
          form({
            grant_type: 'refresh_token',
            refresh_token: ok[0].body.refresh_token,
            client_id: 'tv',
          }),
        );
      expect(oauthError(after.body)).toBe('invalid_grant');
    });

    it('a redeemed code stays redeemed: the device grant URN cannot be replayed', async () => {
      const auth = await startAuthorization(t);
      await t.grants.approve(auth.user_code, 'alice');
      const [a, b] = await Promise.all([poll(t, auth.device_code), poll(t, auth.device_code)]);
      expect([a.status, b.status].sort()).toEqual([200, 400]);
      expect(DEVICE_GRANT).toMatch(/device_code$/);
    });
  });
}
