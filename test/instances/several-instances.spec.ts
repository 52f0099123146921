import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DeviceFlowModuleOptions, ManualClock } from '../../libs/device-flow/src/index.js';
import {
  createIsolatedDatabase,
  describeWith,
  type IsolatedDatabase,
  randomRedisPrefix,
  REDIS_URL,
  SQL_SERVERS,
} from '../support/databases.js';
import { authorize, type Instance, poll, startInstance } from '../support/instances.js';

/** Three independent apps (own Nest app, own DataSource/Redis client, own port) on one shared store. */
const SETUPS: { name: string; redis: boolean; server: (typeof SQL_SERVERS)[number] }[] = [
  { name: 'PostgreSQL', redis: false, server: SQL_SERVERS[0]! },
  { name: 'MariaDB', redis: false, server: SQL_SERVERS[1]! },
  { name: 'Redis (device codes) + PostgreSQL (tokens)', redis: true, server: SQL_SERVERS[0]! },
];

for (const setup of SETUPS) {
  await describeWith(
    `several instances on ${setup.name}`,
    setup.redis ? [setup.server, 'redis'] : [setup.server],
    () => {
      const clock = new ManualClock();
      let db: IsolatedDatabase;
      let a: Instance, b: Instance, c: Instance;

      beforeAll(async () => {
        db = await createIsolatedDatabase(setup.server);
        const options: Partial<DeviceFlowModuleOptions> = {
          database: db.options,
          clock,
          ...(setup.redis
            ? { storage: 'redis', redis: { url: REDIS_URL, keyPrefix: randomRedisPrefix() } }
            : {}),
        };
        a = await startInstance(options); // the first one migrates
        [b, c] = await Promise.all([startInstance(options), startInstance(options)]);
      });
      afterAll(async () => {
        await Promise.all([a, b, c].map((i) => i?.close()));
        await db?.drop();
      });

      it('runs on separate ports', () => {
        expect(new Set([a.url, b.url, c.url]).size).toBe(3);
      });

      it('a code issued on one instance is approved on a second and redeemed on a third, once', async () => {
        const auth = await authorize(a, 'read write');
        await b.grants.approve(auth.user_code, 'alice', ['read']);
        const ok = await poll(c, auth.device_code);
        expect(ok.status).toBe(200);
        expect(ok.body).toMatchObject({ token_type: 'Bearer', scope: 'read' });
        expect(typeof ok.body.access_token).toBe('string');
        clock.advance(5000);
        const again = await poll(a, auth.device_code);
        expect(again.status).toBe(400);
        expect(again.body.error).toBe('invalid_grant');
      });

      it('50 concurrent polls of an approved code spread over the instances give exactly one token', async () => {
        const auth = await authorize(b);
        await c.grants.approve(auth.user_code, 'bob');
        const instances = [a, b, c];
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) => poll(instances[i % 3]!, auth.device_code)),
        );
        const winners = results.filter((r) => r.status === 200);
        expect(winners).toHaveLength(1);
        for (const r of results.filter((x) => x.status !== 200)) {
          expect(r.status).toBe(400);
          expect(r.body.error).toBe('invalid_grant');
        }
      });

      it('slow_down holds across instances: the interval grown on one is enforced by the others', async () => {
        const auth = await authorize(a);
        expect((await poll(a, auth.device_code)).body.error).toBe('authorization_pending');
        clock.advance(1000);
        expect((await poll(b, auth.device_code)).body.error).toBe('slow_down'); // interval now 10 s
        clock.advance(6000);
        expect((await poll(c, auth.device_code)).body.error).toBe('slow_down'); // 6 s < 10 s: now 15 s
        clock.advance(14_000);
        expect((await poll(a, auth.device_code)).body.error).toBe('authorization_pending');
        await b.grants.approve(auth.user_code, 'carol');
        clock.advance(15_000);
        expect((await poll(c, auth.device_code)).status).toBe(200);
      });
    },
  );
}
