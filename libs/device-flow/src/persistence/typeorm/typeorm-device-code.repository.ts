import type { DataSource, Repository } from 'typeorm';
import { repositoryFor } from './typeorm-unit-of-work.js';
import {
  type DeviceCodeChanges,
  type DeviceCodeRecord,
  type DeviceCodeRepository,
  type DeviceCodeStatus,
  UserCodeCollisionError,
} from '../device-code.repository.js';
import { DeviceCodeEntity } from './device-code.entity.js';
import { isUniqueViolation } from './unique-violation.js';

/**
 * {@link DeviceCodeRepository} on TypeORM (SQLite, PostgreSQL, MySQL/MariaDB). Every state change is a single
 * conditional `UPDATE … WHERE` whose affected-row count says whether it won, so concurrent requests on any
 * number of instances cannot both succeed.
 */
export class TypeOrmDeviceCodeRepository implements DeviceCodeRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The repository in the running unit of work (transaction), if any. */
  private get repo(): Repository<DeviceCodeEntity> {
    return repositoryFor(this.dataSource, DeviceCodeEntity);
  }

  async create(record: DeviceCodeRecord): Promise<void> {
    try {
      await this.repo.insert({ ...record }); // a copy: TypeORM writes generated values back into what it inserts
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

  async deleteExpired(before: number): Promise<number> {
    const result = await this.repo
      .createQueryBuilder()
      .delete()
      .where('expires_at < :before', { before })
      .execute();
    return result.affected ?? 0;
  }
}
