import { describe, expect, it } from 'vitest';
import { DEFAULT_DATABASE_URL, dataSourceOptionsFromUrl, forLog } from './database-url.js';

describe('dataSourceOptionsFromUrl', () => {
  it('defaults to the demo SQLite file', () => {
    expect(DEFAULT_DATABASE_URL).toBe('sqlite:data/device-flow.sqlite');
    expect(dataSourceOptionsFromUrl()).toMatchObject({
      type: 'better-sqlite3',
      database: 'data/device-flow.sqlite',
      enableWAL: true,
    });
  });

  it('reads SQLite URLs and bare paths', () => {
    // Files get WAL mode and synchronous = NORMAL; an in-memory database needs neither.
    const sqlite = (database: string) =>
      database === ':memory:'
        ? { type: 'better-sqlite3', database }
        : {
            type: 'better-sqlite3',
            database,
            enableWAL: true,
            prepareDatabase: expect.any(Function),
          };
    expect(dataSourceOptionsFromUrl('sqlite:db.sqlite')).toEqual(sqlite('db.sqlite'));
    expect(dataSourceOptionsFromUrl('sqlite:///var/lib/df.sqlite')).toEqual(
      sqlite('/var/lib/df.sqlite'),
    );
    expect(dataSourceOptionsFromUrl('sqlite://rel/df.sqlite')).toEqual(sqlite('rel/df.sqlite'));
    expect(dataSourceOptionsFromUrl('file:df.sqlite')).toEqual(sqlite('df.sqlite'));
    expect(dataSourceOptionsFromUrl('./df.sqlite')).toEqual(sqlite('./df.sqlite'));
    expect(dataSourceOptionsFromUrl('sqlite:')).toEqual(sqlite(':memory:'));
    expect(dataSourceOptionsFromUrl('SQLite::memory:')).toEqual(sqlite(':memory:'));
  });

  it('passes PostgreSQL and MySQL/MariaDB URLs through', () => {
    expect(dataSourceOptionsFromUrl('postgres://u:p@h:5432/db')).toEqual({
      type: 'postgres',
      url: 'postgres://u:p@h:5432/db',
      extra: { connectionTimeoutMillis: 5000 },
    });
    expect(dataSourceOptionsFromUrl('postgresql://h/db')).toEqual({
      type: 'postgres',
      url: 'postgresql://h/db',
      extra: { connectionTimeoutMillis: 5000 },
    });
    expect(dataSourceOptionsFromUrl('mysql://root@h/db')).toEqual({
      type: 'mysql',
      url: 'mysql://root@h/db',
    });
    expect(dataSourceOptionsFromUrl('mariadb://root@h/db')).toEqual({
      type: 'mariadb',
      url: 'mysql://root@h/db',
    });
  });

  it('names an unsupported scheme', () => {
    expect(() => dataSourceOptionsFromUrl('mongodb://h/db')).toThrow(
      /DATABASE_URL: unsupported scheme "mongodb"/,
    );
  });
});

describe('forLog (the start-up line)', () => {
  it('shows no password: not in the userinfo, not in a query', () => {
    expect(forLog('postgres://app:S3cr3t@db.internal:5432/auth')).toBe(
      'postgres://app@db.internal:5432/auth',
    );
    expect(forLog('postgres://u:p@ss@db/auth')).toBe('postgres://u@db/auth');
    expect(forLog('redis://:S3cr3t@cache:6379/0')).toBe('redis://cache:6379/0');
    expect(forLog('postgres://app@db/auth?password=S3cr3t')).toBe('postgres://app@db/auth?…');
    expect(forLog('redis://cache:6379/0?password=S3cr3t')).toBe('redis://cache:6379/0?…');
    expect(forLog('/tmp/redis.sock?password=S3cr3t')).toBe('/tmp/redis.sock?…');
    expect(forLog('mysql://root:p%40ss@127.0.0.1/test')).toBe('mysql://root@127.0.0.1/test');
    expect(forLog('redis://[::1')).toBe('(a URL that does not parse)');
  });

  it('leaves what holds no secret as it is', () => {
    for (const plain of [
      'postgres://app@db.internal/auth',
      'sqlite:data/device-flow.sqlite',
      'sqlite::memory:',
      '127.0.0.1:6379',
      '/var/run/redis.sock',
    ])
      expect(forLog(plain)).toBe(plain);
  });
});
