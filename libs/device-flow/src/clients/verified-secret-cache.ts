import { createHmac, randomBytes } from 'node:crypto';

/** Most verified secrets remembered at once; the oldest is forgotten first. */
export const VERIFIED_SECRET_CACHE_SIZE = 1000;

/**
 * Remembers, for a short while, that a client secret was verified against a stored scrypt hash, so that a
 * confidential client polling every few seconds pays scrypt (tens of ms of CPU on libuv's small thread pool) once
 * per TTL instead of on every request. Only successes are remembered: a wrong secret always costs the full
 * verification. An entry is keyed by an HMAC, under a key made at start-up and never stored, of the stored hash
 * and the presented secret, so it matches only that secret against that hash: a secret changed in the store (a
 * new hash, once the client cache reads it) finds no entry, and the cache holds no secret in a form that can be
 * checked offline.
 *
 * @see RFC 6749 §2.3.1 (client password), §10.3
 */
export class VerifiedSecretCache {
  private readonly key = randomBytes(32);
  /** Entry key → when it stops counting (ms), in insertion order (the oldest first). */
  private readonly entries = new Map<string, number>();
  /** Verifications running now, by entry key: requests presenting the same secret at once share one. */
  private readonly running = new Map<string, Promise<boolean>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = VERIFIED_SECRET_CACHE_SIZE,
  ) {}

  /** Whether this secret was verified against this stored hash within the TTL. */
  has(secretHash: string, secret: string, now: number): boolean {
    if (this.ttlMs <= 0) return false;
    return this.fresh(this.entryKey(secretHash, secret), now);
  }

  /**
   * Whether `secret` matches `secretHash`: true at once when verified within the TTL, else the result of `check`
   * (the scrypt verification), run once for all the requests that present the same secret meanwhile under the
   * same `scope` (the caller's: e.g. the failure budget the check reserves in, so that a request never shares
   * the outcome of a check made against another budget); a success is remembered, for every scope.
   */
  async verify(
    secretHash: string,
    secret: string,
    now: number,
    check: () => Promise<boolean>,
    scope = '',
  ): Promise<boolean> {
    const k = this.entryKey(secretHash, secret);
    if (this.ttlMs > 0 && this.fresh(k, now)) return true;
    const r = scope === '' ? k : `${k} ${scope}`;
    let running = this.running.get(r);
    if (!running) {
      running = check().finally(() => this.running.delete(r));
      this.running.set(r, running);
    }
    const matches = await running;
    if (matches) this.store(k, now);
    return matches;
  }

  private fresh(k: string, now: number): boolean {
    const until = this.entries.get(k);
    if (until === undefined) return false;
    if (until > now) return true;
    this.entries.delete(k);
    return false;
  }

  /** Records a successful verification at `now`. */
  remember(secretHash: string, secret: string, now: number): void {
    this.store(this.entryKey(secretHash, secret), now);
  }

  private store(k: string, now: number): void {
    if (this.ttlMs <= 0) return;
    this.entries.delete(k);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    this.entries.set(k, now + this.ttlMs);
  }

  private entryKey(secretHash: string, secret: string): string {
    return createHmac('sha256', this.key)
      .update(secretHash, 'utf8')
      .update('\u0000')
      .update(secret, 'utf8')
      .digest('base64url');
  }
}
