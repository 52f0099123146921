import 'reflect-metadata';
import { afterAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import {
  DEVICE_FLOW_ENTITIES,
  DEVICE_FLOW_MIGRATIONS,
  InMemoryAttemptLimiter,
  TypeOrmAttemptLimiter,
} from '../../libs/device-flow/src/index.js';
import { attemptLimiterContract } from './attempt-limiter.contract.js';

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
