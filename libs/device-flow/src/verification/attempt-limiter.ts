import { createHash } from 'node:crypto';

/**
 * One counter an {@link AttemptLimiter} keeps: at most `limit` events per fixed window of `windowMs`.
 *
 * @see RFC 8628 §5.1 (brute-forcing the user code)
 */
export interface AttemptBucket {
  /** What is counted, e.g. `verify:ip:203.0.113.7`. Implementations may store it hashed. */
  key: string;
  /** Events allowed per window. */
  limit: number;
  /** Window length in ms. */
  windowMs: number;
}

/**
 * Counts events (failed user-code entries, device code issuance) per key in fixed windows, shared by every
 * instance of the app through its storage. Used to cap user-code guessing per client IP, per session and
 * globally, and device code minting per client and IP.
 *
 * Replace it by providing this token. @see RFC 8628 §5.1, §5.4
 */
export interface AttemptLimiter {
  /** Milliseconds until every bucket is under its limit again at `now`; 0 when none is exhausted. */
  retryAfterMs(buckets: readonly AttemptBucket[], now: number): Promise<number>;
  /** Counts one event in each bucket (each bucket's window starts at its first event). */
  record(buckets: readonly AttemptBucket[], now: number): Promise<void>;
  /**
   * Optional: deletes counters whose window started before `before` (ms) and returns how many. Stores that
   * expire counters on their own (Redis keys with a TTL, the bounded in-memory map) leave it out; the purge
   * schedule calls it, with `before` one longest configured window ago, when it is there.
   */
  deleteStale?(before: number): Promise<number>;
  /**
   * Optional: counts one event in `bucket` when the bucket has room at `now` and returns 0, or leaves it as it
   * is and returns the ms until it has room — the check and the count as one atomic step, so callers racing on
   * several instances never get more than `limit` events through a window. Used by the device code issuance
   * limit (and, with {@link release}, by the guessing limits and client authentication); without it the check
   * ({@link retryAfterMs}) and the count ({@link record}) are two steps ({@link takeAttempt}).
   */
  take?(bucket: AttemptBucket, now: number): Promise<number>;
  /**
   * Optional, with {@link take}: gives back one event counted in `bucket` while its window is still open at
   * `now` (the count goes down by one, never below zero; nothing happens once the window is over). Lets a caller
   * reserve room before an attempt — so that racing attempts can never exceed `limit` — and give it back when
   * the attempt turns out not to count (a guesser's correct entry, a right client secret). Used by the
   * verification page's guessing limits and the client authentication limit; without it, those check before and
   * count after each failed attempt.
   */
  release?(bucket: AttemptBucket, now: number): Promise<void>;
}

/** Injection token for {@link AttemptLimiter}. */
export const AttemptLimiter = Symbol('AttemptLimiter');

/** The ms until a window that started at `start` with `count` events lets the next one through. */
export function windowRetryAfterMs(
  bucket: AttemptBucket,
  start: number,
  count: number,
  now: number,
): number {
  const end = start + bucket.windowMs;
  if (end <= now || count < bucket.limit) return 0;
  return end - now;
}

/**
 * Counts one event in `bucket` unless it is full: {@link AttemptLimiter.take} when the limiter has it, else a
 * check then a count. Returns 0 when counted, else the ms until the bucket has room.
 */
export async function takeAttempt(
  limiter: AttemptLimiter,
  bucket: AttemptBucket,
  now: number,
): Promise<number> {
  if (limiter.take) return limiter.take(bucket, now);
  const wait = await limiter.retryAfterMs([bucket], now);
  if (wait === 0) await limiter.record([bucket], now);
  return wait;
}

/**
 * Gives back one event counted in `bucket` ({@link AttemptLimiter.release}) when the limiter can, while the
 * window open at `now` lasts; does nothing for a limiter without `release`.
 */
export async function releaseAttempt(
  limiter: AttemptLimiter,
  bucket: AttemptBucket,
  now: number,
): Promise<void> {
  if (limiter.release) await limiter.release(bucket, now);
}

/** What {@link reserveAttempts} got: every bucket reserved, or the ms to wait (nothing reserved). */
export type AttemptReservation = { reserved: readonly AttemptBucket[] } | { retryAfterMs: number };

/**
 * Reserves one event in each bucket, all or none, before an attempt whose outcome decides whether it counts
 * (a guess: a failure counts, a success does not). When a bucket is full, what was taken is given back and the
 * wait is returned. Give the reservation back with {@link releaseAttempts} when the attempt does not count.
 * Because the count comes first, attempts racing each other never get more through than the limits allow —
 * which a check before and a count after cannot promise. Null when the limiter cannot take and release.
 */
export async function reserveAttempts(
  limiter: AttemptLimiter,
  buckets: readonly AttemptBucket[],
  now: number,
): Promise<AttemptReservation | null> {
  if (!limiter.take || !limiter.release) return null;
  const reserved: AttemptBucket[] = [];
  for (const bucket of buckets) {
    const retryAfterMs = await limiter.take(bucket, now);
    if (retryAfterMs > 0) {
      await releaseAttempts(limiter, reserved, now);
      return { retryAfterMs };
    }
    reserved.push(bucket);
  }
  return { reserved };
}

/** Gives back one event in each bucket ({@link releaseAttempt}). */
export async function releaseAttempts(
  limiter: AttemptLimiter,
  buckets: readonly AttemptBucket[],
  now: number,
): Promise<void> {
  for (const bucket of buckets) await releaseAttempt(limiter, bucket, now);
}

/** A keyed hash (the module's `CodeHasher`: HMAC-SHA-256 with `hashSecret`) for the keys a limiter stores. */
export interface AttemptKeyHasher {
  hash(value: string): string;
}

/**
 * The form in which a store keeps a bucket's key: its keyed hash when the limiter has the module's hasher, so that
 * a stolen table or Redis dump gives no IP address or session id back (a plain SHA-256 of `verify:ip:<IPv4>` is
 * reversed by trying all 2^32 addresses); SHA-256 without one (a limiter built by hand).
 */
export function storedAttemptKey(key: string, hasher?: AttemptKeyHasher): string {
  return hasher
    ? hasher.hash(`attempt:${key}`)
    : createHash('sha256').update(key, 'utf8').digest('base64url');
}

/** Keys {@link StoredAttemptKeys} remembers at most; beyond, it starts over (bounded memory). */
const MAX_REMEMBERED_KEYS = 4096;

/**
 * {@link storedAttemptKey}, remembered: one verification request uses each of its four keys (IP, session,
 * user, global) two or three times — check, reserve, give back — and the global key is the same for every
 * request, so each would otherwise cost an HMAC every time. Holds at most {@link MAX_REMEMBERED_KEYS} keys. The keys it
 * holds are readable in the process's memory (client IPs, page session ids, the demo's usernames), as they are
 * in the requests themselves; only what reaches storage is hashed.
 */
export class StoredAttemptKeys {
  private readonly remembered = new Map<string, string>();

  constructor(private readonly hasher?: AttemptKeyHasher) {}

  /** The stored form of `key` ({@link storedAttemptKey}). */
  of(key: string): string {
    let stored = this.remembered.get(key);
    if (stored === undefined) {
      stored = storedAttemptKey(key, this.hasher);
      if (this.remembered.size >= MAX_REMEMBERED_KEYS) this.remembered.clear();
      this.remembered.set(key, stored);
    }
    return stored;
  }
}
