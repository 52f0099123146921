import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { QueryFailedError, QueryRunnerAlreadyReleasedError } from 'typeorm';
import { Logger } from '@nestjs/common';
import { describe, expect, it, vi } from 'vitest';
import { TemporarilyUnavailableError } from './oauth.errors.js';
import { isTransient, OAuthExceptionFilter } from './oauth-exception.filter.js';

/** The parts of better-sqlite3 used here (it ships no types). */
interface SqliteDatabase {
  pragma(source: string): unknown;
  exec(sql: string): unknown;
  prepare(sql: string): { all(): unknown[] };
  close(): void;
}
const Database = createRequire(import.meta.url)('better-sqlite3') as new (
  file: string,
) => SqliteDatabase;

/** A driver error as TypeORM wraps it: the driver's `code` on `driverError`. */
const failed = (code: string) =>
  new QueryFailedError('UPDATE …', [], Object.assign(new Error(code), { code }));

describe('isTransient (503 temporarily_unavailable, not 500)', () => {
  it('a lost connection or a deadlock the database broke by rolling the work back', () => {
    for (const code of [
      'ECONNREFUSED',
      '57P01',
      '40P01', // PostgreSQL deadlock_detected
      '40001', // PostgreSQL serialization_failure
      'ER_LOCK_DEADLOCK',
      'ER_LOCK_WAIT_TIMEOUT',
      'SQLITE_BUSY',
      // What better-sqlite3 reports when another process wrote to the file since this connection's read
      // began (two instances on one SQLite file): "database is locked" as well.
      'SQLITE_BUSY_SNAPSHOT',
      'SQLITE_BUSY_RECOVERY',
      'SQLITE_BUSY_TIMEOUT',
      // The database is not there (dropped, renamed): new connections fail until it is back.
      '3D000',
      'ER_BAD_DB_ERROR',
    ])
      expect(isTransient(failed(code)), code).toBe(true);
  });

  it("a PostgreSQL query runner TypeORM released when its connection failed (the transaction's next statement)", () => {
    expect(isTransient(new QueryRunnerAlreadyReleasedError())).toBe(true);
  });

  it('logs the stack of a released query runner (a bug on another driver), not of a lost connection', () => {
    const logged = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const filter = new OAuthExceptionFilter();
      const releasedRunner = new QueryRunnerAlreadyReleasedError();
      expect(filter.toOAuthError(releasedRunner)).toBeInstanceOf(TemporarilyUnavailableError);
      expect(logged).toHaveBeenLastCalledWith(
        expect.stringContaining('storage unavailable'),
        releasedRunner.stack,
      );
      expect(filter.toOAuthError(failed('ECONNREFUSED'))).toBeInstanceOf(
        TemporarilyUnavailableError,
      );
      expect(logged).toHaveBeenLastCalledWith(expect.stringContaining('ECONNREFUSED'), undefined);
    } finally {
      logged.mockRestore();
    }
  });

  it("SQLite's busy error as better-sqlite3 really raises it, two connections on one file", () => {
    const dir = mkdtempSync(join(tmpdir(), 'busy-'));
    const [a, b] = [new Database(join(dir, 'x.db')), new Database(join(dir, 'x.db'))];
    try {
      a.pragma('journal_mode = WAL');
      a.exec('CREATE TABLE t (n INTEGER)');
      a.exec('BEGIN');
      a.prepare('SELECT * FROM t').all(); // a's read snapshot begins
      b.exec('INSERT INTO t VALUES (1)'); // another connection writes meanwhile
      let error: unknown;
      try {
        a.exec('INSERT INTO t VALUES (2)');
      } catch (e) {
        error = e;
      }
      expect((error as { code?: string }).code).toBe('SQLITE_BUSY_SNAPSHOT');
      expect(isTransient(new QueryFailedError('INSERT …', [], error as Error))).toBe(true);
    } finally {
      a.close();
      b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('not a constraint violation or a syntax error: those are bugs or bad data, answered 500', () => {
    for (const code of [
      '23505',
      '42601',
      'ER_DUP_ENTRY',
      'ER_PARSE_ERROR',
      'SQLITE_CONSTRAINT_UNIQUE',
      'SQLITE_BUSYNESS',
    ])
      expect(isTransient(failed(code)), code).toBe(false);
    expect(isTransient(new Error('boom'))).toBe(false);
  });
});
