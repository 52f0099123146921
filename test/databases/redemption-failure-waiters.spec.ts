import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  DEVICE_FLOW_DATA_SOURCE,
  type TokenRecord,
  TokenRepository,
  TypeOrmTokenRepository,
} from '../../libs/device-flow/src/index.js';
import {
  ALL_DATABASES,
  createIsolatedDatabase,
  describeWith,
  type IsolatedDatabase,
  randomRedisPrefix,
  REDIS_URL,
} from '../support/databases.js';
import { createTestApp, poll, startAuthorization, type TestApp } from '../support/test-app.js';

/** The TypeORM token store, whose next `save` fails after a pause (a redemption that fails late). */
class SlowFailingTokenRepository extends TypeOrmTokenRepository {
  failNext = false;
  override async save(records: TokenRecord[]): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      await new Promise((r) => setTimeout(r, 300));
      throw new Error('token store unavailable');
    }
    return super.save(records);
  }
}

/**
 * A redemption that fails while duplicate polls of its code wait for it (they saw the claim: at once with device
 * codes on Redis): the waiters are answered invalid_grant — never a 500, though on MariaDB several waiters may
 * deadlock once the row they waited on is gone — and the failed redemption costs the device nothing: its next
 * poll gets the tokens.
 */
for (const server of ALL_DATABASES) {
  for (const redis of [false, true]) {
    const name = `${server.label}${redis ? ' + Redis device codes' : ''}`;
    await describeWith(
      `duplicate polls waiting on a redemption that fails, on ${name}`,
      redis ? [server, 'redis'] : [server],
      () => {
        let db: IsolatedDatabase;
        let t: TestApp;
        let tokens: SlowFailingTokenRepository;
        beforeAll(async () => {
          db = await createIsolatedDatabase(server);
          t = await createTestApp(
            {
              database: db.options,
              ...(redis
                ? { storage: 'redis', redis: { url: REDIS_URL, keyPrefix: randomRedisPrefix() } }
                : {}),
            },
            {
              providers: [
                {
                  provide: TokenRepository,
                  useFactory: (s: { dataSource: never }) =>
                    (tokens = new SlowFailingTokenRepository(s.dataSource)),
                  inject: [DEVICE_FLOW_DATA_SOURCE],
                },
              ],
            },
          );
        });
        afterAll(async () => {
          await t?.close();
          await db?.drop();
        });

        it('the waiters get invalid_grant, and the device still gets its tokens', async () => {
          for (let round = 0; round < 3; round++) {
            const auth = await startAuthorization(t, { client_id: 'tv', scope: 'read' });
            await t.grants.approve(auth.user_code, 'alice');
            tokens.failNext = true;
            // Sent now (a supertest request starts when it is awaited or then-ed).
            const failing = poll(t, auth.device_code).then((r) => r);
            await new Promise((r) => setTimeout(r, 100));
            const waiters = await Promise.all([
              poll(t, auth.device_code),
              poll(t, auth.device_code),
            ]);
            const failed = await failing;
            expect(failed.status, `round ${round}: ${JSON.stringify(failed.body)}`).toBe(500);
            for (const w of waiters) {
              expect(w.status, `round ${round}: ${JSON.stringify(w.body)}`).toBeLessThan(500);
              // Either they found the code still claimed (a replay) or, after the rollback, got the tokens.
              if (w.status !== 200) expect(w.body.error).toBe('invalid_grant');
            }
            if (waiters.every((w) => w.status !== 200)) {
              const retry = await poll(t, auth.device_code);
              expect(retry.status, `round ${round}: ${JSON.stringify(retry.body)}`).toBe(200);
            }
          }
        }, 60_000);
      },
    );
  }
}
