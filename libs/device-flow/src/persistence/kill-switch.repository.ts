/** The target of a kill switch that covers every client. */
export const ALL_CLIENTS = '*';

/** An engaged kill switch: the device grant is disabled for `target` (a client id, or `*` for all). */
export interface KillSwitchRecord {
  target: string;
  disabledAt: number;
  reason: string | null;
}

/**
 * Storage of the admin kill switches. Kept apart from client records so that re-seeding clients at start-up
 * never re-enables a client an admin disabled.
 *
 * Replace it by providing this token.
 */
export interface KillSwitchRepository {
  /** Engages (or updates) the switch for `record.target`. */
  engage(record: KillSwitchRecord): Promise<void>;
  /** Releases the switch for `target`; returns whether one was engaged. */
  release(target: string): Promise<boolean>;
  /** The first engaged switch among `targets`, or null. */
  findAny(targets: readonly string[]): Promise<KillSwitchRecord | null>;
  /** Every engaged switch. */
  list(): Promise<KillSwitchRecord[]>;
}

/** Injection token for {@link KillSwitchRepository}. */
export const KillSwitchRepository = Symbol('KillSwitchRepository');
