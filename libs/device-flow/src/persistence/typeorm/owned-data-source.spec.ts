import { DataSource, type DataSourceOptions } from 'typeorm';
import { Logger } from '@nestjs/common';
import { describe, expect, it, vi } from 'vitest';
import { DeviceCodeEntity } from './device-code.entity.js';
import {
  DEVICE_FLOW_ENTITIES,
  DEVICE_FLOW_MIGRATIONS,
  DEVICE_FLOW_MIGRATIONS_TABLE,
} from './entities.js';
import { TokenEntity } from './token.entity.js';
import {
  DeviceFlowStorage,
  POSTGRES_CONNECTION_TIMEOUT_MS,
  withPoolDefaults,
} from './owned-data-source.js';

describe('withPoolDefaults (a module-owned DataSource)', () => {
  it('bounds how long a PostgreSQL pool waits for a connection, unless extra says otherwise', () => {
    const pg: DataSourceOptions = { type: 'postgres', url: 'postgres://h/db', extra: { max: 20 } };
    expect(withPoolDefaults(pg)).toEqual({
      ...pg,
      extra: { connectionTimeoutMillis: POSTGRES_CONNECTION_TIMEOUT_MS, max: 20 },
    });
    expect(POSTGRES_CONNECTION_TIMEOUT_MS).toBe(5000);
    const own = { ...pg, extra: { connectionTimeoutMillis: 0 } } as DataSourceOptions;
    expect(withPoolDefaults(own)).toEqual(own);
  });

  it('leaves other databases as given', () => {
    const sqlite: DataSourceOptions = { type: 'better-sqlite3', database: ':memory:' };
    expect(withPoolDefaults(sqlite)).toBe(sqlite);
  });
});

describe('DeviceFlowStorage.shared (a host-owned DataSource)', () => {
  it("warns about one without the module's entities, naming them and what to add", async () => {
    const dataSource = new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
      entities: [DeviceCodeEntity, TokenEntity],
    });
    const warn = vi.spyOn(Logger.prototype, 'warn');
    try {
      await DeviceFlowStorage.shared(dataSource);
      expect(warn).toHaveBeenCalledWith(
        'dataSource lacks entities of the module (ClientEntity, DeviceGrantEntity, KillSwitchEntity, ' +
          'AttemptEntity): the default repositories that use them will fail — add ...DEVICE_FLOW_ENTITIES to ' +
          'its entities, and ...DEVICE_FLOW_MIGRATIONS to its migrations, unless your own providers replace them',
      );
    } finally {
      warn.mockRestore();
      await dataSource.destroy();
    }
  });

  it('takes one with them without a word, and leaves it to its owner', async () => {
    const dataSource = new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
      entities: [...DEVICE_FLOW_ENTITIES],
    });
    const warn = vi.spyOn(Logger.prototype, 'warn');
    const storage = await DeviceFlowStorage.shared(dataSource);
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
    expect(storage.dataSource).toBe(dataSource);
    await storage.onApplicationShutdown();
    expect(dataSource.isInitialized).toBe(true);
    await dataSource.destroy();
  });
});

describe('DeviceFlowStorage.owned (a DataSource the module opens)', () => {
  it('records its migrations in DEVICE_FLOW_MIGRATIONS_TABLE, and closes at application shutdown', async () => {
    const storage = await DeviceFlowStorage.owned({ type: 'better-sqlite3', database: ':memory:' });
    const rows: Array<{ name: string }> = await storage.dataSource.query(
      `SELECT name FROM ${DEVICE_FLOW_MIGRATIONS_TABLE} ORDER BY timestamp`,
    );
    expect(rows.map((r) => r.name)).toEqual(DEVICE_FLOW_MIGRATIONS.map((m) => m.name));
    await storage.onApplicationShutdown();
    expect(storage.dataSource.isInitialized).toBe(false);
  });
});
