import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { TokenKind, TokenRecord } from '../token.repository.js';
import { millis } from './columns.js';

/** Table of issued access and refresh tokens, stored only as hashes. */
@Entity({ name: 'device_flow_tokens' })
export class TokenEntity implements TokenRecord {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Index('IDX_device_flow_token_hash', { unique: true })
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: TokenKind;

  @Column({ name: 'client_id', type: 'varchar', length: 255 })
  clientId!: string;

  @Column({ type: 'varchar', length: 255 })
  subject!: string;

  @Column({ type: 'varchar', length: 2048, default: '' })
  scope!: string;

  @Index('IDX_device_flow_token_grant_id')
  @Column({ name: 'grant_id', type: 'varchar', length: 36 })
  grantId!: string;

  @Index('IDX_device_flow_token_expires_at')
  @Column({ name: 'expires_at', type: 'bigint', transformer: millis })
  expiresAt!: number;

  @Column({ name: 'created_at', type: 'bigint', transformer: millis })
  createdAt!: number;

  @Column({ name: 'revoked_at', type: 'bigint', nullable: true, transformer: millis })
  revokedAt!: number | null;
}
