import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  DEVICE_FLOW_DATA_SOURCE,
  type DeviceFlowModuleOptions,
  InMemoryTokenRepository,
  ManualClock,
  type TokenRecord,
  TokenRepository,
  TypeOrmTokenRepository,
} from '../../libs/device-flow/src/index.js';
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
import { authorize, poll, startInstance } from '../support/instances.js';

/** A real token store, except that its next `save` fails after the rows were written. */
class FailingOnceTokenRepository implements TokenRepository {
  failNext = false;
  saved: TokenRecord[][] = [];

  constructor(private readonly store: TokenRepository) {}

  async save(records: TokenRecord[]): Promise<void> {
    await this.store.save(records);
    this.saved.push(records);
    if (this.failNext) {
      this.failNext = false;
      throw new Error('token store failed after writing');
    }
  }
  findByHash(hash: string) {
    return this.store.findByHash(hash);
  }
  revoke(id: string, now: number) {
    return this.store.revoke(id, now);
  }
  revokeGrant(grantId: string, now: number) {
    return this.store.revokeGrant(grantId, now);
  }
  deleteExpired(before: number) {
    return this.store.deleteExpired(before);
  }
}

const SETUPS: { name: string; server: DatabaseServer | null; redis: boolean }[] = [
  { name: 'memory', server: null, redis: false },
  ...ALL_DATABASES.map((server) => ({ name: server.label, server, redis: false })),
  { name: 'Redis (device codes) + PostgreSQL (tokens)', server: SQL_SERVERS[0]!, redis: true },
];

for (const setup of SETUPS) {
  const needs = [
    ...(setup.server ? [setup.server] : []),
    ...(setup.redis ? ['redis' as const] : []),
  ];
  await describeWith(
    `token issuance is one unit with the code's claim and the refresh token's rotation on ${setup.name}`,
    needs,
    () => {
      let db: IsolatedDatabase | undefined;
      beforeAll(async () => {
        if (setup.server) db = await createIsolatedDatabase(setup.server);
      });
      afterAll(() => db?.drop());

      /** An instance whose token store fails its next `save` (after writing) when told to. */
      async function start() {
        let tokens!: FailingOnceTokenRepository;
        const options: Partial<DeviceFlowModuleOptions> = {
          ...(db ? { database: db.options } : { storage: 'memory' }),
          clock: new ManualClock(),
          ...(setup.redis
            ? { storage: 'redis', redis: { url: REDIS_URL, keyPrefix: randomRedisPrefix() } }
            : {}),
        };
        const app = await startInstance(options, [
          db
            ? {
                provide: TokenRepository,
                useFactory: (s: { dataSource: never }) =>
                  (tokens = new FailingOnceTokenRepository(
                    new TypeOrmTokenRepository(s.dataSource),
                  )),
                inject: [DEVICE_FLOW_DATA_SOURCE],
              }
            : {
                provide: TokenRepository,
                useFactory: () =>
                  (tokens = new FailingOnceTokenRepository(new InMemoryTokenRepository())),
              },
        ]);
        return { app, tokens: () => tokens };
      }

      it('if minting fails the code is not burned: no tokens survive, and the next poll gets them', async () => {
        const { app, tokens: store } = await start();
        try {
          const tokens = store();
          const auth = await authorize(app);
          await app.grants.approve(auth.user_code, 'alice');
          tokens.failNext = true;
          const failed = await poll(app, auth.device_code);
          expect(failed.status).toBe(500);
          expect(failed.body).toEqual({
            error: 'server_error',
            error_description: 'the server could not complete the request',
          });
          // In memory nothing rolls back what was written, but those tokens were never handed out.
          const written = tokens.saved[0]!;
          if (db) for (const t of written) expect(await tokens.findByHash(t.tokenHash)).toBeNull();

          const ok = await poll(app, auth.device_code);
          expect(ok.status).toBe(200);
          expect(typeof ok.body.access_token).toBe('string');
          expect((await poll(app, auth.device_code)).body.error).toBe('invalid_grant');
        } finally {
          await app.close();
        }
      });

      it('if storing the new tokens of a refresh fails, the old refresh token is not spent: the retry rotates, no reuse', async () => {
        const { app, tokens: store } = await start();
        try {
          const tokens = store();
          const auth = await authorize(app);
          await app.grants.approve(auth.user_code, 'alice');
          const first = await poll(app, auth.device_code);
          expect(first.status).toBe(200);
          const refresh = () =>
            app.post('/oauth/token', {
              grant_type: 'refresh_token',
              client_id: 'tv',
              refresh_token: String(first.body.refresh_token),
            });
          tokens.failNext = true;
          const failed = await refresh();
          expect(failed.status).toBe(500);
          // The client retries with the same refresh token, as it should: a rotation, not a reuse.
          const retried = await refresh();
          expect(retried.status).toBe(200);
          expect(retried.body.refresh_token).not.toBe(first.body.refresh_token);
          const active = async (token: unknown) =>
            (await app.post('/oauth/introspect', { token: String(token), client_id: 'tv' })).body
              .active;
          expect(await active(retried.body.access_token)).toBe(true);
          expect(await active(first.body.access_token)).toBe(true);
          // Spent now: presented once more, it is a reuse and the grant dies.
          expect((await refresh()).body.error).toBe('invalid_grant');
          expect(await active(retried.body.access_token)).toBe(false);
        } finally {
          await app.close();
        }
      });
    },
  );
}
