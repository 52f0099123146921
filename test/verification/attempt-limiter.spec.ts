import 'reflect-metadata';
import { afterAll } from 'vitest';
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
