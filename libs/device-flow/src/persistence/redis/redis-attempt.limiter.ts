import type { Redis } from 'ioredis';
import type { RedisClient } from './redis-connection.js';
import {
  type AttemptBucket,
  type AttemptKeyHasher,
  type AttemptLimiter,
  StoredAttemptKeys,
  windowRetryAfterMs,
} from '../../verification/attempt-limiter.js';

/**
 * KEYS: the counter. ARGV: now, window ms. Counts one event: in the current window, or opening a new one when
 * the window that started at the first event is over. The key expires natively when its window ends.
 */
const RECORD = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local start = redis.call('HGET', KEYS[1], 'start')
if not start or tonumber(start) + window <= now then
  redis.call('HSET', KEYS[1], 'start', ARGV[1], 'count', 1)
  start = ARGV[1]
else
  redis.call('HINCRBY', KEYS[1], 'count', 1)
end
local remaining = tonumber(start) + window - now
if remaining < 1 then remaining = 1 end
redis.call('PEXPIRE', KEYS[1], math.floor(remaining))
return 1`;

/**
 * Take: count one event unless the window is full (the check and the count in one script, which Redis runs
 * alone). Returns 0 when counted, else the ms until the window ends. ARGV: now, window ms, limit.
 */
const TAKE = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local start = redis.call('HGET', KEYS[1], 'start')
if start and tonumber(start) + window > now then
  local count = tonumber(redis.call('HGET', KEYS[1], 'count') or '0')
  if count >= tonumber(ARGV[3]) then return tonumber(start) + window - now end
  redis.call('HINCRBY', KEYS[1], 'count', 1)
else
  redis.call('HSET', KEYS[1], 'start', ARGV[1], 'count', 1)
  start = ARGV[1]
end
local remaining = tonumber(start) + window - now
if remaining < 1 then remaining = 1 end
redis.call('PEXPIRE', KEYS[1], math.floor(remaining))
return 0`;

/**
 * Release: give back one event while the window is open and its count above zero (one script, which Redis runs
 * alone). Returns 1 when given back, else 0. The key's expiry is left as it is (HINCRBY keeps a key's TTL), and
 * a missing key is not created. ARGV: now, window ms.
 */
const RELEASE = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local w = redis.call('HMGET', KEYS[1], 'start', 'count')
if not w[1] or tonumber(w[1]) + window <= now then return 0 end
if tonumber(w[2] or '0') <= 0 then return 0 end
redis.call('HINCRBY', KEYS[1], 'count', -1)
return 1`;

type RedisWithScripts = Redis & {
  dfRecordAttempt(key: string, now: string, window: string): Promise<number>;
  dfTakeAttempt(key: string, now: string, window: string, limit: string): Promise<number>;
  dfReleaseAttempt(key: string, now: string, window: string): Promise<number>;
};

/**
 * {@link AttemptLimiter} on Redis: one hash per bucket (`start`, `count`) that expires by itself when its
 * window ends. Each count is one Lua script, so concurrent failures on any number of instances are all counted.
 * Keys are stored hashed (no IP addresses in clear). Chosen by `storage: 'redis'`.
 *
 * @see RFC 8628 §5.1
 */
export class RedisAttemptLimiter implements AttemptLimiter {
  private readonly redis: RedisWithScripts;
  private readonly storedKeys: StoredAttemptKeys;

  constructor(
    client: RedisClient,
    private readonly keyPrefix = 'device-flow:',
    /** Keys are stored as its keyed hash (the module passes its `CodeHasher`); without it, as SHA-256. */
    hasher?: AttemptKeyHasher,
  ) {
    this.storedKeys = new StoredAttemptKeys(hasher);
    const redis = client as Redis;
    if (!('dfRecordAttempt' in redis))
      redis.defineCommand('dfRecordAttempt', { lua: RECORD, numberOfKeys: 1 });
    if (!('dfTakeAttempt' in redis))
      redis.defineCommand('dfTakeAttempt', { lua: TAKE, numberOfKeys: 1 });
    if (!('dfReleaseAttempt' in redis))
      redis.defineCommand('dfReleaseAttempt', { lua: RELEASE, numberOfKeys: 1 });
    this.redis = redis as RedisWithScripts;
  }

  async retryAfterMs(buckets: readonly AttemptBucket[], now: number): Promise<number> {
    if (buckets.length === 0) return 0;
    const pipeline = this.redis.pipeline();
    for (const b of buckets) pipeline.hmget(this.key(b.key), 'start', 'count');
    const results = (await pipeline.exec()) ?? [];
    let wait = 0;
    results.forEach(([error, value], i) => {
      if (error) throw error;
      const [start, count] = value as [string | null, string | null];
      if (start === null || count === null) return;
      wait = Math.max(wait, windowRetryAfterMs(buckets[i]!, Number(start), Number(count), now));
    });
    return wait;
  }

  async record(buckets: readonly AttemptBucket[], now: number): Promise<void> {
    for (const b of buckets) {
      await this.redis.dfRecordAttempt(this.key(b.key), String(now), String(b.windowMs));
    }
  }

  async take(bucket: AttemptBucket, now: number): Promise<number> {
    return Number(
      await this.redis.dfTakeAttempt(
        this.key(bucket.key),
        String(now),
        String(bucket.windowMs),
        String(bucket.limit),
      ),
    );
  }

  /** Gives back one event counted in the window open at `now` (one script); see {@link RELEASE}. */
  async release(bucket: AttemptBucket, now: number): Promise<void> {
    await this.redis.dfReleaseAttempt(this.key(bucket.key), String(now), String(bucket.windowMs));
  }

  private key(key: string): string {
    return `${this.keyPrefix}attempts:${this.storedKeys.of(key)}`;
  }
}
