import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { DEVICE_FLOW_MIGRATIONS } from '../../libs/device-flow/src/index.js';
import {
  createIsolatedDatabase,
  describeOnDatabases,
  type IsolatedDatabase,
} from '../support/databases.js';

/**
 * `npm run migration:run` is `typeorm migration:run -d dist/ormconfig.js`: the DataSource that `ormconfig.ts`
 * builds from `DATABASE_URL`. This loads that very module with `DATABASE_URL` pointing at each engine and does
 * what the CLI does (run, then revert, then run again).
 */
await describeOnDatabases('ormconfig.ts with DATABASE_URL', (server) => {
  let db: IsolatedDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createIsolatedDatabase(server);
    vi.stubEnv(
      'DATABASE_URL',
      server.kind === 'mariadb' ? db.url.replace(/^mysql:/, 'mariadb:') : db.url,
    );
    vi.resetModules();
    ds = (await import('../../ormconfig.js')).default;
    vi.unstubAllEnvs();
    await ds.initialize();
  });
  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await db?.drop();
  });

  it('runs, reverts and re-runs the committed migrations', async () => {
    expect(ds.options.type).toBe(
      server.kind === 'sqlite'
        ? 'better-sqlite3'
        : server.kind === 'postgres'
          ? 'postgres'
          : 'mariadb',
    );
    const applied = await ds.runMigrations();
    expect(applied.map((m) => m.name)).toEqual(DEVICE_FLOW_MIGRATIONS.map((m) => m.name));
    expect(await ds.showMigrations()).toBe(false); // nothing pending
    const q = ds.createQueryRunner();
    try {
      expect(await q.hasTable('device_flow_device_codes')).toBe(true);
      // The purge's index on grant expiry (DeviceFlowGrantExpiry1764900000000).
      expect((await q.getTable('device_flow_grants'))?.indices.map((i) => i.name)).toContain(
        'IDX_device_flow_grant_expires_at',
      );
      for (let i = 0; i < applied.length; i++) await ds.undoLastMigration();
      expect(await q.hasTable('device_flow_device_codes')).toBe(false);
      expect(await q.hasTable('device_flow_tokens')).toBe(false);
      expect((await ds.runMigrations()).length).toBe(applied.length);
      expect(await q.hasTable('device_flow_tokens')).toBe(true);
    } finally {
      await q.release();
    }
  });
});
