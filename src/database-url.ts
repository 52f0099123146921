import type { DataSourceOptions } from 'typeorm';

/** Default database of the demo: a SQLite file beside the working directory. */
export const DEFAULT_DATABASE_URL = 'sqlite:data/device-flow.sqlite';

/**
 * Turns `DATABASE_URL` into TypeORM connection options:
 * `sqlite:PATH` (or a bare path), `postgres://user:pass@host:5432/db`, `mysql://` / `mariadb://…`.
 */
export function dataSourceOptionsFromUrl(url: string = DEFAULT_DATABASE_URL): DataSourceOptions {
  const scheme = /^([a-z0-9+]+):/i.exec(url)?.[1]?.toLowerCase();
  if (!scheme || scheme === 'sqlite' || scheme === 'file') {
    const path = scheme ? url.slice(scheme.length + 1).replace(/^\/\//, '') : url;
    if (!path || path === ':memory:') return { type: 'better-sqlite3', database: ':memory:' };
    // A server's SQLite file: write-ahead log (readers never wait for the writer) and fsync at checkpoints
    // rather than on every commit (a power cut may lose the last moments; a crashed process loses nothing).
    // Every poll is a write, so this is what lets SQLite keep up with polling.
    return {
      type: 'better-sqlite3',
      database: path,
      enableWAL: true,
      prepareDatabase: (db: { pragma(source: string): unknown }) => {
        db.pragma('synchronous = NORMAL');
        // 32 MiB of page cache (SQLite's default is 2 MiB): codes are looked up by random hashes, so the index
        // pages of a few hundred thousand live codes must stay in memory for polls to skip the file system.
        db.pragma('cache_size = -32768');
        // Checkpoint every ~40 MB of log rather than SQLite's 4 MB: a page written by many commits is copied
        // back once, and fewer checkpoints (each with an fsync) land on a request. The log is cut back to 64 MB.
        db.pragma('wal_autocheckpoint = 10000');
        db.pragma('journal_size_limit = 67108864');
      },
    };
  }
  if (scheme === 'postgres' || scheme === 'postgresql') {
    // A server that stops answering must not hold every request: one that waits more than 5 s for a connection
    // (new, or free in the pool) fails as retryable (503 temporarily_unavailable, Retry-After). No client-side
    // query_timeout: node-postgres leaves a timed-out connection in the pool mid-transaction, and a COMMIT that
    // "timed out" may still commit.
    return { type: 'postgres', url, extra: { connectionTimeoutMillis: 5000 } };
  }
  if (scheme === 'mysql' || scheme === 'mariadb') {
    return { type: scheme, url: url.replace(/^mariadb:/i, 'mysql:') } as DataSourceOptions;
  }
  throw new Error(
    `DATABASE_URL: unsupported scheme "${scheme}" (use sqlite:, postgres:// or mysql://)`,
  );
}

/**
 * A connection string as it may be logged (start-up lines end up in log stores): no password, neither the
 * `user:password@` of a URL nor a query (`?password=…`, which node-postgres and ioredis read too): a URL becomes
 * its scheme, user name, host, port and path, and a query is shown as `?…`. Anything else (`sqlite:path`,
 * `host:port`, a socket path) keeps all but its query.
 */
export function forLog(value: string): string {
  if (value.includes('://')) {
    try {
      const url = new URL(value);
      const user = url.username ? `${url.username}@` : '';
      return `${url.protocol}//${user}${url.host}${url.pathname}${url.search ? '?…' : ''}`;
    } catch {
      return '(a URL that does not parse)';
    }
  }
  const query = value.indexOf('?');
  return query === -1 ? value : `${value.slice(0, query)}?…`;
}
