import {
  type AttemptBucket,
  type AttemptLimiter,
  windowRetryAfterMs,
} from '../../verification/attempt-limiter.js';
import { warnDevelopmentOnly } from './dev-only.js';

/** {@link AttemptLimiter} in process memory: counts are not shared between instances. Development only. */
export class InMemoryAttemptLimiter implements AttemptLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor() {
    warnDevelopmentOnly('AttemptLimiter');
  }

  async retryAfterMs(buckets: readonly AttemptBucket[], now: number): Promise<number> {
    let wait = 0;
    for (const b of buckets) {
      const w = this.windows.get(b.key);
      if (w) wait = Math.max(wait, windowRetryAfterMs(b, w.start, w.count, now));
    }
    return wait;
  }

  async record(buckets: readonly AttemptBucket[], now: number): Promise<void> {
    for (const b of buckets) {
      const w = this.windows.get(b.key);
      if (w && w.start + b.windowMs > now) w.count++;
      else this.windows.set(b.key, { start: now, count: 1 });
    }
    if (this.windows.size > 100_000) this.prune(now, buckets);
  }

  /** Checks and counts in one synchronous step, so no other caller runs in between. */
  async take(bucket: AttemptBucket, now: number): Promise<number> {
    const w = this.windows.get(bucket.key);
    const wait = w ? windowRetryAfterMs(bucket, w.start, w.count, now) : 0;
    if (wait === 0) await this.record([bucket], now);
    return wait;
  }

  /**
   * Gives back one event counted in the window open at `now`, in one synchronous step; never below zero, and
   * nothing for a window that is over or a key never counted.
   */
  async release(bucket: AttemptBucket, now: number): Promise<void> {
    const w = this.windows.get(bucket.key);
    if (w && w.start + bucket.windowMs > now && w.count > 0) w.count--;
  }

  /** Drops windows that are surely over, so memory stays bounded under a flood of distinct keys. */
  private prune(now: number, buckets: readonly AttemptBucket[]): void {
    const longest = Math.max(...buckets.map((b) => b.windowMs));
    for (const [key, w] of this.windows) if (w.start + longest <= now) this.windows.delete(key);
  }
}
