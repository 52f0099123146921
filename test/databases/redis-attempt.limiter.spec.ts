import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { CodeHasher, RedisAttemptLimiter } from '../../libs/device-flow/src/index.js';
import { attemptLimiterContract } from '../verification/attempt-limiter.contract.js';
import { describeWith, randomRedisPrefix, REDIS_URL } from '../support/databases.js';

await describeWith('RedisAttemptLimiter on Redis', ['redis'], () => {
  const prefix = randomRedisPrefix();
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  // As the module builds it: keys stored as the keyed hash of its hashSecret.
  const hasher = new CodeHasher('redis-attempts-secret-0123');
  attemptLimiterContract(
    'Redis',
    async () =>
      new RedisAttemptLimiter(redis, randomRedisPrefix().replace('df:test:', prefix), hasher),
  );

  it("with the module's hasher, a counter's key is a keyed hash: not the address, nor its plain SHA-256", async () => {
    const own = `${prefix}keyed:`;
    const key = 'verify:ip:203.0.113.9';
    await new RedisAttemptLimiter(redis, own, hasher).record(
      [{ key, limit: 3, windowMs: 60_000 }],
      Date.now(),
    );
    const sha256 = createHash('sha256').update(key, 'utf8').digest('base64url');
    expect(await redis.keys(`${own}*`)).toEqual([
      `${own}attempts:${hasher.hash(`attempt:${key}`)}`,
    ]);
    expect(await redis.exists(`${own}attempts:${sha256}`)).toBe(0);
  });

  it('counters expire natively when their window ends, and hold no key in clear', async () => {
    const own = `${prefix}ttl:`;
    const limiter = new RedisAttemptLimiter(redis, own);
    const now = Date.now();
    await limiter.record([{ key: 'verify:ip:203.0.113.7', limit: 3, windowMs: 60_000 }], now);
    await limiter.record(
      [{ key: 'verify:ip:203.0.113.7', limit: 3, windowMs: 60_000 }],
      now + 10_000,
    );
    const keys = await redis.keys(`${own}*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toContain('203.0.113.7');
    const ttl = await redis.pttl(keys[0]!);
    expect(ttl).toBeGreaterThan(45_000);
    expect(ttl).toBeLessThanOrEqual(50_000);
  });

  it('release keeps the counter expiring when its window ends, creates no key, skips an ended window', async () => {
    const own = `${prefix}release-ttl:`;
    const limiter = new RedisAttemptLimiter(redis, own);
    const bucket = { key: 'verify:ip:203.0.113.8', limit: 3, windowMs: 60_000 };
    const now = Date.now();
    expect(await limiter.take(bucket, now)).toBe(0);
    expect(await limiter.take(bucket, now)).toBe(0);
    await limiter.release(bucket, now + 10_000);
    const keys = await redis.keys(`${own}*`);
    expect(keys).toHaveLength(1);
    expect(await redis.hget(keys[0]!, 'count')).toBe('1');
    const ttl = await redis.pttl(keys[0]!);
    expect(ttl).toBeGreaterThan(45_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    await limiter.release({ ...bucket, key: 'never-counted' }, now);
    expect(await redis.keys(`${own}*`)).toHaveLength(1);
    // A window that is over at `now` is left as it is (even while its key has not expired yet).
    expect(await limiter.take(bucket, now)).toBe(0);
    await limiter.release(bucket, now + 60_000);
    expect(await redis.hget(keys[0]!, 'count')).toBe('2');
  });
});
