import { type DataSource, IsNull, MoreThan, type Repository } from 'typeorm';
import type { DeviceGrantRecord, DeviceGrantRepository } from '../device-grant.repository.js';
import { DeviceGrantEntity } from './device-grant.entity.js';
import { isUniqueViolation } from './unique-violation.js';

/** {@link DeviceGrantRepository} on TypeORM. Revocation is a conditional update (compare-and-set). */
export class TypeOrmDeviceGrantRepository implements DeviceGrantRepository {
  private readonly repo: Repository<DeviceGrantEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(DeviceGrantEntity);
  }

  async create(record: DeviceGrantRecord): Promise<void> {
    try {
      await this.repo.insert(record);
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
    }
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
}
