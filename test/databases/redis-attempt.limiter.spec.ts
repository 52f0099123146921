import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisAttemptLimiter } from '../../libs/device-flow/src/index.js';
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

  attemptLimiterContract(
    'Redis',
    async () => new RedisAttemptLimiter(redis, randomRedisPrefix().replace('df:test:', prefix)),
  );

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
});
