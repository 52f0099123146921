import { createHash } from 'node:crypto';
import { type DataSource, In, type Repository } from 'typeorm';
import {
  type AttemptBucket,
  type AttemptLimiter,
  windowRetryAfterMs,
} from '../../verification/attempt-limiter.js';
import { AttemptEntity } from './attempt.entity.js';
import { isUniqueViolation } from './unique-violation.js';

/**
 * {@link AttemptLimiter} on TypeORM: counters shared by every instance using the database. Each count is one
 * conditional `UPDATE` (or an `INSERT` when the key is new), never read-then-write, so concurrent failures on
 * several instances are all counted.
 */
export class TypeOrmAttemptLimiter implements AttemptLimiter {
  private readonly repo: Repository<AttemptEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(AttemptEntity);
  }

  async retryAfterMs(buckets: readonly AttemptBucket[], now: number): Promise<number> {
    if (buckets.length === 0) return 0;
    const hashes = buckets.map((b) => hashKey(b.key));
    const rows = await this.repo.findBy({ keyHash: In(hashes) });
    let wait = 0;
    for (const row of rows) {
      const b = buckets[hashes.indexOf(row.keyHash)]!;
      wait = Math.max(wait, windowRetryAfterMs(b, row.windowStart, row.count, now));
    }
    return wait;
  }

  async record(buckets: readonly AttemptBucket[], now: number): Promise<void> {
    for (const b of buckets) await this.recordOne(hashKey(b.key), b.windowMs, now);
  }

  private async recordOne(keyHash: string, windowMs: number, now: number): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      // Inside the current window: count it.
      const inWindow = await this.repo
        .createQueryBuilder()
        .update()
        .set({ count: () => 'attempts + 1' })
        .where('key_hash = :keyHash AND window_start > :since', { keyHash, since: now - windowMs })
        .execute();
      if ((inWindow.affected ?? 0) > 0) return;
      // The window is over: start a new one.
      const restarted = await this.repo
        .createQueryBuilder()
        .update()
        .set({ count: 1, windowStart: now })
        .where('key_hash = :keyHash AND window_start <= :since', { keyHash, since: now - windowMs })
        .execute();
      if ((restarted.affected ?? 0) > 0) return;
      try {
        await this.repo.insert({ keyHash, windowStart: now, count: 1 });
        return;
      } catch (e) {
        if (!isUniqueViolation(e)) throw e; // another instance inserted it first: count again
      }
    }
  }

  /** Deletes counters whose window started before `before` (ms). Returns how many. */
  async deleteStale(before: number): Promise<number> {
    const r = await this.repo
      .createQueryBuilder()
      .delete()
      .where('window_start < :before', { before })
      .execute();
    return r.affected ?? 0;
  }
}

function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('base64url');
}
