import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisDeviceCodeRepository } from '../../libs/device-flow/src/index.js';
import { describeWith, randomRedisPrefix, REDIS_URL } from '../support/databases.js';
import { deviceCodeRepositoryCases } from '../support/device-code-repository.cases.js';
import { deviceCode, NOW } from '../support/typeorm.js';

await describeWith('RedisDeviceCodeRepository on Redis', ['redis'], () => {
  const prefix = randomRedisPrefix();
  let redis: Redis;
  let repo: RedisDeviceCodeRepository;

  beforeAll(() => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    repo = new RedisDeviceCodeRepository(redis, { keyPrefix: prefix, retentionMs: 60_000 });
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('round-trips a record exactly, by either hash', async () => {
    const record = deviceCode({ lastPolledAt: NOW + 1, decidedAt: NOW + 2, subject: null });
    await repo.create(record);
    expect(await repo.findByDeviceCodeHash(record.deviceCodeHash)).toEqual(record);
    expect(await repo.findByUserCodeHash(record.userCodeHash)).toEqual(record);
    expect(await repo.findByDeviceCodeHash('nope')).toBeNull();
  });

  it('keys expire natively: code lifetime plus retention, measured from creation', async () => {
    const record = deviceCode({ createdAt: NOW, expiresAt: NOW + 600_000 });
    await repo.create(record);
    for (const key of [
      `${prefix}code:${record.id}`,
      `${prefix}device-code:${record.deviceCodeHash}`,
      `${prefix}user-code:${record.userCodeHash}`,
    ]) {
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(660_000 - 5_000);
      expect(ttl).toBeLessThanOrEqual(660_000);
    }
  });

  it('a code whose keys expired is gone', async () => {
    const short = new RedisDeviceCodeRepository(redis, { keyPrefix: prefix, retentionMs: 0 });
    const record = deviceCode({ createdAt: NOW, expiresAt: NOW + 30 });
    await short.create(record);
    await new Promise((r) => setTimeout(r, 80));
    expect(await short.findByDeviceCodeHash(record.deviceCodeHash)).toBeNull();
  });

  it("works on a client with ioredis's own keyPrefix", async () => {
    const prefixed = new Redis(REDIS_URL, {
      maxRetriesPerRequest: 1,
      keyPrefix: `${prefix}client:`,
    });
    try {
      const store = new RedisDeviceCodeRepository(prefixed);
      const record = deviceCode();
      await store.create(record);
      expect(await store.findByUserCodeHash(record.userCodeHash)).toEqual(record);
      expect(await redis.exists(`${prefix}client:device-flow:code:${record.id}`)).toBe(1);
    } finally {
      prefixed.disconnect();
    }
  });

  deviceCodeRepositoryCases(() => repo);
});
