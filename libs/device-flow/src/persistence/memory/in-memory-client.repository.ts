import type { ClientRecord, ClientRepository } from '../../clients/client.repository.js';
import { warnDevelopmentOnly } from './dev-only.js';

/** {@link ClientRepository} in process memory. For development and tests only. */
export class InMemoryClientRepository implements ClientRepository {
  private readonly clients = new Map<string, ClientRecord>();

  constructor() {
    warnDevelopmentOnly('ClientRepository');
  }

  async findById(clientId: string): Promise<ClientRecord | null> {
    const c = this.clients.get(clientId);
    return c ? structuredClone(c) : null;
  }

  async save(client: ClientRecord): Promise<void> {
    this.clients.set(client.clientId, structuredClone(client));
  }
}
