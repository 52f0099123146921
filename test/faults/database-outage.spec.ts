import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DeviceFlowModuleOptions, ManualClock } from '../../libs/device-flow/src/index.js';
import {
  createIsolatedDatabase,
  describeWith,
  type DatabaseServer,
  type IsolatedDatabase,
  pgAdmin,
  randomRedisPrefix,
  REDIS_URL,
  SQL_SERVERS,
} from '../support/databases.js';
import {
  authorize,
  type HttpResult,
  type Instance,
  poll,
  pollUntilAnswered as pollUntilShared,
  startInstance,
} from '../support/instances.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { headerUserProviders, openVerificationPage } from '../support/verification-agent.js';

/**
 * The store goes away mid-flow (a TCP proxy in front of it is cut: open connections reset, new ones refused)
 * and comes back. Real servers, real drivers, no mocks.
 */
const SETUPS: { name: string; server: DatabaseServer; redis: boolean }[] = [
  { name: 'PostgreSQL', server: SQL_SERVERS[0]!, redis: false },
  { name: 'MariaDB', server: SQL_SERVERS[1]!, redis: false },
  { name: 'Redis (device codes) + PostgreSQL (tokens)', server: SQL_SERVERS[0]!, redis: true },
];

/** A 5xx OAuth error that tells the client to retry: never tokens, never a terminal error. */
function expectRetryableFailure(r: HttpResult): void {
  expect(r.status).toBeGreaterThanOrEqual(500);
  expect(['server_error', 'temporarily_unavailable']).toContain(r.body.error);
  expect(r.body.access_token).toBeUndefined();
  expect(r.body.device_code).toBeUndefined();
  expect(r.headers.get('content-type')).toMatch(/application\/json/);
  if (r.status === 503) expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
}

/** The verification page's answer while the store is away: an HTML page asking to retry, nothing else. */
function expectRetryPage(r: {
  status: number;
  headers: Record<string, string>;
  text: string;
}): void {
  expect(r.status).toBe(503);
  expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
  expect(r.headers['content-type']).toMatch(/text\/html/);
  expect(r.headers['x-frame-options']).toBe('DENY');
  expect(r.text).toContain('Please try again in a moment.');
  expect(r.text).not.toMatch(/\n\s+at |Error\b|ECONN|QueryFailed|"error"/);
}

/** Polls until the store is back, checking every failure on the way. */
const pollUntilAnswered = (i: Instance, deviceCode: string) =>
  pollUntilShared(i, deviceCode, expectRetryableFailure);

for (const setup of SETUPS) {
  await describeWith(
    `faults and restarts on ${setup.name}`,
    setup.redis ? [setup.server, 'redis'] : [setup.server],
    () => {
      const clock = new ManualClock();
      let db: IsolatedDatabase;
      let proxy: TcpProxy;
      let options: Partial<DeviceFlowModuleOptions>;
      let direct: Partial<DeviceFlowModuleOptions>;

      beforeAll(async () => {
        db = await createIsolatedDatabase(setup.server);
        const redisUrl = new URL(REDIS_URL);
        proxy = setup.redis
          ? new TcpProxy(redisUrl.hostname, Number(redisUrl.port || 6379))
          : new TcpProxy(setup.server.host, setup.server.port);
        await proxy.start();
        const keyPrefix = randomRedisPrefix();
        if (setup.redis) {
          const proxied = new URL(REDIS_URL);
          proxied.host = `127.0.0.1:${proxy.port}`;
          options = {
            database: db.options,
            storage: 'redis',
            redis: { url: proxied.toString(), keyPrefix },
            clock,
          };
          direct = { ...options, redis: { url: REDIS_URL, keyPrefix } };
        } else {
          const proxied = new URL(db.url);
          proxied.host = `127.0.0.1:${proxy.port}`;
          options = { database: { ...db.options, url: proxied.toString() } as never, clock };
          direct = { database: db.options, clock };
        }
      });
      afterAll(async () => {
        await proxy?.stop();
        await db?.drop();
      });

      it('store away mid-flow: 5xx JSON with Retry-After, no codes handed out; back: the same flow completes', async () => {
        const app = await startInstance(options);
        try {
          const auth = await authorize(app);
          await app.grants.approve(auth.user_code, 'alice');

          await proxy.cut();
          expectRetryableFailure(await poll(app, auth.device_code));
          expectRetryableFailure(await poll(app, auth.device_code));
          expectRetryableFailure(
            await app.post('/oauth/device_authorization', { client_id: 'tv', scope: 'read' }),
          );

          await proxy.restore();
          clock.advance(5000);
          const ok = await pollUntilAnswered(app, auth.device_code);
          expect(ok.status).toBe(200);
          expect(typeof ok.body.access_token).toBe('string');
          // Codes issued after recovery work end to end.
          const next = await authorize(app);
          await app.grants.approve(next.user_code, 'alice');
          expect((await poll(app, next.device_code)).status).toBe(200);
        } finally {
          await app.close();
        }
      });

      it('an outage between approval and the poll never turns into expired_token or access_denied', async () => {
        const app = await startInstance(options);
        try {
          const auth = await authorize(app);
          expect((await poll(app, auth.device_code)).body.error).toBe('authorization_pending');
          await proxy.cut();
          for (let i = 0; i < 3; i++) {
            clock.advance(5000);
            expectRetryableFailure(await poll(app, auth.device_code));
          }
          await proxy.restore();
          clock.advance(5000);
          expect((await pollUntilAnswered(app, auth.device_code)).body.error).toBe(
            'authorization_pending',
          );
        } finally {
          await app.close();
        }
      });

      it('verification page with the store away: a retry page, nothing recorded; back: the same approval completes', async () => {
        // One counted failure would lock the session and the IP: an entry that works afterwards proves none was.
        const app = await startInstance(
          {
            ...options,
            verification: {
              perSession: { limit: 1, windowSeconds: 600 },
              perIp: { limit: 1, windowSeconds: 600 },
            },
          },
          headerUserProviders,
        );
        const server = app.app.getHttpServer();
        try {
          const auth = await authorize(app);
          const browser = await openVerificationPage(server, 'alice');
          const approve = { user_code: auth.user_code, decision: 'approve', scope_0: 'read' };

          await proxy.cut();
          // The entry form needs no storage: the code is pre-filled as usual.
          const form = await request(server)
            .get(`/device?user_code=${auth.user_code}`)
            .set('x-test-user', 'alice');
          expect(form.status).toBe(200);
          expect(form.text).toContain(`value="${auth.user_code}"`);
          expectRetryPage(await browser.post(server, '/device', { user_code: auth.user_code }));
          expectRetryPage(await browser.post(server, '/device/decision', approve));
          expectRetryPage(await browser.post(server, '/device/decision', approve));

          await proxy.restore();
          clock.advance(5000);
          // Nothing was approved (the device still waits) and nothing was counted (the entry is not locked).
          expect((await pollUntilAnswered(app, auth.device_code)).body.error).toBe(
            'authorization_pending',
          );
          const entered = await browser.post(server, '/device', { user_code: auth.user_code });
          expect(entered.status).toBe(303);
          expect(entered.headers.location).toBe('/device/consent');
          const consent = await browser.get(server, '/device/consent');
          expect(consent.status).toBe(200);
          expect(consent.text).toContain(auth.user_code);
          const approved = await browser.post(server, '/device/decision', approve);
          expect(approved.status).toBe(303);
          expect(approved.headers.location).toBe('/device/approved');
          clock.advance(5000);
          const ok = await poll(app, auth.device_code);
          expect(ok.status).toBe(200);
          expect(typeof ok.body.access_token).toBe('string');
        } finally {
          await app.close();
        }
      });

      if (setup.server.kind === 'postgres' && !setup.redis) {
        it('pg_terminate_backend on every connection: answers stay retryable, then the flow completes', async () => {
          const app = await startInstance(direct);
          try {
            const auth = await authorize(app);
            await app.grants.approve(auth.user_code, 'alice');
            await pgAdmin(
              setup.server,
              `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = '${db.name}' AND pid <> pg_backend_pid()`,
            );
            clock.advance(5000);
            const r = await pollUntilAnswered(app, auth.device_code);
            expect(r.status).toBe(200);
            expect(typeof r.body.access_token).toBe('string');
          } finally {
            await app.close();
          }
        });
      }

      if (setup.server.kind === 'postgres' && !setup.redis) {
        it('connection killed inside the claim transaction: 5xx, the code stays approved, the next poll gets tokens', async () => {
          const app = await startInstance(direct);
          const locker = new pg.Client({ connectionString: db.url });
          await locker.connect();
          try {
            const auth = await authorize(app);
            await app.grants.approve(auth.user_code, 'alice');
            // Hold the row so the instance's claim (UPDATE … WHERE status = 'approved') waits inside its transaction.
            await locker.query('BEGIN');
            await locker.query('SELECT id FROM device_flow_device_codes FOR UPDATE');
            const lockerPid = (await locker.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
            clock.advance(5000);
            const pending = poll(app, auth.device_code);
            let blocked: number[] = [];
            for (let i = 0; i < 100 && blocked.length === 0; i++) {
              await new Promise((r) => setTimeout(r, 50));
              const rows = await locker.query(
                `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> $2 AND wait_event_type = 'Lock'`,
                [db.name, lockerPid],
              );
              blocked = rows.rows.map((r: { pid: number }) => r.pid);
            }
            expect(blocked.length).toBeGreaterThan(0);
            await locker.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [
              blocked,
            ]);
            expectRetryableFailure(await pending);
            await locker.query('COMMIT');

            const ok = await pollUntilAnswered(app, auth.device_code);
            expect(ok.status).toBe(200);
            expect(typeof ok.body.access_token).toBe('string');
          } finally {
            await locker.end();
            await app.close();
          }
        });
      }

      it('restart: issue, slow down and approve, restart the app, poll: interval survives, tokens come', async () => {
        const first = await startInstance(direct);
        const auth = await authorize(first);
        expect((await poll(first, auth.device_code)).body.error).toBe('authorization_pending');
        clock.advance(1000);
        expect((await poll(first, auth.device_code)).body.error).toBe('slow_down'); // interval 10 s
        await first.close();

        const second = await startInstance(direct);
        try {
          clock.advance(7000); // ≥ 5 s but < 10 s: too fast only if the grown interval survived
          expect((await poll(second, auth.device_code)).body.error).toBe('slow_down');
          await second.grants.approve(auth.user_code, 'alice');
          clock.advance(15_000);
          const ok = await poll(second, auth.device_code);
          expect(ok.status).toBe(200);
          expect(typeof ok.body.access_token).toBe('string');
        } finally {
          await second.close();
        }
      });
    },
  );
}
