import { createHash } from 'node:crypto';
import type { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { TransactionContext } from '../unit-of-work.js';
import { SqliteConnection, type StatementResult } from './sqlite-connection.js';

/** A statement built once at start-up: SQL in the driver's placeholder style, and which value goes where. */
export interface PreparedStatement {
  readonly sql: string;
  readonly order: readonly number[];
  /** Name of the server-side prepared statement (PostgreSQL), derived from the SQL. */
  readonly name: string;
}

/** The part of node-postgres's pool used here (typed locally: `pg` is an optional peer of TypeORM). */
interface PgPool {
  query(config: {
    name: string;
    text: string;
    values: unknown[];
  }): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
}

/** The part of mysql2's (callback) pool used here: `execute` prepares a statement once per connection. */
interface MysqlPool {
  execute(
    sql: string,
    values: unknown[],
    callback: (error: Error | null, result: unknown) => void,
  ): unknown;
}

/**
 * Hand-written statements over one entity's table, for the hot paths: TypeORM's query builder rebuilds SQL and
 * runs subscribers on every call; these are built once and run as they are.
 *
 * Templates name the table `@t`, a column `{column}` and value N `:N`; {@link prepare} escapes them for the
 * DataSource's driver. {@link run} joins the running unit of work if there is one; on better-sqlite3 it goes
 * through {@link SqliteConnection} (prepared once, writes group-committed); on PostgreSQL it is a named
 * prepared statement on node-postgres's pool (parsed and planned once per connection); on MySQL/MariaDB a
 * prepared statement on mysql2's pool (`execute`, prepared once per connection); elsewhere it goes through a
 * query runner.
 */
export class PreparedStatements {
  constructor(
    private readonly dataSource: DataSource,
    private readonly entity: EntityTarget<ObjectLiteral>,
  ) {}

  /** Escapes `@t`, `{column}` and `:N` for the driver. */
  prepare(template: string): PreparedStatement {
    const driver = this.dataSource.driver;
    const order: number[] = [];
    const table = this.dataSource
      .getMetadata(this.entity)
      .tablePath.split('.')
      .map((part) => driver.escape(part))
      .join('.');
    const sql = template
      .replaceAll('@t', table)
      .replace(/\{(\w+)\}/g, (_, c: string) => driver.escape(c))
      .replace(/:(\d+)/g, (_, n: string) => {
        order.push(Number(n));
        return driver.createParameter(`p${order.length}`, order.length - 1);
      });
    const name = `df_${createHash('sha256').update(sql).digest('hex').slice(0, 16)}`;
    return { sql, order, name };
  }

  /** Runs a prepared statement with its values (by number). */
  async run(statement: PreparedStatement, values: readonly unknown[]): Promise<StatementResult> {
    const params = statement.order.map((i) => values[i]);
    // Inside a unit of work, run on its transaction's connection so the statement joins the transaction.
    const manager = TransactionContext.current()?.resources.get(this.dataSource) as
      EntityManager | undefined;
    if (manager?.queryRunner) return manager.queryRunner.query(statement.sql, params, true);
    const sqlite = SqliteConnection.of(this.dataSource);
    if (sqlite) return sqlite.run(statement.sql, params);
    const pg = this.postgresPool();
    if (pg) {
      // A named statement: each pooled connection parses and plans it once, then only binds and executes.
      this.dataSource.logger.logQuery(statement.sql, params);
      const r = await pg.query({ name: statement.name, text: statement.sql, values: params });
      return { records: r.rows, affected: r.rowCount ?? undefined };
    }
    const mysql = this.mysqlPool();
    if (mysql) {
      this.dataSource.logger.logQuery(statement.sql, params);
      // mysql2 refuses undefined in bound values; SQL has only NULL.
      const values = params.map((v) => (v === undefined ? null : v));
      const result = await new Promise<unknown>((resolve, reject) =>
        mysql.execute(statement.sql, values, (error, r) => (error ? reject(error) : resolve(r))),
      );
      if (Array.isArray(result)) return { records: result as Record<string, unknown>[] };
      return { affected: (result as { affectedRows?: number }).affectedRows, raw: result };
    }
    const runner = this.dataSource.createQueryRunner();
    try {
      return await runner.query(statement.sql, params, true);
    } finally {
      await runner.release();
    }
  }

  /** mysql2's pool of the DataSource, when that is the driver and it has one pool (no replication). */
  private mysqlPool(): MysqlPool | undefined {
    if (!isMysqlFamily(this.dataSource)) return undefined;
    const pool = (this.dataSource.driver as unknown as { pool?: Partial<MysqlPool> }).pool;
    return typeof pool?.execute === 'function' ? (pool as MysqlPool) : undefined;
  }

  /** node-postgres's pool of the DataSource, when that is the driver. */
  private postgresPool(): PgPool | undefined {
    if (this.dataSource.options.type !== 'postgres') return undefined;
    return (this.dataSource.driver as unknown as { master?: PgPool }).master;
  }
}

/** Whether the DataSource talks to MySQL or MariaDB (their SQL dialect and mysql2 driver). */
export function isMysqlFamily(dataSource: DataSource): boolean {
  return ['mysql', 'mariadb', 'aurora-mysql'].includes(dataSource.options.type);
}
