import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEVICE_FLOW_ENTITIES, DEVICE_FLOW_MIGRATIONS } from '../../libs/device-flow/src/index.js';
import { BINARY_KEY_COLUMNS } from '../../libs/device-flow/src/persistence/typeorm/binary-keys.js';
import { DeviceFlowBinaryKeys1764700000000 } from '../../libs/device-flow/src/persistence/typeorm/migrations/1764700000000-device-flow-binary-keys.js';
import { DeviceFlowStorage } from '../../libs/device-flow/src/persistence/typeorm/owned-data-source.js';
import {
  createIsolatedDatabase,
  describeOnDatabases,
  type IsolatedDatabase,
} from '../support/databases.js';
import { deviceCode, migratedDataSource, NOW } from '../support/typeorm.js';

/** One row per table, every key column holding a value with letters of both cases. */
function rows(): Record<string, Record<string, unknown>> {
  const id = `Gr${randomUUID().slice(2)}`; // 36 characters, as the column
  const code = deviceCode({
    id,
    deviceCodeHash: 'DeviceCodeHash-AbC',
    userCodeHash: 'UserCodeHash-AbC',
    clientId: 'Tv',
    subject: 'Alice',
  });
  return {
    device_flow_device_codes: code as unknown as Record<string, unknown>,
    device_flow_tokens: {
      id: `To${randomUUID().slice(2)}`,
      tokenHash: 'TokenHash-AbC',
      kind: 'access',
      clientId: 'Tv',
      subject: 'Alice',
      scope: '',
      grantId: id,
      expiresAt: NOW + 1000,
      createdAt: NOW,
      revokedAt: null,
    },
    device_flow_clients: {
      clientId: 'Tv',
      secretHash: null,
      grantTypes: ['refresh_token'],
      scopes: [],
      displayName: 'TV',
      disabled: false,
    },
    device_flow_grants: {
      id,
      clientId: 'Tv',
      subject: 'Alice',
      scope: '',
      requestedAt: NOW,
      approvedAt: NOW,
      createdAt: NOW,
      lastUsedAt: NOW,
      expiresAt: NOW + 1000,
      requestIp: null,
      requestUserAgent: null,
      revokedAt: null,
    },
    device_flow_kill_switches: { target: 'Tv', disabledAt: NOW, reason: null },
    device_flow_attempts: { keyHash: 'KeyHash-AbC', windowStart: NOW, count: 1 },
  };
}

/** Stores {@link rows} through the entities of `ds`. */
async function insertRows(ds: DataSource): Promise<void> {
  for (const [table, row] of Object.entries(rows())) {
    const metadata = ds.entityMetadatas.find((m) => m.tableName === table)!;
    await ds.getRepository(metadata.target).insert(row);
  }
}

/** How many rows of `table` have `column` = `value`, compared by the database. */
async function count(ds: DataSource, table: string, column: string, value: string) {
  const row = await ds
    .createQueryBuilder()
    .select('COUNT(*)', 'n')
    .from(table, 't')
    .where(`t.${column} = :value`, { value })
    .getRawOne<{ n: unknown }>();
  return Number(row!.n);
}

/** The near misses of every key column's stored value that the database still takes for it, as `table.column=value`. */
async function nearMisses(ds: DataSource): Promise<string[]> {
  const found: string[] = [];
  for (const [table, columns] of Object.entries(BINARY_KEY_COLUMNS)) {
    for (const column of columns) {
      const stored = await ds
        .createQueryBuilder()
        .select(`t.${column}`, 'v')
        .from(table, 't')
        .getRawOne<{ v: string }>();
      const value = stored!.v;
      expect(await count(ds, table, column, value)).toBe(1);
      for (const variant of [value.toUpperCase(), value.toLowerCase(), `${value} `, `${value}  `]) {
        if (variant !== value && (await count(ds, table, column, variant)) > 0)
          found.push(`${table}.${column}=${JSON.stringify(variant)}`);
      }
    }
  }
  return found;
}

/** Collation of each key column on MySQL/MariaDB, as `table.column collation`. */
async function keyCollations(ds: DataSource): Promise<string[]> {
  const columns = (await ds.query(
    'SELECT TABLE_NAME AS t, COLUMN_NAME AS c, COLLATION_NAME AS k FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()',
  )) as { t: string; c: string; k: string }[];
  return columns
    .filter((r) => BINARY_KEY_COLUMNS[r.t]?.includes(r.c))
    .map((r) => `${r.t}.${r.c} ${r.k}`)
    .sort();
}

/**
 * Key columns (ids, client ids, subjects, kill switch targets, hashes) compare exactly on every engine: on
 * MySQL/MariaDB, whose default collations ignore case and trailing spaces, through the migration
 * DeviceFlowBinaryKeys1764700000000 (and `synchronize` on a module-owned DataSource).
 */
await describeOnDatabases('binary key columns', (server) => {
  let db: IsolatedDatabase;
  let ds: DataSource;
  beforeAll(async () => {
    db = await createIsolatedDatabase(server);
    ds = await migratedDataSource(db.options);
    await insertRows(ds);
  });
  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await db?.drop();
  });

  it('after the migrations no key column takes a case variant or trailing spaces for its value', async () => {
    expect(await nearMisses(ds)).toEqual([]);
    if (server.kind === 'mariadb') {
      const expected = Object.entries(BINARY_KEY_COLUMNS)
        .flatMap(([t, cs]) => cs.map((c) => `${t}.${c} utf8mb4_nopad_bin`))
        .sort();
      expect(await keyCollations(ds)).toEqual(expected);
    }
  });

  it('migrates an existing database: rows kept, keys exact; down gives the columns the default collation back', async () => {
    const old = await createIsolatedDatabase(server);
    const before = DEVICE_FLOW_MIGRATIONS.filter((m) => m !== DeviceFlowBinaryKeys1764700000000);
    let legacy = new DataSource({
      ...old.options,
      entities: DEVICE_FLOW_ENTITIES,
      migrations: before,
      migrationsTableName: 'device_flow_migrations',
      migrationsRun: true,
    } as DataSourceOptions);
    await legacy.initialize();
    try {
      await insertRows(legacy);
      const blind = await nearMisses(legacy);
      await legacy.destroy();
      legacy = await migratedDataSource(old.options);
      expect(await nearMisses(legacy)).toEqual([]);
      expect(await count(legacy, 'device_flow_clients', 'client_id', 'Tv')).toBe(1);
      expect(await count(legacy, 'device_flow_grants', 'subject', 'Alice')).toBe(1);

      const q = legacy.createQueryRunner();
      try {
        await new DeviceFlowBinaryKeys1764700000000().down(q);
      } finally {
        await q.release();
      }
      // Back to what the older schema did: blind on MariaDB, exact on the others all along.
      expect(await nearMisses(legacy)).toEqual(blind);
      expect(blind.length > 0).toBe(server.kind === 'mariadb');
    } finally {
      await legacy.destroy();
      await old.drop();
    }
  });

  it('a module-owned DataSource with synchronize builds the key columns as the migrations do', async () => {
    const fresh = await createIsolatedDatabase(server);
    const storage = await DeviceFlowStorage.owned({ ...fresh.options, synchronize: true });
    try {
      await insertRows(storage.dataSource);
      expect(await nearMisses(storage.dataSource)).toEqual([]);
      if (server.kind === 'mariadb')
        expect(await keyCollations(storage.dataSource)).toEqual(await keyCollations(ds));
    } finally {
      await storage.onApplicationShutdown();
      await fresh.drop();
    }
  });
});
