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
import { headerUserProviders, openVerificationPage } from '../support/verification-agent.js';

/** Tight budgets, so that the limits are reached in a few requests (only the guessing tests spend them). */
const LIMITS: Partial<DeviceFlowModuleOptions> = {
  verification: {
    perSession: { limit: 3, windowSeconds: 60 },
    perIp: { limit: 5, windowSeconds: 60 },
    global: { limit: 8, windowSeconds: 60 },
  },
  // Per client and IP: the issuance test spends it for client `no-refresh`; `tv` stays far below it.
  issuanceLimit: { limit: 10, windowSeconds: 3600 },
};

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
          ...LIMITS,
          ...(setup.redis
            ? { storage: 'redis', redis: { url: REDIS_URL, keyPrefix: randomRedisPrefix() } }
            : {}),
        };
        a = await startInstance(options, headerUserProviders); // the first one migrates
        [b, c] = await Promise.all([
          startInstance(options, headerUserProviders),
          startInstance(options, headerUserProviders),
        ]);
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

      it('guessing limits hold across instances: wrong codes on A and B spend the IP budget, C refuses a valid code', async () => {
        const auth = await authorize(a);
        const server = (i: Instance) => i.app.getHttpServer();
        // Three sessions, all from 127.0.0.1: 3 wrong codes on A, then 2 on B (per-IP budget: 5).
        const first = await openVerificationPage(server(a), 'mallory');
        for (let i = 0; i < 3; i++)
          await first.post(server(a), '/device', { user_code: 'BCDF-GHJK' }).expect(303);
        const second = await openVerificationPage(server(b), 'mallory');
        for (let i = 0; i < 2; i++)
          await second.post(server(b), '/device', { user_code: 'BCDF-GHJK' }).expect(303);

        // A fresh session on C (its own per-session budget untouched, global 5 < 8): the IP budget is spent.
        const third = await openVerificationPage(server(c), 'alice');
        const locked = await third.post(server(c), '/device', { user_code: auth.user_code });
        expect(locked.status).toBe(429);
        expect(locked.headers['content-type']).toMatch(/text\/html/);
        expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
        expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(60);
        expect(locked.text).toContain('Too many attempts');
        const decision = await third.post(server(c), '/device/decision', {
          user_code: auth.user_code,
          decision: 'approve',
          scope_0: 'read',
        });
        expect(decision.status).toBe(429);
        expect(decision.headers['retry-after']).toBeDefined();
        expect((await poll(c, auth.device_code)).body.error).toBe('authorization_pending');

        // The window ends for every instance at once.
        clock.advance(60_000);
        await third
          .post(server(c), '/device', { user_code: auth.user_code })
          .expect(303)
          .expect('location', '/device/consent');
        // The consent page, on yet another instance: the page session (with the code) is shared by key.
        const consent = await third.get(server(a), '/device/consent').expect(200);
        expect(consent.text).toContain(auth.user_code);
      });

      it('the device code issuance limit counts across instances', async () => {
        const ask = (i: Instance) =>
          i.post('/oauth/device_authorization', { client_id: 'no-refresh', scope: 'read' });
        const instances = [a, b, c];
        for (let i = 0; i < 10; i++) expect((await ask(instances[i % 3]!)).status).toBe(200);
        for (const i of instances) {
          const limited = await ask(i);
          expect(limited.status).toBe(429);
          expect(limited.body.error).toBe('temporarily_unavailable');
          expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
        }
      });
    },
  );
}
