/** The target of a kill switch that covers every client. */
export const ALL_CLIENTS = '*';

/** An engaged kill switch: the device grant is disabled for `target` (a client id, or `*` for all). */
export interface KillSwitchRecord {
  target: string;
  disabledAt: number;
  reason: string | null;
}

/**
 * What storage knows of the switches covering a client: the engaged one, if any, and when one of them was last
 * released. Device codes issued at or before that release stay dead after it (RFC 8628 §3.5 `expired_token`):
 * releasing a switch lets the client start new device authorizations, never finish the ones it killed.
 */
export interface KillSwitchState {
  /** The first engaged switch among the targets, or null. */
  engaged: KillSwitchRecord | null;
  /** The latest release (ms) of a switch among the targets, or null when none was ever released. */
  lastReleasedAt: number | null;
}

/**
 * Storage of the admin kill switches. Kept apart from client records so that re-seeding clients at start-up
 * never re-enables a client an admin disabled. A released switch is remembered with its release time (one
 * record per target at most), so that the codes it killed stay dead.
 *
 * Replace it by providing this token.
 */
export interface KillSwitchRepository {
  /** Engages (or updates) the switch for `record.target`. */
  engage(record: KillSwitchRecord): Promise<void>;
  /**
   * Releases the engaged switch for `target` and remembers `at` (ms) as its release time, in one conditional
   * update; returns whether one was engaged (a target not engaged keeps its earlier release time).
   */
  release(target: string, at: number): Promise<boolean>;
  /**
   * The engaged switch among `targets` and the latest release time among them, in one read: the kill switch
   * view of a client (its own target and `*`).
   */
  findState(targets: readonly string[]): Promise<KillSwitchState>;
  /** Every engaged switch. */
  list(): Promise<KillSwitchRecord[]>;
}

/** Injection token for {@link KillSwitchRepository}. */
export const KillSwitchRepository = Symbol('KillSwitchRepository');
