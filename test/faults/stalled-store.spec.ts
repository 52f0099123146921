import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DeviceFlowModuleOptions, ManualClock } from '../../libs/device-flow/src/index.js';
import { dataSourceOptionsFromUrl } from '../../src/database-url.js';
import {
  createIsolatedDatabase,
  describeWith,
  type IsolatedDatabase,
  randomRedisPrefix,
  REDIS_URL,
  SQL_SERVERS,
} from '../support/databases.js';
import {
  authorize,
  type HttpResult,
  type Instance,
  poll,
  pollUntilAnswered,
  startInstance,
} from '../support/instances.js';
import { TcpProxy } from '../support/tcp-proxy.js';

/**
 * The store stops answering but stays reachable (a TCP proxy in front of it accepts connections and passes
 * nothing on: an overloaded or paused server, a stalled network path). Requests must come back as retryable
 * 503s within the store's timeouts, never hang; once the store answers again the same flow completes. Real
 * servers, real drivers.
 */

const POSTGRES = SQL_SERVERS[0]!;

/** Each request's answer must come within this: the timeouts (2 s Redis, 5 s a PostgreSQL connection) plus slack. */
const ANSWER_WITHIN_MS = 9000;

/** A request against the stalled store: a 503 `temporarily_unavailable` with Retry-After, in time. */
async function expectRetryableInTime(request: () => Promise<HttpResult>): Promise<void> {
  const started = Date.now();
  const r = await Promise.race([
    request(),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('no answer: the request hangs')), ANSWER_WITHIN_MS),
    ),
  ]);
  expect(Date.now() - started).toBeLessThan(ANSWER_WITHIN_MS);
  expect(r.status).toBe(503);
  expect(r.body).toMatchObject({ error: 'temporarily_unavailable' });
  expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(r.headers.get('content-type')).toMatch(/application\/json/);
}

/**
 * After the proxy let the store through again: the approved code's next polls (each failure on the way a 503)
 * end with its tokens.
 */
async function expectTokensAfterRecovery(app: Instance, clock: ManualClock, deviceCode: string) {
  clock.advance(5000);
  const ok = await pollUntilAnswered(app, deviceCode, (r) => expect(r.status).toBe(503), {
    attempts: 40,
    delayMs: 250,
  });
  expect(ok.status).toBe(200);
  expect(typeof ok.body.access_token).toBe('string');
}

/**
 * The stall, then recovery: device authorization and polls answer 503 while the store is stalled; after the
 * proxy drops the stalled connections and lets new ones through, the approved code gets its tokens.
 */
async function stallAndRecover(proxy: TcpProxy, options: Partial<DeviceFlowModuleOptions>) {
  const clock = options.clock as ManualClock;
  const app = await startInstance(options);
  try {
    const auth = await authorize(app);
    await app.grants.approve(auth.user_code, 'alice');

    proxy.stall();
    await expectRetryableInTime(() => poll(app, auth.device_code));
    await expectRetryableInTime(() =>
      app.post('/oauth/device_authorization', { client_id: 'tv', scope: 'read' }),
    );
    await expectRetryableInTime(() => poll(app, auth.device_code));

    await proxy.cut();
    await proxy.restore();
    await expectTokensAfterRecovery(app, clock, auth.device_code);
  } finally {
    await app.close();
  }
}

await describeWith('Redis stops answering (device codes in Redis)', ['redis'], () => {
  let proxy: TcpProxy;
  beforeAll(async () => {
    const redis = new URL(REDIS_URL);
    proxy = new TcpProxy(redis.hostname, Number(redis.port || 6379));
    await proxy.start();
  });
  afterAll(() => proxy?.stop());

  it("the module's own client times commands out (2 s): 503 temporarily_unavailable, then the flow completes", async () => {
    const proxied = new URL(REDIS_URL);
    proxied.host = `127.0.0.1:${proxy.port}`;
    await stallAndRecover(proxy, {
      database: { type: 'better-sqlite3', database: ':memory:', synchronize: true },
      storage: 'redis',
      redis: { url: proxied.toString(), keyPrefix: randomRedisPrefix() },
      clock: new ManualClock(),
    });
  });
});

await describeWith('PostgreSQL stops answering', [POSTGRES], () => {
  let db: IsolatedDatabase;
  let proxy: TcpProxy;
  beforeAll(async () => {
    db = await createIsolatedDatabase(POSTGRES);
    proxy = new TcpProxy(POSTGRES.host, POSTGRES.port);
    await proxy.start();
  });
  afterAll(async () => {
    await proxy?.stop();
    await db?.drop();
  });

  it('requests beyond the ones stuck on stalled connections wait at most connectionTimeoutMillis: 503, then the flow completes', async () => {
    const proxied = new URL(db.url);
    proxied.host = `127.0.0.1:${proxy.port}`;
    const demo = dataSourceOptionsFromUrl(proxied.toString());
    // The demo's settings (and the module's default for a pool it owns): 5 s to get a connection, no query
    // timeout. A pool of one here, so that the second request already has to wait for a connection.
    expect(demo.extra).toEqual({ connectionTimeoutMillis: 5000 });
    const clock = new ManualClock();
    const app = await startInstance({
      database: { ...demo, extra: { ...demo.extra, max: 1 } } as never,
      clock,
    });
    try {
      const auth = await authorize(app);
      await app.grants.approve(auth.user_code, 'alice');
      proxy.stall();
      // The one connection is stuck with this poll's query (no client-side query timeout: see database-url.ts).
      const stuck = poll(app, auth.device_code);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await expectRetryableInTime(() => poll(app, auth.device_code));
      await expectRetryableInTime(() =>
        app.post('/oauth/device_authorization', { client_id: 'tv', scope: 'read' }),
      );
      await proxy.cut(); // the stuck connection breaks: its request fails as retryable too
      expect((await stuck).status).toBeGreaterThanOrEqual(500);
      await proxy.restore();
      await expectTokensAfterRecovery(app, clock, auth.device_code);
    } finally {
      await app.close();
    }
  }, 40_000);
});
