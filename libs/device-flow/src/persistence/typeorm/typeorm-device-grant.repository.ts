import { type DataSource, IsNull, MoreThan, type Repository } from 'typeorm';
import { deleteExpiredRows, repositoryFor } from './typeorm-unit-of-work.js';
import type { DeviceGrantRecord, DeviceGrantRepository } from '../device-grant.repository.js';
import { DeviceGrantEntity } from './device-grant.entity.js';

/** {@link DeviceGrantRepository} on TypeORM. Revocation is a conditional update (compare-and-set). */
export class TypeOrmDeviceGrantRepository implements DeviceGrantRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The repository in the running unit of work (transaction), if any. */
  private get repo(): Repository<DeviceGrantEntity> {
    return repositoryFor(this.dataSource, DeviceGrantEntity);
  }

  async create(record: DeviceGrantRecord): Promise<void> {
    // INSERT … ON CONFLICT DO NOTHING / INSERT IGNORE: an existing grant is kept without raising an error,
    // which inside a PostgreSQL transaction would abort the whole transaction.
    await this.repo
      .createQueryBuilder()
      .insert()
      .values({ ...record })
      .orIgnore()
      .execute();
  }

  findById(id: string): Promise<DeviceGrantRecord | null> {
    return this.repo.findOneBy({ id });
  }

  findActiveBySubject(subject: string, now: number): Promise<DeviceGrantRecord[]> {
    return this.repo.find({
      where: { subject, revokedAt: IsNull(), expiresAt: MoreThan(now) },
      order: { createdAt: 'DESC' },
    });
  }

  findActiveByClient(clientId: string | null): Promise<DeviceGrantRecord[]> {
    return this.repo.find({
      where: clientId === null ? { revokedAt: IsNull() } : { clientId, revokedAt: IsNull() },
      order: { createdAt: 'DESC' },
    });
  }

  async recordUse(id: string, at: number, expiresAt: number): Promise<void> {
    await this.repo.update({ id }, { lastUsedAt: at, expiresAt });
  }

  async revoke(id: string, now: number): Promise<boolean> {
    const result = await this.repo
      .createQueryBuilder()
      .update()
      .set({ revokedAt: now })
      .where('id = :id', { id })
      .andWhere('revoked_at IS NULL')
      .execute();
    return (result.affected ?? 0) > 0;
  }

  deleteExpired(before: number): Promise<number> {
    return deleteExpiredRows(this.repo, before);
  }
}
