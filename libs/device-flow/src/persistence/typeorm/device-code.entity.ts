import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { DeviceCodeRecord, DeviceCodeStatus } from '../device-code.repository.js';
import { millis } from './columns.js';

/** Table of device authorization requests. Codes are stored only as hashes. @see RFC 8628 §3.2 */
@Entity({ name: 'device_flow_device_codes' })
export class DeviceCodeEntity implements DeviceCodeRecord {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Index('IDX_device_flow_device_code_hash', { unique: true })
  @Column({ name: 'device_code_hash', type: 'varchar', length: 64 })
  deviceCodeHash!: string;

  @Index('IDX_device_flow_user_code_hash', { unique: true })
  @Column({ name: 'user_code_hash', type: 'varchar', length: 64 })
  userCodeHash!: string;

  @Column({ name: 'client_id', type: 'varchar', length: 255 })
  clientId!: string;

  @Column({ type: 'varchar', length: 2048, default: '' })
  scope!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: DeviceCodeStatus;

  @Column({ type: 'varchar', length: 255, nullable: true })
  subject!: string | null;

  @Column({ name: 'granted_scope', type: 'varchar', length: 2048, nullable: true })
  grantedScope!: string | null;

  @Column({ name: 'interval_seconds', type: 'integer' })
  interval!: number;

  @Column({ name: 'last_polled_at', type: 'bigint', nullable: true, transformer: millis })
  lastPolledAt!: number | null;

  @Index('IDX_device_flow_device_code_expires_at')
  @Column({ name: 'expires_at', type: 'bigint', transformer: millis })
  expiresAt!: number;

  @Column({ name: 'created_at', type: 'bigint', transformer: millis })
  createdAt!: number;

  @Column({ name: 'decided_at', type: 'bigint', nullable: true, transformer: millis })
  decidedAt!: number | null;

  @Column({ name: 'request_ip', type: 'varchar', length: 64, nullable: true })
  requestIp!: string | null;

  @Column({ name: 'request_user_agent', type: 'varchar', length: 512, nullable: true })
  requestUserAgent!: string | null;
}
