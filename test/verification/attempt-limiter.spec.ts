import 'reflect-metadata';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
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
  it('checks and counts with one statement, and refuses a full bucket with one more read', async () => {
    const l = new TypeOrmAttemptLimiter(ds);
    const statements = vi.spyOn(ds.logger, 'logQuery');
    const b = { key: 'one-statement', limit: 1, windowMs: 60_000 };
    const t0 = Date.UTC(2026, 0, 1);
    expect(await l.take(b, t0)).toBe(0);
    expect(statements).toHaveBeenCalledTimes(1);
    expect(String(statements.mock.calls[0]![0])).toMatch(/^INSERT INTO/);
    statements.mockClear();
    expect(await l.take(b, t0 + 1000)).toBe(59_000);
    expect(statements).toHaveBeenCalledTimes(2);
    statements.mockRestore();
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
