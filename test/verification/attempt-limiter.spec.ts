import 'reflect-metadata';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DataSource } from 'typeorm';
import { InMemoryAttemptLimiter, TypeOrmAttemptLimiter } from '../../libs/device-flow/src/index.js';
import { attemptLimiterContract } from './attempt-limiter.contract.js';
import {
  createIsolatedDatabase,
  describeOnDatabases,
  type IsolatedDatabase,
} from '../support/databases.js';
import { migratedDataSource } from '../support/typeorm.js';

attemptLimiterContract('in memory', async () => new InMemoryAttemptLimiter());

// Counting is one dialect-specific upsert (ON CONFLICT / ON DUPLICATE KEY): the contract on every engine.
await describeOnDatabases('TypeOrmAttemptLimiter', (server) => {
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
  it('checks and counts in one statement (take) except on MySQL/MariaDB', () => {
    const l = new TypeOrmAttemptLimiter(ds);
    const mysql = ['mysql', 'mariadb'].includes(ds.options.type);
    expect(typeof l.take).toBe(mysql ? 'undefined' : 'function');
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
});
