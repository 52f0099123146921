import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * PostgreSQL for the benchmark: a database of its own for each run, so the bench never reads or writes the
 * database `DATABASE_URL` names (tests and people use it), and a monitor that samples lock waits and counts
 * transactions while a scenario runs.
 */

/** A database created for one bench run. */
export interface BenchDatabase {
  /** `DATABASE_URL` of the bench's own database. */
  url: string;
  name: string;
  /** Server version and the settings that decide what a poll's commit costs. */
  settings: Record<string, string>;
  /** Drops the database (its connections first). */
  drop(): Promise<void>;
}

async function admin<T>(url: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates `bench_<random>` on the server `url` points at (connecting to the database it names, which is only
 * read from), and returns its URL. Needs the CREATEDB privilege. `synchronousCommit`, when given, is set for
 * the bench database alone (`ALTER DATABASE … SET synchronous_commit`), to see what waiting for WAL flushes costs.
 */
export async function createBenchDatabase(
  url: string,
  synchronousCommit?: string,
): Promise<BenchDatabase> {
  const name = `bench_${randomBytes(5).toString('hex')}`;
  const settings = await admin(url, async (c) => {
    try {
      await c.query(`CREATE DATABASE ${name}`);
    } catch (e) {
      throw new Error(
        `the benchmark creates a database of its own on the server DATABASE_URL points at, and could not ` +
          `(${e instanceof Error ? e.message : String(e)}): grant CREATEDB or use another role`,
        { cause: e },
      );
    }
    if (synchronousCommit) {
      if (!/^(on|off|local|remote_write|remote_apply)$/.test(synchronousCommit))
        throw new Error(`synchronous_commit cannot be ${synchronousCommit}`);
      await c.query(`ALTER DATABASE ${name} SET synchronous_commit = ${synchronousCommit}`);
    }
    const rows = await c.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings WHERE name IN
         ('server_version', 'synchronous_commit', 'fsync', 'max_connections', 'shared_buffers')`,
    );
    const found = Object.fromEntries(rows.rows.map((r) => [r.name, r.setting]));
    return synchronousCommit ? { ...found, synchronous_commit: synchronousCommit } : found;
  });
  const own = new URL(url);
  own.pathname = `/${name}`;
  return {
    url: own.toString(),
    name,
    settings,
    drop: () =>
      admin(url, async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }),
  };
}

/** Counters of `pg_stat_database` for the bench database. */
export type DatabaseCounters = Record<
  'xact_commit' | 'xact_rollback' | 'deadlocks' | 'tup_updated' | 'tup_inserted' | 'tup_fetched',
  number
>;

/** What the monitor saw during one measured window. */
export interface LockEvidence {
  /** Samples taken (one every `everyMs`). */
  samples: number;
  everyMs: number;
  /** Samples in which at least one lock request of the bench database was not granted (`pg_locks`). */
  samplesWithUngrantedLocks: number;
  /** Sum over samples of bench backends waiting on a heavyweight lock (`wait_event_type = 'Lock'`). */
  lockWaitingBackends: number;
  /** Ungranted lock requests (sum over samples) by lock type and the waiting statement's start. */
  ungrantedBy: Record<string, number>;
  /** Sum over samples of active bench backends, by what they were waiting on (`CPU` = not waiting). */
  activeBackendsBy: Record<string, number>;
}

/**
 * Samples `pg_locks` and `pg_stat_activity` for the bench database every `everyMs` on a connection of its own,
 * and reads its `pg_stat_database` counters.
 */
export class PostgresMonitor {
  private client?: pg.Client;
  private timer?: NodeJS.Timeout;
  private busy = false;
  private evidence!: LockEvidence;

  constructor(
    private readonly db: BenchDatabase,
    private readonly everyMs = 100,
  ) {}

  async connect(): Promise<void> {
    this.client = new pg.Client({ connectionString: this.db.url });
    await this.client.connect();
  }

  /** The bench database's client backends, other than the monitor's own. */
  async backendPids(): Promise<number[]> {
    const r = await this.client!.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
        WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()`,
    );
    return r.rows.map((row) => row.pid);
  }

  /**
   * The database's counters. Backends report theirs when they go idle, at most once a second, and when they
   * exit: read them with no bench backend connected (servers stopped) for exact figures.
   */
  async counters(): Promise<DatabaseCounters> {
    // A fresh snapshot: statistics read earlier in this session are cached otherwise.
    await this.client!.query('SELECT pg_stat_clear_snapshot()');
    const r = await this.client!.query<Record<keyof DatabaseCounters, string>>(
      `SELECT xact_commit, xact_rollback, deadlocks, tup_updated, tup_inserted, tup_fetched
         FROM pg_stat_database WHERE datname = current_database()`,
    );
    return Object.fromEntries(
      Object.entries(r.rows[0]).map(([k, v]) => [k, Number(v)]),
    ) as DatabaseCounters;
  }

  /** Starts sampling. */
  start(): void {
    this.evidence = {
      samples: 0,
      everyMs: this.everyMs,
      samplesWithUngrantedLocks: 0,
      lockWaitingBackends: 0,
      ungrantedBy: {},
      activeBackendsBy: {},
    };
    this.timer = setInterval(() => void this.sample(), this.everyMs);
  }

  private async sample(): Promise<void> {
    if (this.busy) return; // the previous sample has not come back: skip rather than pile up
    this.busy = true;
    try {
      const locks = await this.client!.query<{ what: string; n: string }>(
        `SELECT l.locktype || ': ' || left(a.query, 40) AS what, count(*) AS n
           FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE NOT l.granted AND a.datname = current_database()
          GROUP BY 1`,
      );
      const activity = await this.client!.query<{ wait: string; n: string }>(
        `SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') AS wait, count(*) AS n
           FROM pg_stat_activity
          WHERE datname = current_database() AND backend_type = 'client backend'
            AND state = 'active' AND pid <> pg_backend_pid()
          GROUP BY 1`,
      );
      const e = this.evidence;
      e.samples++;
      if (locks.rows.length > 0) e.samplesWithUngrantedLocks++;
      for (const { what, n } of locks.rows)
        e.ungrantedBy[what] = (e.ungrantedBy[what] ?? 0) + Number(n);
      for (const { wait, n } of activity.rows) {
        e.activeBackendsBy[wait] = (e.activeBackendsBy[wait] ?? 0) + Number(n);
        if (wait.startsWith('Lock:')) e.lockWaitingBackends += Number(n);
      }
    } finally {
      this.busy = false;
    }
  }

  /** Stops sampling and returns what the samples saw. */
  async stop(): Promise<LockEvidence> {
    clearInterval(this.timer);
    while (this.busy) await new Promise((ok) => setTimeout(ok, 10));
    return this.evidence;
  }

  async end(): Promise<void> {
    clearInterval(this.timer);
    await this.client?.end();
  }
}
