import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { millis } from './columns.js';

/**
 * Fixed-window counters of the {@link AttemptLimiter} (failed user-code entries, device code issuance).
 * Keys are stored hashed, so the table holds no IP addresses in clear. @see RFC 8628 §5.1
 */
@Entity({ name: 'device_flow_attempts' })
export class AttemptEntity {
  /** SHA-256 (base64url) of the bucket key. */
  @PrimaryColumn({ name: 'key_hash', type: 'varchar', length: 64 })
  keyHash!: string;

  @Index('IDX_device_flow_attempts_window_start')
  @Column({ name: 'window_start', type: 'bigint', transformer: millis })
  windowStart!: number;

  @Column({ name: 'attempts', type: 'integer' })
  count!: number;
}
