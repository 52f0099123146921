import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { KillSwitchRecord } from '../kill-switch.repository.js';
import { millis } from './columns.js';

/** Table of engaged admin kill switches (one row per disabled client, `*` for all). */
@Entity({ name: 'device_flow_kill_switches' })
export class KillSwitchEntity implements KillSwitchRecord {
  @PrimaryColumn({ type: 'varchar', length: 255 })
  target!: string;

  @Column({ name: 'disabled_at', type: 'bigint', transformer: millis })
  disabledAt!: number;

  @Column({ type: 'varchar', length: 512, nullable: true })
  reason!: string | null;
}
