import type { Logger as TypeOrmLogger } from 'typeorm';
import { afterEach, describe, expect, it } from 'vitest';
import { DEVICE_CODE_GRANT_TYPE, KillSwitchRepository } from '../../libs/device-flow/src/index.js';
import { createTestApp, form, type TestApp } from '../support/test-app.js';

/** A TypeORM logger that records every statement sent to the database. */
class QueryCounter implements TypeOrmLogger {
  queries: string[] = [];
  logQuery(query: string): void {
    this.queries.push(query);
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

describe.each(['typeorm', 'memory'] as const)('polling (%s storage)', (storage) => {
  let t: TestApp;
  const counter = new QueryCounter();
  afterEach(() => t?.close());

  async function start(): Promise<{ deviceCode: string; userCode: string }> {
    t = await createTestApp({
      storage,
      interval: 5,
      pollTolerance: 1000,
      database: { type: 'better-sqlite3', database: ':memory:', logger: counter },
    });
    const auth = await t.http
      .post('/oauth/device_authorization')
      .type('form')
      .send(form({ client_id: 'tv', scope: 'read' }))
      .expect(200);
    return { deviceCode: auth.body.device_code, userCode: auth.body.user_code };
  }

  /** A second code in the same app. */
  async function start2(): Promise<{ deviceCode: string }> {
    const auth = await t.http
      .post('/oauth/device_authorization')
      .type('form')
      .send(form({ client_id: 'tv', scope: 'read' }))
      .expect(200);
    return { deviceCode: auth.body.device_code };
  }

  const poll = (deviceCode: string, clientId = 'tv') =>
    t.http
      .post('/oauth/token')
      .type('form')
      .send(
        form({ grant_type: DEVICE_CODE_GRANT_TYPE, device_code: deviceCode, client_id: clientId }),
      );

  it('answers pending and slow_down in RFC 8628 §3.5 order, growing the interval on slow_down', async () => {
    const { deviceCode, userCode } = await start();
    expect((await poll(deviceCode)).body.error).toBe('authorization_pending');
    t.clock.advance(3999); // 5 s interval less the 1 s tolerance, minus 1 ms: too early
    expect((await poll(deviceCode)).body.error).toBe('slow_down');
    t.clock.advance(5000); // the interval is 10 s now: still too early
    expect((await poll(deviceCode)).body.error).toBe('slow_down');
    t.clock.advance(14_000); // 15 s interval less tolerance
    expect((await poll(deviceCode)).body.error).toBe('authorization_pending');
    // Another client's poll of this code is invalid_grant and records nothing.
    expect((await poll(deviceCode, 'secret-tv')).status).toBe(401);
    expect((await poll(deviceCode, 'no-refresh')).body.error).toBe('invalid_grant');
    t.clock.advance(15_000);
    expect((await poll(deviceCode)).body.error).toBe('authorization_pending');
    await t.grants.deny(userCode);
    t.clock.advance(15_000);
    expect((await poll(deviceCode)).body.error).toBe('access_denied');
    expect((await poll('not-a-code')).body.error).toBe('invalid_grant');
  });

  it('answers unauthorized_client to pending polls once the kill switch is engaged (≤ 1 s later)', async () => {
    const { deviceCode } = await start();
    expect((await poll(deviceCode)).body.error).toBe('authorization_pending');
    await t.app
      .get<KillSwitchRepository>(KillSwitchRepository)
      .engage({ target: 'tv', disabledAt: t.clock.now(), reason: 'test' });
    t.clock.advance(5000);
    expect((await poll(deviceCode)).body.error).toBe('unauthorized_client');
    expect((await poll(deviceCode)).body.error).toBe('unauthorized_client');
  });

  it('says expired_token once the code expired, even when polled too early', async () => {
    const { deviceCode } = await start();
    await poll(deviceCode);
    t.clock.advance(1800_000);
    expect((await poll(deviceCode)).body.error).toBe('expired_token');
  });

  // Only the database repository has statements to count (no skipped test for the in-memory one).
  if (storage === 'typeorm')
    it('answers a pending poll with one database statement, a slow_down with three', async () => {
      const first = await start();
      await poll(first.deviceCode); // fills the client cache and the fast path's kill switch view
      const { deviceCode } = await start2();
      counter.queries = [];
      expect((await poll(deviceCode)).body.error).toBe('authorization_pending');
      expect(counter.queries).toHaveLength(1);
      expect(counter.queries[0]).toMatch(/^UPDATE /);
      counter.queries = [];
      expect((await poll(deviceCode)).body.error).toBe('slow_down');
      expect(counter.queries).toHaveLength(3); // two conditional updates, one read for the message
    });

  if (storage === 'typeorm')
    it('starts a device authorization with two statements: the issuance count and the insert', async () => {
      await start(); // fills the client cache and the kill switch view
      counter.queries = [];
      await start2();
      expect(counter.queries).toHaveLength(2);
      expect(counter.queries[0]).toMatch(
        /^INSERT INTO "device_flow_attempts".*ON CONFLICT.*WHERE/s,
      );
      expect(counter.queries[1]).toMatch(/^INSERT INTO "device_flow_device_codes"/);
    });
});
