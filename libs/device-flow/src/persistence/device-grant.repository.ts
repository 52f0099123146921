/**
 * A device authorised by a user: one redeemed device code and every token descending from it. Its `id` is
 * the device code id, which is the `grantId` of those tokens.
 *
 * @see RFC 8628 §5.4 (showing users where a request came from)
 */
export interface DeviceGrantRecord {
  id: string;
  clientId: string;
  subject: string;
  /** Scope the user approved, space-delimited. */
  scope: string;
  /** When the device code was issued (the device's request). */
  requestedAt: number;
  /** When the user approved it. */
  approvedAt: number | null;
  /** When the device first collected tokens. */
  createdAt: number;
  /** When it last collected tokens (first poll or a refresh). */
  lastUsedAt: number;
  /** When the tokens it last collected expire (its refresh token's expiry, if it has one). */
  expiresAt: number;
  /** IP address and user agent of the device's request. */
  requestIp: string | null;
  requestUserAgent: string | null;
  /** When the user or an admin removed the device; null while it is authorised. */
  revokedAt: number | null;
}

/**
 * Storage of device grants, for device management.
 *
 * Replace it by providing this token.
 */
export interface DeviceGrantRepository {
  /** Stores a grant; a second call with the same `id` leaves the first record as it is. */
  create(record: DeviceGrantRecord): Promise<void>;
  /** The grant with this id, or null. */
  findById(id: string): Promise<DeviceGrantRecord | null>;
  /** The user's grants that are neither revoked nor expired at `now`, newest first. */
  findActiveBySubject(subject: string, now: number): Promise<DeviceGrantRecord[]>;
  /** Grants not revoked, of one client or (null) of every client. */
  findActiveByClient(clientId: string | null): Promise<DeviceGrantRecord[]>;
  /** Records that the device collected new tokens (a refresh) at `at`, now expiring at `expiresAt`. */
  recordUse(id: string, at: number, expiresAt: number): Promise<void>;
  /** Marks a grant revoked if it is not yet (compare-and-set); returns whether this call did. */
  revoke(id: string, now: number): Promise<boolean>;
  /**
   * Deletes grants that expired before `before` (ms), revoked or not; returns how many. Called by the purge
   * schedule with its retention, as for tokens. Optional: a store without it keeps its grants.
   */
  deleteExpired?(before: number): Promise<number>;
}

/** Injection token for {@link DeviceGrantRepository}. */
export const DeviceGrantRepository = Symbol('DeviceGrantRepository');
