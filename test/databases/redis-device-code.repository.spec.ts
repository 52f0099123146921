import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
import { RedisDeviceCodeRepository } from '../../libs/device-flow/src/index.js';
import { describeWith, randomRedisPrefix, REDIS_URL } from '../support/databases.js';
import { deviceCodeRepositoryCases } from '../support/device-code-repository.cases.js';
import { TcpProxy } from '../support/tcp-proxy.js';
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

  it('purges a backlog larger than one batch (500), all of it, index keys included', async () => {
    const storePrefix = randomRedisPrefix();
    const store = new RedisDeviceCodeRepository(redis, {
      keyPrefix: storePrefix,
      retentionMs: 60_000,
    });
    onTestFinished(async () => {
      const keys = await redis.keys(`${storePrefix}*`);
      if (keys.length) await redis.del(...keys);
    });
    const old = Array.from({ length: 1203 }, () =>
      deviceCode({ createdAt: NOW - 10_000, expiresAt: NOW - 1 }),
    );
    await Promise.all(old.map((r) => store.create(r)));
    const live = deviceCode({ expiresAt: NOW + 60_000 });
    await store.create(live);
    expect(await store.deleteExpired(NOW)).toBe(1203);
    for (const r of [old[0]!, old[600]!, old[1202]!])
      expect(await store.findByDeviceCodeHash(r.deviceCodeHash)).toBeNull();
    expect(await store.findByUserCodeHash(live.userCodeHash)).toEqual(live);
    expect(await store.deleteExpired(NOW)).toBe(0);
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

await describeWith('RedisDeviceCodeRepository when Redis answers too late', ['redis'], () => {
  const prefix = randomRedisPrefix();
  let proxy: TcpProxy;
  let direct: Redis;
  let slow: Redis;
  let repo: RedisDeviceCodeRepository;
  let reader: RedisDeviceCodeRepository;

  beforeAll(async () => {
    const url = new URL(REDIS_URL);
    proxy = new TcpProxy(url.hostname, Number(url.port || 6379));
    await proxy.start();
    const proxied = new URL(REDIS_URL);
    proxied.host = `127.0.0.1:${proxy.port}`;
    // As the module opens its own client, with a short command timeout for the test.
    slow = new Redis(proxied.toString(), { maxRetriesPerRequest: 1, commandTimeout: 300 });
    slow.on('error', () => undefined);
    direct = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    repo = new RedisDeviceCodeRepository(slow, { keyPrefix: prefix });
    reader = new RedisDeviceCodeRepository(direct, { keyPrefix: prefix });
  });
  afterAll(async () => {
    slow?.disconnect();
    await proxy?.stop();
    const keys = await direct.keys(`${prefix}*`);
    if (keys.length) await direct.del(...keys);
    direct.disconnect();
  });

  it('a transition whose answer timed out is taken back when Redis runs it late: a claim never burns the code', async () => {
    const record = deviceCode({ status: 'approved', subject: 'alice', decidedAt: NOW });
    await repo.create(record);
    proxy.stall();
    await expect(repo.transition(record.id, 'approved', 'consumed', NOW + 5)).rejects.toThrow(
      /Command timed out/,
    );
    // Redis catches up: the claim runs after all, then the undo queued behind it.
    proxy.resume();
    await expect
      .poll(async () => (await reader.findByDeviceCodeHash(record.deviceCodeHash))?.status, {
        timeout: 5000,
      })
      .toBe('approved');
    await new Promise((resolve) => setTimeout(resolve, 200)); // nothing else arrives afterwards
    expect(await reader.findByDeviceCodeHash(record.deviceCodeHash)).toEqual(record);
    // And the code can still be claimed, once.
    expect(await repo.transition(record.id, 'approved', 'consumed', NOW + 6)).toBe(true);
    expect(await repo.transition(record.id, 'approved', 'consumed', NOW + 7)).toBe(false);
  });

  it("the undo never takes back a later transition (another request's claim after a lost one)", async () => {
    const record = deviceCode({ status: 'pending' });
    await repo.create(record);
    proxy.stall();
    const lost = repo.transition(record.id, 'pending', 'denied', NOW + 1, { decidedAt: NOW + 1 });
    await expect(lost).rejects.toThrow(/Command timed out/);
    // Before the slow connection catches up, another instance decides the code (approved).
    expect(
      await reader.transition(record.id, 'pending', 'approved', NOW + 2, {
        subject: 'bob',
        grantedScope: 'read',
        decidedAt: NOW + 2,
      }),
    ).toBe(true);
    proxy.resume();
    // The lost transition runs late and fails its compare-and-set (not pending any more); its undo finds
    // another operation's mark and leaves the record alone.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await reader.findByDeviceCodeHash(record.deviceCodeHash)).toMatchObject({
      status: 'approved',
      subject: 'bob',
      decidedAt: NOW + 2,
    });
  });
});
