import type { DataSource, QueryRunner } from 'typeorm';
import { TransactionContext } from '../unit-of-work.js';

/** The parts of better-sqlite3 used here (typed locally: the driver is an optional peer of TypeORM). */
export interface BetterSqliteStatement {
  readonly reader: boolean;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number };
}
interface BetterSqliteDatabase {
  readonly inTransaction: boolean;
  prepare(sql: string): BetterSqliteStatement;
  exec(sql: string): unknown;
}

/** What a statement returned: rows for a query, the changed-row count for a write. */
export interface StatementResult {
  affected?: number;
  records?: Record<string, unknown>[];
  /** The driver's own result of a write, where it says more (MySQL/MariaDB: `insertId`). */
  raw?: unknown;
}

interface QueuedWrite {
  statement: BetterSqliteStatement;
  params: unknown[];
  resolve: (result: StatementResult) => void;
  reject: (error: unknown) => void;
}

/** Writes committed together at most; more wait for the next commit. */
const MAX_GROUP = 256;

const connections = new WeakMap<DataSource, SqliteConnection>();

/**
 * The one better-sqlite3 connection a TypeORM DataSource holds, shared safely by concurrent requests.
 *
 * SQLite has one connection per DataSource, so a transaction TypeORM holds open across `await`s would otherwise
 * swallow whatever other requests run meanwhile: their statements would join it (and vanish if it rolls
 * back), their reads would see its uncommitted rows, and a second transaction would nest inside the first as a
 * savepoint. Here a unit of work ({@link exclusive}) waits until no other statement is running and holds the
 * connection alone; every other statement — TypeORM's queries and the repositories' prepared ones — waits
 * while it runs.
 *
 * Prepared writes outside a unit of work are committed in groups ({@link run}): those that arrive in the same
 * turn of the event loop share one transaction, each still its own compare-and-set with its own changed-row
 * count, and each caller is answered only after the commit. One commit for many writes is what lets a busy
 * server record every pending poll.
 *
 * Only the module's own units of work are gated. A transaction the host opens itself on the same DataSource
 * (`dataSource.transaction(…)`) is seen (the connection reports it) and the prepared statements wait for it, but
 * TypeORM queries of other requests are not held back from it: run such work through the `UnitOfWork` token.
 */
export class SqliteConnection {
  private readonly db: BetterSqliteDatabase;
  private readonly compiled = new Map<string, BetterSqliteStatement>();
  /** The unit of work holding the connection, if any. */
  private owner: TransactionContext | null = null;
  /** Units of work waiting for the connection: while any waits, new statements queue behind them. */
  private exclusiveWaiting = 0;
  /** TypeORM queries in flight outside a unit of work. */
  private active = 0;
  private waiters: Array<() => void> = [];
  private queue: QueuedWrite[] = [];
  private flushScheduled = false;

  private constructor(private readonly dataSource: DataSource) {
    this.db = (
      dataSource.driver as unknown as { databaseConnection: BetterSqliteDatabase }
    ).databaseConnection;
    this.guardQueries(dataSource.driver.createQueryRunner('master'));
  }

  /** The shared connection of a better-sqlite3 DataSource; undefined for other drivers. */
  static of(dataSource: DataSource): SqliteConnection | undefined {
    if (dataSource.options.type !== 'better-sqlite3' || !dataSource.isInitialized) return undefined;
    let connection = connections.get(dataSource);
    // A DataSource destroyed and initialized again has a new driver connection: wrap that one.
    if (!connection || !connection.wraps(dataSource)) {
      connections.set(dataSource, (connection = new SqliteConnection(dataSource)));
    }
    return connection;
  }

  /**
   * Runs a prepared statement outside any unit of work: a read at once (after a running unit of work), a write
   * in the next group commit.
   */
  async run(sql: string, params: unknown[]): Promise<StatementResult> {
    this.dataSource.logger.logQuery(sql, params);
    let statement = this.compiled.get(sql);
    if (!statement) this.compiled.set(sql, (statement = this.db.prepare(sql)));
    if (this.owner !== null && TransactionContext.current() === this.owner) {
      // Called from inside the unit of work that holds the connection: run in its transaction, now (waiting
      // for the connection would wait for ourselves).
      if (statement.reader)
        return { records: statement.all(...params) as Record<string, unknown>[] };
      return { affected: statement.run(...params).changes };
    }
    if (statement.reader) {
      // Checked and run with no await in between (see nextRelease).
      while (!this.free()) await this.nextRelease();
      return { records: statement.all(...params) as Record<string, unknown>[] };
    }
    const write = statement;
    return new Promise<StatementResult>((resolve, reject) => {
      this.queue.push({ statement: write, params, resolve, reject });
      this.scheduleFlush();
    });
  }

  /** Runs `work` (which opens a TypeORM transaction) holding the connection alone. */
  async exclusive<T>(context: TransactionContext, work: () => Promise<T>): Promise<T> {
    this.exclusiveWaiting++;
    try {
      while (this.owner !== null || this.active > 0 || this.db.inTransaction)
        await this.nextRelease();
      // Taken in the same synchronous step as the check: of the units woken together, the first takes it and
      // the others see it taken.
      this.owner = context;
    } finally {
      this.exclusiveWaiting--;
    }
    try {
      return await work();
    } finally {
      this.owner = null;
      this.wake();
    }
  }

  private wraps(dataSource: DataSource): boolean {
    return (
      (dataSource.driver as unknown as { databaseConnection: unknown }).databaseConnection ===
      this.db
    );
  }

  /** No unit of work holds or awaits the connection, and no transaction is open on it. */
  private free(): boolean {
    return this.owner === null && this.exclusiveWaiting === 0 && !this.db.inTransaction;
  }

  /** Makes TypeORM's own queries on this connection wait while a unit of work other than theirs holds it. */
  private guardQueries(runner: QueryRunner): void {
    const query = runner.query.bind(runner) as (...args: unknown[]) => Promise<unknown>;
    (runner as { query: unknown }).query = async (...args: unknown[]) => {
      const mine = this.owner !== null && TransactionContext.current() === this.owner;
      if (mine) return query(...args);
      while (!this.free()) await this.nextRelease();
      this.active++; // in the step that saw the connection free: no unit of work can take it meanwhile
      try {
        return await query(...args);
      } finally {
        this.active--;
        this.wake();
      }
    };
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flushWhenFree();
    });
  }

  private async flushWhenFree(): Promise<void> {
    while (!this.free() || this.active > 0) await this.nextRelease();
    this.flush(); // synchronous, in the step that saw the connection free
  }

  /** Commits the queued writes: one alone in autocommit, several in one transaction. */
  private flush(): void {
    const group = this.queue.splice(0, MAX_GROUP);
    if (this.queue.length > 0) this.scheduleFlush();
    if (group.length === 0) return;
    if (group.length === 1) {
      const [w] = group;
      try {
        w!.resolve({ affected: w!.statement.run(...w!.params).changes });
      } catch (e) {
        w!.reject(e);
      }
      return;
    }
    const results: Array<{ ok: true; changes: number } | { ok: false; error: unknown }> = [];
    try {
      this.db.exec('BEGIN IMMEDIATE');
      for (const w of group) {
        // A failing statement (e.g. a unique violation) is undone alone: SQLite's default conflict handling
        // aborts the statement, not the transaction, so the rest of the group still commits.
        try {
          results.push({ ok: true, changes: w.statement.run(...w.params).changes });
        } catch (error) {
          results.push({ ok: false, error });
        }
      }
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      for (const w of group) w.reject(error);
      return;
    }
    group.forEach((w, i) => {
      const r = results[i]!;
      if (r.ok) w.resolve({ affected: r.changes });
      else w.reject(r.error);
    });
  }

  /**
   * Resolves at the next release of the connection. Callers loop `while (!condition) await nextRelease()` and
   * act on the condition with no `await` between the last check and the act: every waiter is woken at once, so
   * a condition checked in one step and acted on after an `await` may no longer hold (two units of work both
   * saw the connection free and the second's BEGIN failed inside the first's transaction, leaving the
   * connection in a state no waiter could ever see as free).
   */
  private nextRelease(): Promise<void> {
    return new Promise<void>((wake) => {
      this.waiters.push(wake);
      // A transaction opened around this class (not through it) is not announced: look again shortly.
      if (this.db.inTransaction && this.owner === null) setTimeout(() => this.wake(), 1).unref();
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
