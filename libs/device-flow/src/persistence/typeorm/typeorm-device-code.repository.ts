import type { DataSource, Repository, ValueTransformer } from 'typeorm';
import { deleteExpiredRows, repositoryFor } from './typeorm-unit-of-work.js';
import {
  type DeviceCodeChanges,
  type DeviceCodeRecord,
  type DeviceCodeRepository,
  type DeviceCodeStatus,
  type PendingPollOutcome,
  UserCodeCollisionError,
} from '../device-code.repository.js';
import { DeviceCodeEntity } from './device-code.entity.js';
import { type PreparedStatement, PreparedStatements } from './prepared-statements.js';
import { isUniqueViolation } from './unique-violation.js';

/** A column as the hand-written statements read and write it. */
interface ColumnMap {
  property: keyof DeviceCodeRecord;
  /** Escaped, for SQL. */
  column: string;
  /** As the driver names it in result rows. */
  key: string;
  transformer?: ValueTransformer;
}

/**
 * {@link DeviceCodeRepository} on TypeORM (SQLite, PostgreSQL, MySQL/MariaDB). Every state change is a single
 * conditional `UPDATE … WHERE` whose affected-row count says whether it won, so concurrent requests on any
 * number of instances cannot both succeed.
 */
export class TypeOrmDeviceCodeRepository implements DeviceCodeRepository {
  /** The poll hot path's two statements, built once (values: now, hash, client, now, tolerance[, slow]). */
  private readonly respectedPoll: PreparedStatement;
  private readonly tooFastPoll: PreparedStatement;
  /** Every column, and the insert and lookups over them, built once from the entity's metadata. */
  private readonly columns: ColumnMap[];
  private readonly insert: PreparedStatement;
  private readonly selectByDeviceCode: PreparedStatement;
  private readonly selectByUserCode: PreparedStatement;
  private readonly statements: PreparedStatements;

  constructor(private readonly dataSource: DataSource) {
    this.statements = new PreparedStatements(dataSource, DeviceCodeEntity);
    const live =
      "{device_code_hash} = :1 AND {client_id} = :2 AND {status} = 'pending' AND {expires_at} > :3";
    const due =
      '({last_polled_at} IS NULL OR {last_polled_at} + {interval_seconds} * 1000 - :4 <= :3)';
    this.respectedPoll = this.statements.prepare(
      `UPDATE @t SET {last_polled_at} = :0 WHERE ${live} AND ${due}`,
    );
    this.tooFastPoll = this.statements.prepare(
      'UPDATE @t SET {last_polled_at} = :0, {interval_seconds} = {interval_seconds} + :5 ' +
        `WHERE ${live} AND NOT ${due}`,
    );
    // TypeORM's query builder rebuilds SQL on each call and reads defaults back after an insert; these do not.
    this.columns = this.repo.metadata.columns.map((c) => ({
      property: c.propertyName as keyof DeviceCodeRecord,
      column: dataSource.driver.escape(c.databaseName),
      key: c.databaseName,
      transformer: Array.isArray(c.transformer) ? undefined : c.transformer,
    }));
    const names = this.columns.map((c) => c.column).join(', ');
    this.insert = this.statements.prepare(
      `INSERT INTO @t (${names}) VALUES (${this.columns.map((_, i) => `:${i}`).join(', ')})`,
    );
    this.selectByDeviceCode = this.statements.prepare(
      `SELECT ${names} FROM @t WHERE {device_code_hash} = :0`,
    );
    this.selectByUserCode = this.statements.prepare(
      `SELECT ${names} FROM @t WHERE {user_code_hash} = :0`,
    );
  }

  /** The repository in the running unit of work (transaction), if any. */
  private get repo(): Repository<DeviceCodeEntity> {
    return repositoryFor(this.dataSource, DeviceCodeEntity);
  }

  async create(record: DeviceCodeRecord): Promise<void> {
    try {
      await this.run(
        this.insert,
        this.columns.map(({ property, transformer }) =>
          transformer ? transformer.to(record[property]) : record[property],
        ),
      );
    } catch (e) {
      if (
        isUniqueViolation(e) &&
        !(await this.repo.existsBy({ deviceCodeHash: record.deviceCodeHash }))
      ) {
        throw new UserCodeCollisionError();
      }
      throw e;
    }
  }

  async findByDeviceCodeHash(hash: string): Promise<DeviceCodeRecord | null> {
    return this.hydrate((await this.run(this.selectByDeviceCode, [hash])).records?.[0]);
  }

  async findByUserCodeHash(hash: string): Promise<DeviceCodeRecord | null> {
    return this.hydrate((await this.run(this.selectByUserCode, [hash])).records?.[0]);
  }

  /** A row as a record, through the entity's column transformers. */
  private hydrate(row: Record<string, unknown> | undefined): DeviceCodeRecord | null {
    if (!row) return null;
    const record: Record<string, unknown> = {};
    for (const { property, key, transformer } of this.columns) {
      const value = row[key];
      record[property] = transformer ? transformer.from(value) : value;
    }
    return record as unknown as DeviceCodeRecord;
  }

  async recordPoll(
    id: string,
    now: number,
    toleranceMs: number,
    slowDownSeconds: number,
  ): Promise<boolean> {
    // One statement decides and records a poll that respected the interval…
    const ok = await this.repo
      .createQueryBuilder()
      .update()
      .set({ lastPolledAt: now })
      .where('id = :id', { id })
      .andWhere(
        '(last_polled_at IS NULL OR last_polled_at + interval_seconds * 1000 - :tolerance <= :now)',
        { tolerance: toleranceMs, now },
      )
      .execute();
    if ((ok.affected ?? 0) > 0) return true;
    // …otherwise the poll was too fast: grow the interval atomically (RFC 8628 §3.5).
    await this.repo
      .createQueryBuilder()
      .update()
      .set({
        lastPolledAt: now,
        interval: () => `interval_seconds + ${Math.trunc(slowDownSeconds)}`,
      })
      .where('id = :id', { id })
      .execute();
    return false;
  }

  async recordPendingPoll(
    deviceCodeHash: string,
    clientId: string,
    now: number,
    toleranceMs: number,
    slowDownSeconds: number,
  ): Promise<PendingPollOutcome> {
    const params = [now, deviceCodeHash, clientId, now, toleranceMs];
    // The common answer, authorization_pending, is this one statement. Both statements repeat every condition
    // (client, pending, not expired, interval respected or not), so each is a compare-and-set on its own.
    if ((await this.update(this.respectedPoll, params)) > 0) return 'authorization_pending';
    if ((await this.update(this.tooFastPoll, [...params, Math.trunc(slowDownSeconds)])) > 0) {
      return 'slow_down';
    }
    return null;
  }

  async transition(
    id: string,
    from: DeviceCodeStatus,
    to: DeviceCodeStatus,
    now: number,
    changes: DeviceCodeChanges = {},
  ): Promise<boolean> {
    const qb = this.repo
      .createQueryBuilder()
      .update()
      .set({ ...changes, status: to })
      .where('id = :id', { id })
      .andWhere('status = :from', { from });
    if (from === 'pending') qb.andWhere('expires_at > :now', { now });
    const result = await qb.execute();
    return (result.affected ?? 0) > 0;
  }

  /** Runs a prepared conditional update; returns how many rows it changed. */
  private async update(statement: PreparedStatement, values: unknown[]): Promise<number> {
    return (await this.run(statement, values)).affected ?? 0;
  }

  private run(statement: PreparedStatement, values: unknown[]) {
    return this.statements.run(statement, values);
  }

  deleteExpired(before: number): Promise<number> {
    return deleteExpiredRows(this.repo, before);
  }
}
