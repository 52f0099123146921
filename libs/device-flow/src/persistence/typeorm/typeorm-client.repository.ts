import type { DataSource, Repository } from 'typeorm';
import { repositoryFor } from './typeorm-unit-of-work.js';
import { isClientId } from '../../clients/client-id.js';
import type { ClientRecord, ClientRepository } from '../../clients/client.repository.js';
import { ClientEntity } from './client.entity.js';

/** {@link ClientRepository} on TypeORM. */
export class TypeOrmClientRepository implements ClientRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The repository in the running unit of work (transaction), if any. */
  private get repo(): Repository<ClientEntity> {
    return repositoryFor(this.dataSource, ClientEntity);
  }

  async findById(clientId: string): Promise<ClientRecord | null> {
    // No query for an id no client can have: PostgreSQL would fail on a NUL byte (an error, not "not found").
    if (!isClientId(clientId)) return null;
    const client = await this.repo.findOneBy({ clientId });
    // Exact ids only, whatever the column's collation (a MySQL/MariaDB database not yet migrated by
    // DeviceFlowBinaryKeys1764700000000 ignores case and trailing spaces).
    return client?.clientId === clientId ? client : null;
  }

  async save(client: ClientRecord): Promise<void> {
    // One atomic upsert (ON CONFLICT / ON DUPLICATE KEY): instances starting together may seed the same client.
    await this.repo.upsert({ ...client }, ['clientId']);
  }
}
