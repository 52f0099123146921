import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ClientRecord } from '../../clients/client.repository.js';
import { spaceList } from './columns.js';

/** Table of registered clients. Secrets are stored only as scrypt hashes. @see RFC 6749 §2 */
@Entity({ name: 'device_flow_clients' })
export class ClientEntity implements ClientRecord {
  @PrimaryColumn({ name: 'client_id', type: 'varchar', length: 255 })
  clientId!: string;

  @Column({ name: 'secret_hash', type: 'varchar', length: 255, nullable: true })
  secretHash!: string | null;

  @Column({ name: 'grant_types', type: 'varchar', length: 1024, transformer: spaceList })
  grantTypes!: string[];

  @Column({ type: 'varchar', length: 2048, transformer: spaceList })
  scopes!: string[];

  @Column({ name: 'display_name', type: 'varchar', length: 255 })
  displayName!: string;

  @Column({ type: 'boolean' })
  disabled!: boolean;
}
