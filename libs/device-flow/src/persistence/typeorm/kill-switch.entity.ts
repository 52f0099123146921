import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { KillSwitchRecord } from '../kill-switch.repository.js';
import { millis } from './columns.js';

/**
 * Table of admin kill switches (one row per client that was ever disabled, `*` for all): engaged while
 * `released_at` is null; a released row keeps the release time, before which the client's device codes stay
 * dead.
 */
@Entity({ name: 'device_flow_kill_switches' })
export class KillSwitchEntity implements KillSwitchRecord {
  @PrimaryColumn({ type: 'varchar', length: 255 })
  target!: string;

  @Column({ name: 'disabled_at', type: 'bigint', transformer: millis })
  disabledAt!: number;

  @Column({ type: 'varchar', length: 512, nullable: true })
  reason!: string | null;

  /** When the switch was released (ms), or null while it is engaged. */
  @Column({ name: 'released_at', type: 'bigint', nullable: true, transformer: millis })
  releasedAt!: number | null;
}
