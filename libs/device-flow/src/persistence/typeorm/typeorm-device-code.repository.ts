import type { DataSource, Repository } from 'typeorm';
import {
  type DeviceCodeChanges,
  type DeviceCodeRecord,
  type DeviceCodeRepository,
  type DeviceCodeStatus,
  type PendingPollOutcome,
  UserCodeCollisionError,
} from '../device-code.repository.js';
import { DeviceCodeEntity } from './device-code.entity.js';
import { isUniqueViolation } from './unique-violation.js';

/** A statement prepared at start-up: SQL in the driver's placeholder style, and which value goes where. */
interface PreparedUpdate {
  sql: string;
  order: number[];
}

/**
 * {@link DeviceCodeRepository} on TypeORM (SQLite, PostgreSQL, MySQL/MariaDB). Every state change is a single
 * conditional `UPDATE … WHERE` whose affected-row count says whether it won, so concurrent requests on any
 * number of instances cannot both succeed.
 */
export class TypeOrmDeviceCodeRepository implements DeviceCodeRepository {
  private readonly repo: Repository<DeviceCodeEntity>;
  /** The poll hot path's two statements, built once (values: now, hash, client, now, tolerance[, slow]). */
  private readonly respectedPoll: PreparedUpdate;
  private readonly tooFastPoll: PreparedUpdate;

  constructor(private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(DeviceCodeEntity);
    const live =
      'device_code_hash = :1 AND client_id = :2 AND status = ' + "'pending' AND expires_at > :3";
    const due = '(last_polled_at IS NULL OR last_polled_at + interval_seconds * 1000 - :4 <= :3)';
    this.respectedPoll = this.prepare(`UPDATE @t SET last_polled_at = :0 WHERE ${live} AND ${due}`);
    this.tooFastPoll = this.prepare(
      `UPDATE @t SET last_polled_at = :0, interval_seconds = interval_seconds + :5 WHERE ${live} AND NOT ${due}`,
    );
  }

  async create(record: DeviceCodeRecord): Promise<void> {
    try {
      await this.repo.insert(record);
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

  findByDeviceCodeHash(hash: string): Promise<DeviceCodeRecord | null> {
    return this.repo.findOneBy({ deviceCodeHash: hash });
  }

  findByUserCodeHash(hash: string): Promise<DeviceCodeRecord | null> {
    return this.repo.findOneBy({ userCodeHash: hash });
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

  /**
   * Turns `@t` into the escaped table and `:N` into the driver's N-th placeholder (`?` or `$k`), with every
   * column name escaped. Done once, so a poll builds no SQL.
   */
  private prepare(template: string): PreparedUpdate {
    const driver = this.dataSource.driver;
    const order: number[] = [];
    const table = this.repo.metadata.tablePath
      .split('.')
      .map((part) => driver.escape(part))
      .join('.');
    const sql = template
      .replace('@t', table)
      .replace(
        /\b(last_polled_at|interval_seconds|device_code_hash|client_id|status|expires_at)\b/g,
        (c) => driver.escape(c),
      )
      .replace(/:(\d)/g, (_, n: string) => {
        order.push(Number(n));
        return driver.createParameter(`p${order.length}`, order.length - 1);
      });
    return { sql, order };
  }

  /** Runs a prepared conditional update; returns how many rows it changed. */
  private async update(statement: PreparedUpdate, values: unknown[]): Promise<number> {
    const runner = this.dataSource.createQueryRunner();
    try {
      const result = await runner.query(
        statement.sql,
        statement.order.map((i) => values[i]),
        true,
      );
      return result.affected ?? 0;
    } finally {
      await runner.release();
    }
  }

  async deleteExpired(before: number): Promise<number> {
    const result = await this.repo
      .createQueryBuilder()
      .delete()
      .where('expires_at < :before', { before })
      .execute();
    return result.affected ?? 0;
  }
}
