import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import {
  DEVICE_FLOW_ENTITIES,
  DEVICE_FLOW_MIGRATIONS,
  InMemoryAttemptLimiter,
  TypeOrmAttemptLimiter,
} from '../../libs/device-flow/src/index.js';
import { attemptLimiterContract } from './attempt-limiter.contract.js';
import {
  createIsolatedDatabase,
  describeOnDatabases,
  type IsolatedDatabase,
  SQL_SERVERS,
} from '../support/databases.js';
import { migratedDataSource } from '../support/typeorm.js';

const sources: DataSource[] = [];
afterAll(() => Promise.all(sources.map((s) => s.destroy())));

attemptLimiterContract('in memory', async () => new InMemoryAttemptLimiter());

attemptLimiterContract('TypeORM on SQLite (migrated)', async () => {
  const ds = new DataSource({
    type: 'better-sqlite3',
    database: ':memory:',
    entities: DEVICE_FLOW_ENTITIES,
    migrations: DEVICE_FLOW_MIGRATIONS,
    migrationsRun: true,
  });
  await ds.initialize();
  sources.push(ds);
  return new TypeOrmAttemptLimiter(ds);
});

describe('TypeOrmAttemptLimiter.deleteStale', () => {
  it('deletes only counters whose window started before the cut-off', async () => {
    const ds = new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
      entities: DEVICE_FLOW_ENTITIES,
      migrations: DEVICE_FLOW_MIGRATIONS,
      migrationsRun: true,
    });
    await ds.initialize();
    sources.push(ds);
    const l = new TypeOrmAttemptLimiter(ds);
    const bucket = (key: string) => ({ key, limit: 1, windowMs: 60_000 });
    await l.record([bucket('old')], 1000);
    await l.record([bucket('new')], 5000);
    expect(await l.deleteStale(5000)).toBe(1);
    expect(await l.retryAfterMs([bucket('old')], 6000)).toBe(0);
    expect(await l.retryAfterMs([bucket('new')], 6000)).toBe(59_000);
  });
});

// Counting is one dialect-specific upsert (ON CONFLICT / ON DUPLICATE KEY): the contract on every server.
await describeOnDatabases(
  'TypeOrmAttemptLimiter',
  (server) => {
    let db: IsolatedDatabase;
    let ds: DataSource;
    beforeAll(async () => {
      db = await createIsolatedDatabase(server);
      ds = await migratedDataSource(db.options);
    });
    afterAll(async () => {
      if (ds?.isInitialized) await ds.destroy();
      await db?.drop();
    });
    attemptLimiterContract(server.label, async () => {
      await ds.query(`DELETE FROM ${ds.driver.escape('device_flow_attempts')}`);
      return new TypeOrmAttemptLimiter(ds);
    });
    it('deletes only stale counters', async () => {
      const l = new TypeOrmAttemptLimiter(ds);
      const bucket = (key: string) => ({ key, limit: 1, windowMs: 60_000 });
      await l.record([bucket('stale-old')], 1000);
      await l.record([bucket('stale-new')], 5000);
      expect(await l.deleteStale(5000)).toBe(1);
      expect(await l.retryAfterMs([bucket('stale-old')], 6000)).toBe(0);
      expect(await l.retryAfterMs([bucket('stale-new')], 6000)).toBe(59_000);
    });
  },
  SQL_SERVERS,
);
