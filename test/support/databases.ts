import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { DataSourceOptions } from 'typeorm';
import { describe, it } from 'vitest';

/**
 * Database servers the DB-backed suites run against. Every suite gets its own database (`df_<random>`), created
 * before and dropped after, because other suites (and other people) use the same servers at the same time.
 *
 * Outside CI a server that is down makes its suites skip with a printed reason; with `CI=true` they run anyway
 * and fail, so a missing server can never pass as green.
 */
export type ServerKind = 'sqlite' | 'postgres' | 'mariadb';

/** A database engine a suite can run on. */
export interface DatabaseServer {
  kind: ServerKind;
  label: string;
  /** Admin URL (a database that exists), from `TEST_POSTGRES_URL` / `TEST_MARIADB_URL` or the local default. */
  url: string;
  host: string;
  port: number;
}

/** A database created for one suite. */
export interface IsolatedDatabase {
  server: DatabaseServer;
  /** The database name (`df_<random>`), or the file for SQLite. */
  name: string;
  /** Connection options for it (no entities: add yours). */
  options: DataSourceOptions;
  /** The same database as a URL (what `DATABASE_URL` would hold). */
  url: string;
  /** Drops the database. Idempotent. */
  drop(): Promise<void>;
}

const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MARIADB_URL = process.env.TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test';
/** Redis used by the Redis suites; each suite uses its own key prefix. */
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function server(kind: ServerKind, label: string, url: string, defaultPort: number): DatabaseServer {
  const u = new URL(url);
  return { kind, label, url, host: u.hostname, port: Number(u.port || defaultPort) };
}

/** The networked SQL servers: PostgreSQL and MariaDB. */
export const SQL_SERVERS: DatabaseServer[] = [
  server('postgres', 'PostgreSQL', POSTGRES_URL, 5432),
  server('mariadb', 'MariaDB', MARIADB_URL, 3306),
];

/** Embedded SQLite, always available. */
export const SQLITE: DatabaseServer = {
  kind: 'sqlite',
  label: 'SQLite',
  url: 'sqlite:',
  host: '',
  port: 0,
};

/** Every engine the TypeORM repositories must work on. */
export const ALL_DATABASES: DatabaseServer[] = [SQLITE, ...SQL_SERVERS];

/** True under CI, where a missing server is a failure rather than a skip. */
export const IN_CI = process.env.CI === 'true';

/** Whether something accepts TCP connections on host:port (a quick probe, 1 s at most). */
export function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** A fresh database name. */
export function randomDatabaseName(): string {
  return `df_${randomBytes(6).toString('hex')}`;
}

/** Creates an empty database on `server` for one suite. */
export async function createIsolatedDatabase(server: DatabaseServer): Promise<IsolatedDatabase> {
  const name = randomDatabaseName();
  if (server.kind === 'sqlite') {
    // A file, not :memory:, so that several DataSources (instances) can share it.
    const file = join(tmpdir(), `${name}.sqlite`);
    return {
      server,
      name: file,
      url: `sqlite:${file}`,
      options: { type: 'better-sqlite3', database: file },
      drop: () => rm(file, { force: true }),
    };
  }
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  if (server.kind === 'postgres') {
    await pgAdmin(server, `CREATE DATABASE ${name}`);
    return {
      server,
      name,
      url: url.toString(),
      options: { type: 'postgres', url: url.toString() },
      drop: () => pgAdmin(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
    };
  }
  await mysqlAdmin(server, `CREATE DATABASE ${name}`);
  return {
    server,
    name,
    url: url.toString(),
    options: { type: 'mysql', url: url.toString() },
    drop: () => mysqlAdmin(server, `DROP DATABASE IF EXISTS ${name}`),
  };
}

/** Runs one statement on the PostgreSQL admin database. */
export async function pgAdmin(server: DatabaseServer, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function mysqlAdmin(server: DatabaseServer, sql: string): Promise<void> {
  const conn = await mysql.createConnection(server.url);
  try {
    await conn.query(sql);
  } finally {
    await conn.end();
  }
}

/** Something a suite needs: a database server, or Redis. */
export type Requirement = DatabaseServer | 'redis';

function endpoint(r: Requirement): { label: string; host: string; port: number } {
  if (r !== 'redis') return r;
  const u = new URL(REDIS_URL);
  return { label: 'Redis', host: u.hostname, port: Number(u.port || 6379) };
}

/**
 * `describe(title, body)` when everything in `needs` is reachable. Otherwise, outside CI, the suite is skipped
 * with a printed reason; under CI (`CI=true`) it becomes one failing test naming what is missing — a failing
 * test, not a failed hook, so no runner can count it as skipped.
 */
export async function describeWith(
  title: string,
  needs: Requirement[],
  body: () => void,
): Promise<void> {
  const missing: string[] = [];
  for (const need of needs) {
    const e = endpoint(need);
    if (e.host && !(await reachable(e.host, e.port)))
      missing.push(`${e.label} (${e.host}:${e.port})`);
  }
  if (missing.length === 0) return void describe(title, body);
  const reason = `${missing.join(', ')} not reachable`;
  if (IN_CI) {
    describe(title, () => {
      it('has its database servers', () => {
        throw new Error(`${reason}: with CI=true this is a failure (.ci/services.sh starts them)`);
      });
    });
    return;
  }
  console.warn(`[skip] ${title}: ${reason} (CI=true fails instead)`);
  describe.skip(title, body);
}

/**
 * Declares `body` once per engine in `servers` (default: SQLite, PostgreSQL, MariaDB), as
 * `describe('<title> on <engine>')`, per {@link describeWith}. The callback receives the server; create the
 * database in `beforeAll` with {@link createIsolatedDatabase}.
 *
 * Contract suites plug in here: `await describeOnDatabases('DeviceCodeRepository', (s) => myContract(s))`.
 */
export async function describeOnDatabases(
  title: string,
  body: (server: DatabaseServer) => void,
  servers: DatabaseServer[] = ALL_DATABASES,
): Promise<void> {
  for (const s of servers) await describeWith(`${title} on ${s.label}`, [s], () => body(s));
}

/** A fresh Redis key prefix for one suite, e.g. `df:test:1a2b3c:`. */
export function randomRedisPrefix(): string {
  return `df:test:${randomBytes(6).toString('hex')}:`;
}
