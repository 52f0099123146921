import { type DataSource, In, IsNull, type Repository } from 'typeorm';
import { repositoryFor } from './typeorm-unit-of-work.js';
import type {
  KillSwitchRecord,
  KillSwitchRepository,
  KillSwitchState,
} from '../kill-switch.repository.js';
import { KillSwitchEntity } from './kill-switch.entity.js';

/**
 * {@link KillSwitchRepository} on TypeORM: one row per target, engaged while `released_at` is null. Releasing
 * is a conditional update, so a target released twice keeps its first release time.
 */
export class TypeOrmKillSwitchRepository implements KillSwitchRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The repository in the running unit of work (transaction), if any. */
  private get repo(): Repository<KillSwitchEntity> {
    return repositoryFor(this.dataSource, KillSwitchEntity);
  }

  async engage(record: KillSwitchRecord): Promise<void> {
    const { target, disabledAt, reason } = record;
    await this.repo.upsert({ target, disabledAt, reason, releasedAt: null }, ['target']);
  }

  async release(target: string, at: number): Promise<boolean> {
    const result = await this.repo.update({ target, releasedAt: IsNull() }, { releasedAt: at });
    return (result.affected ?? 0) > 0;
  }

  async findState(targets: readonly string[]): Promise<KillSwitchState> {
    const rows = await this.repo.find({ where: { target: In([...targets]) } });
    let engaged: KillSwitchRecord | null = null;
    let lastReleasedAt: number | null = null;
    // In the order of `targets`: a client's own switch before the global one.
    for (const target of targets) {
      const row = rows.find((r) => r.target === target);
      if (!row) continue;
      if (row.releasedAt === null) engaged ??= engagedRecord(row);
      else lastReleasedAt = Math.max(lastReleasedAt ?? row.releasedAt, row.releasedAt);
    }
    return { engaged, lastReleasedAt };
  }

  async list(): Promise<KillSwitchRecord[]> {
    const rows = await this.repo.find({
      where: { releasedAt: IsNull() },
      order: { target: 'ASC' },
    });
    return rows.map(engagedRecord);
  }
}

function engagedRecord({ target, disabledAt, reason }: KillSwitchEntity): KillSwitchRecord {
  return { target, disabledAt, reason };
}
