import type { DataSource, Repository } from 'typeorm';
import type { ClientRecord, ClientRepository } from '../../clients/client.repository.js';
import { ClientEntity } from './client.entity.js';

/** {@link ClientRepository} on TypeORM. */
export class TypeOrmClientRepository implements ClientRepository {
  private readonly repo: Repository<ClientEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(ClientEntity);
  }

  findById(clientId: string): Promise<ClientRecord | null> {
    return this.repo.findOneBy({ clientId });
  }

  async save(client: ClientRecord): Promise<void> {
    await this.repo.save(this.repo.create(client));
  }
}
