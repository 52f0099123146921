import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { DeviceGrantRecord } from '../device-grant.repository.js';
import { millis } from './columns.js';

/** Table of device grants (authorised devices), for device management. */
@Entity({ name: 'device_flow_grants' })
export class DeviceGrantEntity implements DeviceGrantRecord {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Index('IDX_device_flow_grant_client_id')
  @Column({ name: 'client_id', type: 'varchar', length: 255 })
  clientId!: string;

  @Index('IDX_device_flow_grant_subject')
  @Column({ type: 'varchar', length: 255 })
  subject!: string;

  @Column({ type: 'varchar', length: 2048, default: '' })
  scope!: string;

  @Column({ name: 'requested_at', type: 'bigint', transformer: millis })
  requestedAt!: number;

  @Column({ name: 'approved_at', type: 'bigint', nullable: true, transformer: millis })
  approvedAt!: number | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: millis })
  createdAt!: number;

  @Column({ name: 'last_used_at', type: 'bigint', transformer: millis })
  lastUsedAt!: number;

  @Index('IDX_device_flow_grant_expires_at')
  @Column({ name: 'expires_at', type: 'bigint', transformer: millis })
  expiresAt!: number;

  @Column({ name: 'request_ip', type: 'varchar', length: 64, nullable: true })
  requestIp!: string | null;

  @Column({ name: 'request_user_agent', type: 'varchar', length: 512, nullable: true })
  requestUserAgent!: string | null;

  @Column({ name: 'revoked_at', type: 'bigint', nullable: true, transformer: millis })
  revokedAt!: number | null;
}
