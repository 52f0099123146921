import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  DEVICE_FLOW_DATA_SOURCE,
  type DeviceFlowModuleOptions,
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

/** The real TypeORM token store, except that its next `save` fails after the rows were written. */
class FailingOnceTokenRepository extends TypeOrmTokenRepository {
  failNext = false;
  saved: TokenRecord[][] = [];

  override async save(records: TokenRecord[]): Promise<void> {
    await super.save(records);
    this.saved.push(records);
    if (this.failNext) {
      this.failNext = false;
      throw new Error('token store failed after writing');
    }
  }
}

const SETUPS: { name: string; server: DatabaseServer; redis: boolean }[] = [
  ...ALL_DATABASES.map((server) => ({ name: server.label, server, redis: false })),
  { name: 'Redis (device codes) + PostgreSQL (tokens)', server: SQL_SERVERS[0]!, redis: true },
];

for (const setup of SETUPS) {
  await describeWith(
    `token issuance and code consumption are one unit on ${setup.name}`,
    setup.redis ? [setup.server, 'redis'] : [setup.server],
    () => {
      let db: IsolatedDatabase;
      beforeAll(async () => {
        db = await createIsolatedDatabase(setup.server);
      });
      afterAll(() => db?.drop());

      it('if minting fails the code is not burned: no tokens survive, and the next poll gets them', async () => {
        let tokens!: FailingOnceTokenRepository;
        const options: Partial<DeviceFlowModuleOptions> = {
          database: db.options,
          clock: new ManualClock(),
          ...(setup.redis
            ? { storage: 'redis', redis: { url: REDIS_URL, keyPrefix: randomRedisPrefix() } }
            : {}),
        };
        const app = await startInstance(options, [
          {
            provide: TokenRepository,
            useFactory: (s: { dataSource: never }) =>
              (tokens = new FailingOnceTokenRepository(s.dataSource)),
            inject: [DEVICE_FLOW_DATA_SOURCE],
          },
        ]);
        try {
          const auth = await authorize(app);
          await app.grants.approve(auth.user_code, 'alice');
          tokens.failNext = true;
          const failed = await poll(app, auth.device_code);
          expect(failed.status).toBe(500);
          expect(failed.body).toEqual({
            error: 'server_error',
            error_description: 'the server could not complete the request',
          });
          const written = tokens.saved[0]!;
          for (const t of written) expect(await tokens.findByHash(t.tokenHash)).toBeNull();

          const ok = await poll(app, auth.device_code);
          expect(ok.status).toBe(200);
          expect(typeof ok.body.access_token).toBe('string');
          expect((await poll(app, auth.device_code)).body.error).toBe('invalid_grant');
        } finally {
          await app.close();
        }
      });
    },
  );
}
