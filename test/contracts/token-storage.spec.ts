import { afterEach, describe, expect, it } from 'vitest';
import {
  InMemoryDeviceGrantRepository,
  InMemoryKillSwitchRepository,
  TypeOrmDeviceGrantRepository,
  TypeOrmKillSwitchRepository,
} from '../../libs/device-flow/src/index.js';
import { DeviceFlowStorage } from '../../libs/device-flow/src/persistence/typeorm/owned-data-source.js';
import { deviceGrantRepositoryContract } from './device-grant.repository.contract.js';
import { killSwitchRepositoryContract } from './kill-switch.repository.contract.js';

/** Open SQLite databases, closed after each test. */
const open: DeviceFlowStorage[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.onApplicationShutdown();
});

/** A migrated in-memory SQLite database. */
async function sqlite(): Promise<DeviceFlowStorage> {
  const storage = await DeviceFlowStorage.owned({ type: 'better-sqlite3', database: ':memory:' });
  open.push(storage);
  return storage;
}

describe('DeviceGrantRepository: in memory', () => {
  deviceGrantRepositoryContract(async () => new InMemoryDeviceGrantRepository());
});
describe('DeviceGrantRepository: TypeORM on SQLite', () => {
  deviceGrantRepositoryContract(
    async () => new TypeOrmDeviceGrantRepository((await sqlite()).dataSource),
  );
});
describe('KillSwitchRepository: in memory', () => {
  killSwitchRepositoryContract(async () => new InMemoryKillSwitchRepository());
});
describe('KillSwitchRepository: TypeORM on SQLite', () => {
  killSwitchRepositoryContract(
    async () => new TypeOrmKillSwitchRepository((await sqlite()).dataSource),
  );
});

describe('migrations', () => {
  // Only the tables of this migration: TypeORM's SQLite schema builder also reports differences on the
  // init migration's device code and client tables (column defaults), which are not this suite's concern.
  it('create the grants and kill switch tables exactly as their entities describe', async () => {
    const { dataSource } = await sqlite();
    const pending = await dataSource.driver.createSchemaBuilder().log();
    const ours = pending.upQueries
      .map((q) => q.query)
      .filter((q) => /device_flow_(grants|kill_switches)/.test(q));
    expect(ours).toEqual([]);
    expect(await dataSource.createQueryRunner().hasTable('device_flow_grants')).toBe(true);
    expect(await dataSource.createQueryRunner().hasTable('device_flow_kill_switches')).toBe(true);
  });
});
