import { describe, expect, it } from 'vitest';
import type { DataSourceOptions } from 'typeorm';
import { POSTGRES_CONNECTION_TIMEOUT_MS, withPoolDefaults } from './owned-data-source.js';

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
