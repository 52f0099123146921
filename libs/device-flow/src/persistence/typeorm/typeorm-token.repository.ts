import type { DataSource, Repository } from 'typeorm';
import { deleteExpiredRows, repositoryFor } from './typeorm-unit-of-work.js';
import type { TokenRecord, TokenRepository } from '../token.repository.js';
import { TokenEntity } from './token.entity.js';

/** {@link TokenRepository} on TypeORM. Revocation is a conditional update (compare-and-set). */
export class TypeOrmTokenRepository implements TokenRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The repository in the running unit of work (transaction), if any. */
  private get repo(): Repository<TokenEntity> {
    return repositoryFor(this.dataSource, TokenEntity);
  }

  async save(records: TokenRecord[]): Promise<void> {
    // Copies: after a multi-row insert on SQLite TypeORM writes the rows' ids back into the given objects
    // in the wrong order, which must never reach the caller's records.
    await this.repo.insert(records.map((r) => ({ ...r })));
  }

  findByHash(hash: string): Promise<TokenRecord | null> {
    return this.repo.findOneBy({ tokenHash: hash });
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

  async revokeGrant(grantId: string, now: number): Promise<number> {
    const result = await this.repo
      .createQueryBuilder()
      .update()
      .set({ revokedAt: now })
      .where('grant_id = :grantId', { grantId })
      .andWhere('revoked_at IS NULL')
      .execute();
    return result.affected ?? 0;
  }

  deleteExpired(before: number): Promise<number> {
    return deleteExpiredRows(this.repo, before);
  }
}
