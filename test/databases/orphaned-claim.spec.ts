import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  CodeHasher,
  DeviceCodeRepository,
  type DeviceFlowModuleOptions,
  ManualClock,
} from '../../libs/device-flow/src/index.js';
import { deviceCodeKey } from '../../libs/device-flow/src/codes/device-code.js';
import {
  ALL_DATABASES,
  createIsolatedDatabase,
  describeWith,
  type DatabaseServer,
  type IsolatedDatabase,
  randomRedisPrefix,
  REDIS_URL,
  SQL_SERVERS,
} from '../support/databases.js';
import { authorize, type Instance, poll, startInstance } from '../support/instances.js';

/**
 * A claim whose redemption never committed: device codes outside the transaction (Redis) are claimed at once,
 * so a server killed between the claim and the commit leaves the code consumed with no grant and no tokens. Here
 * that state is made directly — the approved code moved to `consumed` outside any unit of work, as the killed
 * server left it — on every store (with SQL-stored codes it cannot arise, but must be answered the same).
 */
const SETUPS: { name: string; server: DatabaseServer | null; redis: boolean }[] = [
  { name: 'memory', server: null, redis: false },
  ...ALL_DATABASES.map((server) => ({ name: server.label, server, redis: false })),
  ...SQL_SERVERS.map((server) => ({
    name: `Redis (device codes) + ${server.label}`,
    server,
    redis: true,
  })),
];

for (const setup of SETUPS) {
  const needs = [
    ...(setup.server ? [setup.server] : []),
    ...(setup.redis ? ['redis' as const] : []),
  ];
  await describeWith(`an orphaned claim of an approved code on ${setup.name}`, needs, () => {
    let db: IsolatedDatabase | undefined;
    let app: Instance;
    let clock: ManualClock;
    beforeAll(async () => {
      if (setup.server) db = await createIsolatedDatabase(setup.server);
      clock = new ManualClock();
      const options: Partial<DeviceFlowModuleOptions> = {
        ...(db ? { database: db.options } : { storage: 'memory' }),
        clock,
        ...(setup.redis
          ? { storage: 'redis', redis: { url: REDIS_URL, keyPrefix: randomRedisPrefix() } }
          : {}),
      };
      app = await startInstance(options);
    });
    afterAll(async () => {
      await app?.close();
      await db?.drop();
    });

    /** An approved code left consumed by a redemption that died before its commit. */
    async function orphaned() {
      const auth = await authorize(app);
      await app.grants.approve(auth.user_code, 'alice');
      const codes = app.app.get<DeviceCodeRepository>(DeviceCodeRepository);
      const hash = deviceCodeKey(app.app.get(CodeHasher), auth.device_code);
      const record = (await codes.findByDeviceCodeHash(hash))!;
      expect(await codes.transition(record.id, 'approved', 'consumed', clock.now())).toBe(true);
      clock.advance(auth.interval * 1000);
      return auth;
    }
    const active = async (token: unknown) =>
      (await app.post('/oauth/introspect', { token: String(token), client_id: 'tv' })).body.active;

    it('the next poll gets the tokens the user approved; presented again, it is a replay as ever', async () => {
      const auth = await orphaned();
      const redeemed = await poll(app, auth.device_code);
      expect(redeemed.status).toBe(200);
      expect(await active(redeemed.body.access_token)).toBe(true);
      // Exactly once: the code is now redeemed for good, and a second presentation revokes what it gave.
      const replay = await poll(app, auth.device_code);
      expect(replay.status).toBe(400);
      expect(replay.body.error).toBe('invalid_grant');
      expect(await active(redeemed.body.access_token)).toBe(false);
      expect(await active(redeemed.body.refresh_token)).toBe(false);
    });

    it('presented many times at once: one redemption, never two sets of tokens', async () => {
      const auth = await orphaned();
      const results = await Promise.all(
        Array.from({ length: 8 }, () => poll(app, auth.device_code)),
      );
      const winners = results.filter((r) => r.status === 200);
      expect(winners.length).toBeLessThanOrEqual(1);
      for (const r of results.filter((r) => r.status !== 200)) {
        // A replay; or, where the database broke a lock cycle among the presentations (MariaDB), a 503 the
        // device retries after Retry-After — never a 500, never an answer that ends its flow wrongly.
        if (r.status === 503) {
          expect(r.body.error).toBe('temporarily_unavailable');
          expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
        } else {
          expect(r.status).toBe(400);
          expect(r.body.error).toBe('invalid_grant');
        }
      }
      if (winners.length === 1) {
        // Presented more than once: the tokens it gave are revoked, as for any code presented twice.
        expect(await active(winners[0]!.body.access_token)).toBe(false);
      } else {
        // Every presentation was told to retry: the retry redeems the approval.
        expect((await poll(app, auth.device_code)).status).toBe(200);
      }
      expect((await poll(app, auth.device_code)).body.error).toBe('invalid_grant');
    });

    it('expired meanwhile: expired_token, not a redemption', async () => {
      const auth = await orphaned();
      clock.advance(1801_000);
      const res = await poll(app, auth.device_code);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('expired_token');
    });
  });
}
