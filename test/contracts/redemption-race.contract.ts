import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DataSourceOptions } from 'typeorm';
import type { DeviceFlowModuleOptions } from '../../libs/device-flow/src/index.js';
import {
  createTestApp,
  DEVICE_GRANT,
  form,
  oauthError,
  poll,
  recordEvents,
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
    /** Every token of a token response introspects inactive. */
    const expectRevoked = async (tokens: Record<string, unknown>) => {
      for (const token of [tokens.access_token, tokens.refresh_token] as string[]) {
        const introspected = await t.http
          .post('/oauth/introspect')
          .type('form')
          .send(form({ token, client_id: 'tv' }));
        expect(introspected.body).toEqual({ active: false });
      }
    };

    it(`${parallel} parallel polls at an approved code: exactly one 200, the rest invalid_grant`, async () => {
      const auth = await startAuthorization(t, { client_id: 'tv', scope: 'read' });
      await t.grants.approve(auth.user_code, 'alice');
      const events = recordEvents(t);
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
      // The losers were told "any tokens issued for it have been revoked" (RFC 6749 §4.1.2): so they are.
      await expectRevoked(ok[0].body);
      expect(events.some((e) => e.type === 'device_code.reused')).toBe(true);
      // The losers' revocations (device code reuse) left the database usable: the next requests are answered.
      const next = await startAuthorization(t, { client_id: 'tv', scope: 'read' });
      await t.grants.approve(next.user_code, 'alice');
      expect((await poll(t, next.device_code)).status).toBe(200);
    });

    it(`${parallel} parallel refreshes with one refresh token: at most one 200, and reuse kills every token`, async () => {
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
      const events = recordEvents(t);
      const responses = await Promise.all(Array.from({ length: parallel }, refresh));
      // One request wins the compare-and-set that spends the refresh token; the others are reuses (RFC 9700
      // §4.14.2) and revoke the whole grant. Whether the winner's tokens got out before a loser's revocation
      // depends on timing (on SQLite it always does; on PostgreSQL and MariaDB often not: the winner then sees
      // the grant revoked after storing its tokens and answers invalid_grant too), so: at most one 200, never a
      // working token afterwards.
      const ok = responses.filter((r) => r.status === 200);
      expect(ok.length).toBeLessThanOrEqual(1);
      // The losers were reuses, reported as such: the first loser to revoke found the grant's first access
      // token alive (rotation spends only the refresh token). A later loser may report again when it found the
      // winner's tokens stored after that.
      expect(events.filter((e) => e.type === 'refresh_token.reused').length).toBeGreaterThanOrEqual(
        1,
      );
      for (const r of responses.filter((x) => x.status !== 200))
        expect(oauthError(r.body)).toBe('invalid_grant');
      const introspect = (token: string) =>
        t.http
          .post('/oauth/introspect')
          .type('form')
          .send(form({ token, client_id: 'tv' }));
      const issued = [first.body, ...ok.map((r) => r.body)] as Record<string, string>[];
      for (const tokens of issued) {
        expect((await introspect(tokens.access_token!)).body).toEqual({ active: false });
        expect((await introspect(tokens.refresh_token!)).body).toEqual({ active: false });
      }
      if (ok[0]) {
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
      }
    });

    it('a redeemed code stays redeemed: the device grant URN cannot be replayed', async () => {
      const auth = await startAuthorization(t);
      await t.grants.approve(auth.user_code, 'alice');
      const [a, b] = await Promise.all([poll(t, auth.device_code), poll(t, auth.device_code)]);
      expect([a.status, b.status].sort()).toEqual([200, 400]);
      expect(DEVICE_GRANT).toMatch(/device_code$/);
    });

    it('two polls at once (a duplicate): the loser, answered while the winner may not have committed, still revokes its tokens', async () => {
      // With device codes on Redis and tokens on a server database, the loser sees the claim at once, while the
      // winner's grant and tokens are still uncommitted: a revocation then would find nothing to revoke.
      for (let round = 0; round < 5; round++) {
        const auth = await startAuthorization(t, { client_id: 'tv', scope: 'read' });
        await t.grants.approve(auth.user_code, 'alice');
        const events = recordEvents(t);
        const answers = await Promise.all([poll(t, auth.device_code), poll(t, auth.device_code)]);
        const ok = answers.filter((r) => r.status === 200);
        expect(ok, `round ${round}`).toHaveLength(1);
        await expectRevoked(ok[0].body);
        expect(events.filter((e) => e.type === 'device_code.reused')).toHaveLength(1);
      }
    });
  });
}
