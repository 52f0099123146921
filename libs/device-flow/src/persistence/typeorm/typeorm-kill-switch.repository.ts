import { type DataSource, In, type Repository } from 'typeorm';
import { repositoryFor } from './typeorm-unit-of-work.js';
import type { KillSwitchRecord, KillSwitchRepository } from '../kill-switch.repository.js';
import { KillSwitchEntity } from './kill-switch.entity.js';

/** {@link KillSwitchRepository} on TypeORM. */
export class TypeOrmKillSwitchRepository implements KillSwitchRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The repository in the running unit of work (transaction), if any. */
  private get repo(): Repository<KillSwitchEntity> {
    return repositoryFor(this.dataSource, KillSwitchEntity);
  }

  async engage(record: KillSwitchRecord): Promise<void> {
    await this.repo.upsert(record, ['target']);
  }

  async release(target: string): Promise<boolean> {
    const result = await this.repo.delete({ target });
    return (result.affected ?? 0) > 0;
  }

  async findAny(targets: readonly string[]): Promise<KillSwitchRecord | null> {
    return this.repo.findOne({ where: { target: In([...targets]) } });
  }

  list(): Promise<KillSwitchRecord[]> {
    return this.repo.find({ order: { target: 'ASC' } });
  }
}
