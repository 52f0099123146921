import 'reflect-metadata';
import { Column, DataSource, type DataSourceOptions, Entity, PrimaryColumn } from 'typeorm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  DEVICE_FLOW_ENTITIES,
  DEVICE_FLOW_MIGRATIONS,
  DeviceCodeRepository,
  ManualClock,
} from '../../libs/device-flow/src/index.js';
import {
  createIsolatedDatabase,
  describeOnDatabases,
  type IsolatedDatabase,
} from '../support/databases.js';
import { authorize, poll, startInstance } from '../support/instances.js';

/** An entity of the host application, living beside the module's tables. */
@Entity({ name: 'host_users' })
class HostUser {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;
}

await describeOnDatabases('the module', (server) => {
  let db: IsolatedDatabase;
  beforeAll(async () => {
    db = await createIsolatedDatabase(server);
  });
  afterAll(() => db?.drop());

  it("works on the integrator's own DataSource, migrated with the module's migrations, and leaves it open", async () => {
    const own = await createIsolatedDatabase(server);
    const hostDs = new DataSource({
      ...own.options,
      entities: [HostUser, ...DEVICE_FLOW_ENTITIES],
      migrations: DEVICE_FLOW_MIGRATIONS,
      synchronize: false,
    } as DataSourceOptions);
    await hostDs.initialize();
    try {
      await hostDs.runMigrations();
      await hostDs.getRepository(HostUser).query('SELECT 1'); // the host's connection is usable
      const app = await startInstance({ dataSource: hostDs, clock: new ManualClock() });
      const auth = await authorize(app);
      await app.grants.approve(auth.user_code, 'alice');
      const ok = await poll(app, auth.device_code);
      expect(ok.status).toBe(200);
      await app.close();
      expect(hostDs.isInitialized).toBe(true);
      const rows = await hostDs.query('SELECT COUNT(*) AS n FROM device_flow_tokens');
      expect(Number(rows[0].n ?? rows[0].N)).toBe(2);
    } finally {
      await hostDs.destroy();
      await own.drop();
    }
  });

  it('purges expired codes and tokens after the retention period, keeping consumed codes to detect replay', async () => {
    const clock = new ManualClock();
    const options = {
      database: db.options,
      clock,
      expiresIn: 600,
      accessTokenTtl: 60,
      refreshTokenTtl: 60,
      purge: { interval: false as const, retention: 3600 },
    };
    const a = await startInstance(options);
    const b = await startInstance(options);
    try {
      const used = await authorize(a);
      await a.grants.approve(used.user_code, 'alice');
      expect((await poll(a, used.device_code)).status).toBe(200);
      const abandoned = await authorize(a);

      clock.advance(600_000 + 60_000); // expired, but within the retention period
      expect(await a.purger.purgeExpired()).toEqual({
        deviceCodes: 0,
        tokens: 0,
        deviceGrants: 0,
        attempts: 0,
      });
      const replay = await poll(b, used.device_code);
      expect(replay.body).toMatchObject({ error: 'invalid_grant' });
      expect(String(replay.body.error_description)).toMatch(/already used/);

      clock.advance(3600_000);
      // Two instances purging at once: together they delete each row once, and neither fails.
      const [x, y] = await Promise.all([a.purger.purgeExpired(), b.purger.purgeExpired()]);
      expect(x.deviceCodes + y.deviceCodes).toBe(2);
      expect(x.tokens + y.tokens).toBe(2);
      // The redeemed code's device grant goes with its tokens (its IP address and user agent with it).
      expect(x.deviceGrants + y.deviceGrants).toBe(1);
      // The issuance counter of the two authorizations (one client, one IP) is over too.
      expect(x.attempts + y.attempts).toBe(1);
      const codes = a.app.get<DeviceCodeRepository>(DeviceCodeRepository);
      expect(await codes.deleteExpired(clock.now())).toBe(0);
      expect((await poll(b, abandoned.device_code)).body.error).toBe('invalid_grant');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('the scheduled purge runs on its interval', async () => {
    const clock = new ManualClock();
    const app = await startInstance({
      database: db.options,
      clock,
      expiresIn: 600,
      purge: { interval: 0.05, retention: 0 },
    });
    try {
      const auth = await authorize(app);
      clock.advance(601_000);
      const deadline = Date.now() + 5000;
      let status = '';
      while (Date.now() < deadline) {
        const r = await poll(app, auth.device_code);
        status = String(r.body.error_description);
        if (/invalid/.test(status)) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(status).toMatch(/device code is invalid/);
    } finally {
      await app.close();
    }
  });
});
