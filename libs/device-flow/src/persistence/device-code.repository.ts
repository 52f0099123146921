/** Lifecycle of a device code. @see RFC 8628 §3.5 */
export type DeviceCodeStatus = 'pending' | 'approved' | 'denied' | 'consumed';

/**
 * One device authorization request as stored. Codes are stored only as hashes.
 *
 * @see RFC 8628 §3.2
 */
export interface DeviceCodeRecord {
  /** Opaque primary key. */
  id: string;
  /** {@link CodeHasher} hash of the device code. */
  deviceCodeHash: string;
  /** {@link CodeHasher} hash of the normalised user code; unique. */
  userCodeHash: string;
  clientId: string;
  /** Requested scope, space-delimited ('' for none). */
  scope: string;
  status: DeviceCodeStatus;
  /** The user who approved or denied. */
  subject: string | null;
  /** Scope the user approved (may be narrower than requested). */
  grantedScope: string | null;
  /** Current polling interval in seconds; grows by 5 on every slow_down. */
  interval: number;
  /** When the client last polled (ms), or null before the first poll. */
  lastPolledAt: number | null;
  /** Expiry (ms since epoch). */
  expiresAt: number;
  /** Creation time (ms since epoch). */
  createdAt: number;
  /** When the user decided, or the code was redeemed (ms). */
  decidedAt: number | null;
  /** IP address and user agent of the device's request, shown on the consent page (RFC 8628 §5.4). */
  requestIp: string | null;
  requestUserAgent: string | null;
}

/** Changes written together with a status transition. */
export type DeviceCodeChanges = Partial<
  Pick<DeviceCodeRecord, 'subject' | 'grantedScope' | 'decidedAt'>
>;

/**
 * What {@link DeviceCodeRepository.recordPendingPoll} did: the code is pending and the poll respected the
 * interval (`authorization_pending`), or came too soon and the interval grew (`slow_down`); `null` when the code
 * is not a live pending code of that client, and nothing was written.
 */
export type PendingPollOutcome = 'authorization_pending' | 'slow_down' | null;

/** Raised by {@link DeviceCodeRepository.create} when the user code hash is already taken. */
export class UserCodeCollisionError extends Error {
  constructor() {
    super('user code already in use');
    this.name = 'UserCodeCollisionError';
  }
}

/**
 * Storage of device authorization requests. Every state change that can race is one conditional update
 * (compare-and-set) that reports whether it applied, so two instances can never both win.
 *
 * Replace it by providing this token (e.g. `{ provide: DeviceCodeRepository, useClass: MyStore }`).
 */
export interface DeviceCodeRepository {
  /** Stores a new request. Throws {@link UserCodeCollisionError} if `userCodeHash` is already stored. */
  create(record: DeviceCodeRecord): Promise<void>;
  /** The request with this device code hash, or null. */
  findByDeviceCodeHash(hash: string): Promise<DeviceCodeRecord | null>;
  /** The request with this user code hash, or null. */
  findByUserCodeHash(hash: string): Promise<DeviceCodeRecord | null>;
  /**
   * Records a poll of a pending code, atomically. When the previous poll was at least `interval` seconds ago
   * (less `toleranceMs` for network jitter) it sets `lastPolledAt = now` and returns `true`. Otherwise the poll
   * is too fast: it adds `slowDownSeconds` to the interval, sets `lastPolledAt = now` and returns `false`.
   *
   * @see RFC 8628 §3.5 (slow_down)
   */
  recordPoll(
    id: string,
    now: number,
    toleranceMs: number,
    slowDownSeconds: number,
  ): Promise<boolean>;
  /**
   * The poll hot path, keyed by the device code hash: when the code belongs to `clientId`, is `pending` and
   * not expired at `now`, records the poll exactly as {@link recordPoll} does and says which way it went;
   * otherwise changes nothing and returns `null` (the caller then reads the code to say why). Every condition
   * sits in the conditional update itself (compare-and-set), so an answer of `authorization_pending` takes one
   * database round trip. Optional: without it, polls read the code and then call {@link recordPoll}.
   *
   * @see RFC 8628 §3.5 (decision order: expired, denied/approved, slow_down, pending)
   */
  recordPendingPoll?(
    deviceCodeHash: string,
    clientId: string,
    now: number,
    toleranceMs: number,
    slowDownSeconds: number,
  ): Promise<PendingPollOutcome>;
  /**
   * Moves the request from status `from` to `to`, with `changes`, only if it is still in `from` and (for moves
   * out of `pending`) not expired at `now`. Returns whether it applied.
   */
  transition(
    id: string,
    from: DeviceCodeStatus,
    to: DeviceCodeStatus,
    now: number,
    changes?: DeviceCodeChanges,
  ): Promise<boolean>;
  /** Deletes requests that expired before `before` (ms). Returns how many. */
  deleteExpired(before: number): Promise<number>;
}

/** Injection token for {@link DeviceCodeRepository}. */
export const DeviceCodeRepository = Symbol('DeviceCodeRepository');
