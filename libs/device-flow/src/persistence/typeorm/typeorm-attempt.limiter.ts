import type { DataSource } from 'typeorm';
import {
  type AttemptBucket,
  type AttemptKeyHasher,
  type AttemptLimiter,
  StoredAttemptKeys,
  windowRetryAfterMs,
} from '../../verification/attempt-limiter.js';
import { AttemptEntity } from './attempt.entity.js';
import {
  isMysqlFamily,
  PreparedStatements,
  type PreparedStatement,
} from './prepared-statements.js';
import type { StatementResult } from './sqlite-connection.js';

/**
 * {@link AttemptLimiter} on TypeORM: counters shared by every instance using the database. Counting one event is
 * a single upsert — insert the key, or on conflict count it in the current window or start a new one — decided
 * by the database, never read-then-write, so concurrent events on several instances are all counted.
 *
 * @see RFC 8628 §5.1, §5.4
 */
export class TypeOrmAttemptLimiter implements AttemptLimiter {
  private readonly statements: PreparedStatements;
  private readonly count: PreparedStatement;
  private readonly read: PreparedStatement;
  private readonly purge: PreparedStatement;
  /** The conditional count behind {@link take}. */
  private readonly countIfRoom: PreparedStatement;
  /** How {@link countIfRoom}'s result says whether the event was counted (the engines report it differently). */
  private readonly counted: (result: StatementResult) => boolean;
  /** The conditional give-back behind {@link release}. */
  private readonly uncount: PreparedStatement;
  private readonly storedKeys: StoredAttemptKeys;

  /**
   * `hasher`: keys are stored as its keyed hash (the module passes its `CodeHasher`); without it, as SHA-256.
   */
  constructor(dataSource: DataSource, hasher?: AttemptKeyHasher) {
    this.storedKeys = new StoredAttemptKeys(hasher);
    this.statements = new PreparedStatements(dataSource, AttemptEntity);
    // Values: 0 key hash, 1 now, 2 start of the window that is still open at now (now − window).
    // The new window starts at the event; within the window the count goes up. Each assignment reads the
    // row as it was (SQLite and PostgreSQL evaluate every SET against the old row; MySQL left to right, so
    // the count is assigned before the window start changes).
    const mysql = isMysqlFamily(dataSource);
    const upsert =
      'INSERT INTO @t AS a ({key_hash}, {window_start}, {attempts}) VALUES (:0, :1, 1) ' +
      'ON CONFLICT ({key_hash}) DO UPDATE SET ' +
      '{attempts} = CASE WHEN a.{window_start} > :2 THEN a.{attempts} + 1 ELSE 1 END, ' +
      '{window_start} = CASE WHEN a.{window_start} > :2 THEN a.{window_start} ELSE :1 END';
    this.count = this.statements.prepare(
      mysql
        ? 'INSERT INTO @t ({key_hash}, {window_start}, {attempts}) VALUES (:0, :1, 1) ' +
            'ON DUPLICATE KEY UPDATE {attempts} = IF({window_start} > :2, {attempts} + 1, 1), ' +
            '{window_start} = IF({window_start} > :2, {window_start}, :1)'
        : upsert,
    );
    // Values as above plus 3 the limit. A full window's row is left as it is; what tells the caller apart:
    if (mysql) {
      // MySQL/MariaDB's upsert has no WHERE, and the driver reports an unchanged row like an inserted one. So
      // the update marks its outcome with LAST_INSERT_ID(expr), which the server returns as the statement's
      // insert id on this connection: 0 inserted (a new window), 1 counted, 2 full (row left unchanged).
      this.countIfRoom = this.statements.prepare(
        'INSERT INTO @t ({key_hash}, {window_start}, {attempts}) VALUES (:0, :1, 1) ' +
          'ON DUPLICATE KEY UPDATE {attempts} = ' +
          'IF(LAST_INSERT_ID(IF({window_start} > :2 AND {attempts} >= :3, 2, 1)) = 2, {attempts}, ' +
          'IF({window_start} > :2, {attempts} + 1, 1)), ' +
          '{window_start} = IF({window_start} > :2, {window_start}, :1)',
      );
      this.counted = (r) => insertId(r) !== 2;
    } else {
      // The update happens only while the window has room (or is over): a full bucket's row changes nowhere
      // and the statement reports no changed row.
      this.countIfRoom = this.statements.prepare(
        `${upsert} WHERE a.{window_start} <= :2 OR a.{attempts} < :3`,
      );
      this.counted = (r) => (r.affected ?? 0) > 0;
    }
    this.read = this.statements.prepare(
      'SELECT {key_hash}, {window_start}, {attempts} FROM @t WHERE {key_hash} IN (:0, :1, :2, :3)',
    );
    this.purge = this.statements.prepare('DELETE FROM @t WHERE {window_start} < :0');
    // Values: 0 key hash, 1 start of the window that is still open at now (now − window). One plain UPDATE, the
    // same on every engine: the row is changed only while its window is open and its count above zero, checked
    // by the database on the row it updates (a row lock on PostgreSQL and MySQL/MariaDB; SQLite runs one writer
    // at a time), so racing takes and releases never see a count below zero or above the limit.
    this.uncount = this.statements.prepare(
      'UPDATE @t SET {attempts} = {attempts} - 1 ' +
        'WHERE {key_hash} = :0 AND {attempts} > 0 AND {window_start} > :1',
    );
  }

  async retryAfterMs(buckets: readonly AttemptBucket[], now: number): Promise<number> {
    let wait = 0;
    // Four keys per statement (callers pass one to four buckets); unused places repeat the first key.
    for (let from = 0; from < buckets.length; from += 4) {
      const part = buckets.slice(from, from + 4);
      const hashes = part.map((b) => this.hashKey(b.key));
      const { records = [] } = await this.statements.run(this.read, [
        ...hashes,
        ...Array<string>(4 - hashes.length).fill(hashes[0]!),
      ]);
      for (const row of records) {
        const b = part[hashes.indexOf(String(row.key_hash))]!;
        wait = Math.max(
          wait,
          windowRetryAfterMs(b, Number(row.window_start), Number(row.attempts), now),
        );
      }
    }
    return wait;
  }

  async record(buckets: readonly AttemptBucket[], now: number): Promise<void> {
    for (const b of buckets) {
      await this.statements.run(this.count, [this.hashKey(b.key), now, now - b.windowMs]);
    }
  }

  /**
   * Counts one event unless the bucket is full, as one statement (a conditional upsert) on every engine: 0 when
   * counted, else the ms until there is room. Racing callers on any number of instances never get more than the
   * limit through a window.
   */
  async take(bucket: AttemptBucket, now: number): Promise<number> {
    const values = [this.hashKey(bucket.key), now, now - bucket.windowMs, bucket.limit];
    if (this.counted(await this.statements.run(this.countIfRoom, values))) return 0;
    // Full: the wait is the rest of the window (at least 1 ms should the window have ended meanwhile).
    return Math.max(1, await this.retryAfterMs([bucket], now));
  }

  /**
   * Gives back one event counted in the window open at `now`, as one statement on every engine (an UPDATE of
   * the count, never below zero). A window that is over, or a bucket never counted, is left as it is. The window
   * is the one open at `now`: called after a window has ended and a new one has started, it gives back one of
   * the new window's events.
   */
  async release(bucket: AttemptBucket, now: number): Promise<void> {
    await this.statements.run(this.uncount, [this.hashKey(bucket.key), now - bucket.windowMs]);
  }

  private hashKey(key: string): string {
    return this.storedKeys.of(key);
  }

  /**
   * Deletes counters whose window started before `before` (ms): the purge schedule calls it with `before` one
   * longest window ago, so only windows that are over go. Returns how many.
   */
  async deleteStale(before: number): Promise<number> {
    return (await this.statements.run(this.purge, [before])).affected ?? 0;
  }
}

/** The insert id MySQL/MariaDB reported for a statement (TypeORM's structured result keeps the driver's). */
function insertId(result: StatementResult): number | undefined {
  const raw = result.raw as { insertId?: number | bigint } | undefined;
  return raw?.insertId === undefined ? undefined : Number(raw.insertId);
}
