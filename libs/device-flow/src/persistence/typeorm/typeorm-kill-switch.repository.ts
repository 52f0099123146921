import { type DataSource, In, type Repository } from 'typeorm';
import type { KillSwitchRecord, KillSwitchRepository } from '../kill-switch.repository.js';
import { KillSwitchEntity } from './kill-switch.entity.js';

/** {@link KillSwitchRepository} on TypeORM. */
export class TypeOrmKillSwitchRepository implements KillSwitchRepository {
  private readonly repo: Repository<KillSwitchEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(KillSwitchEntity);
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
