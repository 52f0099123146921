import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { DataSource, type DataSourceOptions } from 'typeorm';
import {
  DEVICE_FLOW_ENTITIES,
  DEVICE_FLOW_MIGRATIONS,
  type DeviceCodeRecord,
} from '../../libs/device-flow/src/index.js';

/** A fixed "now" for repository tests (ms). */
export const NOW = 1_800_000_000_000;

/** Builds a pending device code record. */
export function deviceCode(overrides: Partial<DeviceCodeRecord> = {}): DeviceCodeRecord {
  return {
    id: randomUUID(),
    deviceCodeHash: randomUUID().replace(/-/g, ''),
    userCodeHash: randomUUID().replace(/-/g, ''),
    clientId: 'tv',
    scope: 'read',
    status: 'pending',
    subject: null,
    grantedScope: null,
    interval: 5,
    lastPolledAt: null,
    expiresAt: NOW + 1_800_000,
    createdAt: NOW,
    decidedAt: null,
    requestIp: '203.0.113.7',
    requestUserAgent: 'test',
    ...overrides,
  };
}

/** A DataSource on the database with the module's entities, migrated by the committed migrations. */
export async function migratedDataSource(
  options: DataSourceOptions,
  extra: Record<string, unknown> = {},
): Promise<DataSource> {
  const ds = new DataSource({
    ...options,
    ...extra,
    entities: DEVICE_FLOW_ENTITIES,
    migrations: DEVICE_FLOW_MIGRATIONS,
    migrationsTableName: 'device_flow_migrations',
  } as DataSourceOptions);
  await ds.initialize();
  await ds.runMigrations();
  return ds;
}

/** The statements `synchronize` would still run on this DataSource's database. */
export async function pendingSchemaChanges(ds: DataSource): Promise<string[]> {
  const log = await ds.driver.createSchemaBuilder().log();
  return log.upQueries.map((q) => q.query).sort();
}
