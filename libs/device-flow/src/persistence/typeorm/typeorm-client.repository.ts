import type { DataSource, Repository } from 'typeorm';
import { repositoryFor } from './typeorm-unit-of-work.js';
import type { ClientRecord, ClientRepository } from '../../clients/client.repository.js';
import { ClientEntity } from './client.entity.js';

/** {@link ClientRepository} on TypeORM. */
export class TypeOrmClientRepository implements ClientRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The repository in the running unit of work (transaction), if any. */
  private get repo(): Repository<ClientEntity> {
    return repositoryFor(this.dataSource, ClientEntity);
  }

  findById(clientId: string): Promise<ClientRecord | null> {
    return this.repo.findOneBy({ clientId });
  }

  async save(client: ClientRecord): Promise<void> {
    // One atomic upsert (ON CONFLICT / ON DUPLICATE KEY): instances starting together may seed the same client.
    await this.repo.upsert({ ...client }, ['clientId']);
  }
}
