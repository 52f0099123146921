import { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { RedisDeviceCodeRepository } from '../../libs/device-flow/src/index.js';
import { describeWith, randomRedisPrefix, REDIS_URL } from '../support/databases.js';
import { deviceCodeRepositoryContract } from './device-code-repository.contract.js';

/** The shared DeviceCodeRepository contract on Redis: a fresh key prefix per test. */
await describeWith('repository contracts on Redis', ['redis'], () => {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
  const prefixes: string[] = [];
  afterAll(async () => {
    for (const prefix of prefixes) {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
    }
    redis.disconnect();
  });

  deviceCodeRepositoryContract('Redis', async () => {
    const keyPrefix = randomRedisPrefix();
    prefixes.push(keyPrefix);
    return { repository: new RedisDeviceCodeRepository(redis, { keyPrefix }) };
  });
});
