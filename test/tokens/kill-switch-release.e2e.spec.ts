import type { Logger as TypeOrmLogger } from 'typeorm';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DeviceFlowEvents,
  type DeviceFlowModuleOptions,
  DeviceManagementService,
  UserCodeDecisionError,
} from '../../libs/device-flow/src/index.js';
import { describeWith, randomRedisPrefix, REDIS_URL } from '../support/databases.js';
import {
  CONFIDENTIAL_SECRET,
  createTestApp,
  form,
  oauthError,
  poll,
  startAuthorization,
  type TestApp,
} from '../support/test-app.js';

/** Where the device codes live; the kill switches are in the SQL database (or memory) in every case. */
const STORAGES: {
  name: string;
  redis: boolean;
  options: () => Partial<DeviceFlowModuleOptions>;
}[] = [
  { name: 'typeorm', redis: false, options: () => ({}) },
  { name: 'memory', redis: false, options: () => ({ storage: 'memory' }) },
  {
    name: 'redis',
    redis: true,
    options: () => ({
      storage: 'redis',
      redis: { url: REDIS_URL, keyPrefix: randomRedisPrefix() },
    }),
  },
];

const problem = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: unknown) => (e instanceof UserCodeDecisionError ? e.problem : String(e)),
  );

/**
 * Releasing the admin kill switch lets the client start new device authorizations; it never brings back the
 * codes the switch killed (pending or approved-but-uncollected), on every storage of the device codes.
 */
for (const storage of STORAGES) {
  await describeWith(
    `kill switch released (${storage.name} device codes)`,
    storage.redis ? ['redis'] : [],
    () => {
      let t: TestApp;
      let management: DeviceManagementService;
      afterEach(() => t?.close());

      async function start(options: Partial<DeviceFlowModuleOptions> = {}): Promise<void> {
        t = await createTestApp({ ...storage.options(), ...options });
        management = t.app.get(DeviceManagementService);
      }

      it('codes issued before the release stay dead: expired_token, and no approval or denial', async () => {
        await start();
        const pending = await startAuthorization(t, { client_id: 'tv', scope: 'read' });
        const approved = await startAuthorization(t, { client_id: 'tv', scope: 'read' });
        await t.grants.approve(approved.user_code, 'alice');
        const other = await startAuthorization(t, { client_id: 'no-refresh', scope: 'read' });

        await management.disableDeviceGrant('tv', { reason: 'phishing wave' });
        t.clock.advance(5000);
        expect(oauthError((await poll(t, approved.device_code)).body)).toBe('unauthorized_client');
        expect(oauthError((await poll(t, pending.device_code)).body)).toBe('unauthorized_client');

        t.clock.advance(60_000);
        expect(await management.enableDeviceGrant('tv')).toBe(true);
        t.clock.advance(5000);
        for (const code of [approved.device_code, pending.device_code]) {
          const res = await poll(t, code);
          expect(res.status).toBe(400);
          expect(res.body).toEqual({
            error: 'expired_token',
            error_description:
              'device code was revoked by an administrator (kill switch); start a new device authorization',
          });
          expect(res.headers['cache-control']).toBe('no-store');
        }
        // Every later poll too: the answer is final.
        t.clock.advance(5000);
        expect(oauthError((await poll(t, approved.device_code)).body)).toBe('expired_token');
        expect(await management.listDevices('alice')).toEqual([]);
        // The user cannot approve or deny a killed code (the verification page relies on this).
        expect(await problem(t.grants.findPending(pending.user_code))).toBe('client_disabled');
        expect(await problem(t.grants.approve(pending.user_code, 'alice'))).toBe('client_disabled');
        expect(await problem(t.grants.deny(pending.user_code, 'alice'))).toBe('client_disabled');
        expect(oauthError((await poll(t, pending.device_code)).body)).toBe('expired_token');

        // Another client's codes were never covered by the switch.
        await t.grants.approve(other.user_code, 'bob');
        expect((await poll(t, other.device_code, { client_id: 'no-refresh' })).status).toBe(200);

        // A device authorization started after the release works from start to finish.
        t.clock.advance(1);
        const fresh = await startAuthorization(t, { client_id: 'tv', scope: 'read' });
        expect(oauthError((await poll(t, fresh.device_code)).body)).toBe('authorization_pending');
        await t.grants.approve(fresh.user_code, 'alice');
        t.clock.advance(5000);
        const ok = await poll(t, fresh.device_code);
        expect(ok.status).toBe(200);
        expect(ok.body.scope).toBe('read');
      });

      it('the global switch, released, keeps every client’s earlier codes dead and revoked tokens revoked', async () => {
        await start();
        const creds = { client_id: 'secret-tv', client_secret: CONFIDENTIAL_SECRET };
        const redeemed = await startAuthorization(t, { ...creds, scope: 'read' });
        await t.grants.approve(redeemed.user_code, 'carol');
        const tokens = (await poll(t, redeemed.device_code, creds).expect(200)).body;
        const tv = await startAuthorization(t, { client_id: 'tv', scope: 'read' });
        await t.grants.approve(tv.user_code, 'alice');
        const noRefresh = await startAuthorization(t, { client_id: 'no-refresh', scope: 'read' });
        await t.grants.approve(noRefresh.user_code, 'bob');

        expect(await management.disableDeviceGrant(null, { revokeTokens: true })).toBe(1);
        t.clock.advance(1000);
        expect(await management.enableDeviceGrant(null)).toBe(true);
        // Engaged and released again later: the earlier release still holds for the earlier codes.
        t.clock.advance(1000);
        await management.disableDeviceGrant('tv');
        t.clock.advance(5000);
        expect(oauthError((await poll(t, tv.device_code)).body)).toBe('unauthorized_client');
        expect(await management.enableDeviceGrant('tv')).toBe(true);
        t.clock.advance(5000);
        expect(oauthError((await poll(t, tv.device_code)).body)).toBe('expired_token');
        const res = await poll(t, noRefresh.device_code, { client_id: 'no-refresh' });
        expect(oauthError(res.body)).toBe('expired_token');

        // Tokens the switch revoked stay revoked (as before this release remembered anything).
        const introspect = (token: string) =>
          t.http
            .post('/oauth/introspect')
            .type('form')
            .send(form({ ...creds, token }))
            .expect(200);
        expect((await introspect(tokens.access_token)).body).toEqual({ active: false });
        expect((await introspect(tokens.refresh_token)).body).toEqual({ active: false });
      });

      it('a switch engaged and released between two polls still kills an approved code: no tokens minted', async () => {
        await start();
        const auth = await startAuthorization(t, { client_id: 'tv', scope: 'read' });
        await t.grants.approve(auth.user_code, 'alice');
        const issued: string[] = [];
        t.app.get<DeviceFlowEvents>(DeviceFlowEvents).subscribe((e) => {
          if (e.type === 'token.issued') issued.push(e.grantId);
        });
        // No poll saw the switch engaged.
        await management.disableDeviceGrant('tv');
        await management.enableDeviceGrant('tv');
        t.clock.advance(5000);
        expect(oauthError((await poll(t, auth.device_code)).body)).toBe('expired_token');
        expect(issued).toEqual([]);
      });
    },
  );
}

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

describe('kill switch released: the poll hot path', () => {
  let t: TestApp;
  afterEach(() => t?.close());

  it('reads a code while a killed one may be alive, and answers pending polls with one statement again after', async () => {
    const counter = new QueryCounter();
    t = await createTestApp({
      expiresIn: 600,
      database: { type: 'better-sqlite3', database: ':memory:', logger: counter },
    });
    const management = t.app.get(DeviceManagementService);
    const killed = await startAuthorization(t, { client_id: 'tv', scope: 'read' });
    await management.disableDeviceGrant('tv');
    t.clock.advance(1000);
    await management.enableDeviceGrant('tv');
    t.clock.advance(1);
    const live = await startAuthorization(t, { client_id: 'tv', scope: 'read' }); // fills the switch view

    // Within expires_in of the release: each poll reads the code, to tell a killed one by its issue time.
    counter.queries = [];
    expect(oauthError((await poll(t, killed.device_code)).body)).toBe('expired_token');
    expect(counter.queries).toHaveLength(1);
    expect(counter.queries[0]).toMatch(/^SELECT /);
    counter.queries = [];
    expect(oauthError((await poll(t, live.device_code)).body)).toBe('authorization_pending');
    expect(counter.queries).toHaveLength(2); // the read, then the conditional update

    // Every code issued before the release has expired: back to one conditional update per pending poll.
    t.clock.advance(600_000);
    const later = await startAuthorization(t, { client_id: 'tv', scope: 'read' }); // refills the view
    counter.queries = [];
    expect(oauthError((await poll(t, later.device_code)).body)).toBe('authorization_pending');
    expect(counter.queries).toHaveLength(1);
    expect(counter.queries[0]).toMatch(/^UPDATE /);
    expect(oauthError((await poll(t, killed.device_code)).body)).toBe('expired_token');
  });
});
