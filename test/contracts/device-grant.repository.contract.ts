import { expect, it } from 'vitest';
import type { DeviceGrantRecord, DeviceGrantRepository } from '../../libs/device-flow/src/index.js';

/** A grant record with defaults. */
export function grantRecord(overrides: Partial<DeviceGrantRecord> = {}): DeviceGrantRecord {
  return {
    id: crypto.randomUUID(),
    clientId: 'tv',
    subject: 'alice',
    scope: 'read write',
    requestedAt: 1_000,
    approvedAt: 2_000,
    createdAt: 3_000,
    lastUsedAt: 3_000,
    expiresAt: 100_000,
    requestIp: '203.0.113.7',
    requestUserAgent: 'TV/1.0',
    revokedAt: null,
    ...overrides,
  };
}

/**
 * The contract every {@link DeviceGrantRepository} must meet. Call inside a `describe`, with a factory that
 * returns an empty repository.
 */
export function deviceGrantRepositoryContract(make: () => Promise<DeviceGrantRepository>): void {
  it('stores and finds a grant; a second create with the same id keeps the first', async () => {
    const repo = await make();
    const g = grantRecord();
    await repo.create(g);
    await repo.create({ ...g, subject: 'mallory' });
    expect(await repo.findById(g.id)).toEqual(g);
    expect(await repo.findById(crypto.randomUUID())).toBeNull();
  });

  it('lists live grants by subject (not lapsed) and by client, newest first', async () => {
    const repo = await make();
    const old = grantRecord({ createdAt: 10 });
    const recent = grantRecord({ createdAt: 20, clientId: 'other' });
    const bobs = grantRecord({ subject: 'bob' });
    const revoked = grantRecord({ revokedAt: 5 });
    const lapsed = grantRecord({ expiresAt: 50_000 });
    for (const g of [old, recent, bobs, revoked, lapsed]) await repo.create(g);
    const ids = async (now: number) =>
      (await repo.findActiveBySubject('alice', now)).map((g) => g.id);
    expect(await ids(60_000)).toEqual([recent.id, old.id]);
    expect(await ids(100_000)).toEqual([]);
    expect((await repo.findActiveByClient('tv')).map((g) => g.id).sort()).toEqual(
      [old.id, bobs.id, lapsed.id].sort(),
    );
    expect(await repo.findActiveByClient(null)).toHaveLength(4);
  });

  it('records use: a refresh moves lastUsedAt and expiresAt', async () => {
    const repo = await make();
    const g = grantRecord();
    await repo.create(g);
    await repo.recordUse(g.id, 90_000, 200_000);
    expect(await repo.findById(g.id)).toEqual({ ...g, lastUsedAt: 90_000, expiresAt: 200_000 });
    expect((await repo.findActiveBySubject('alice', 150_000)).map((r) => r.id)).toEqual([g.id]);
  });

  it('revokes once (compare-and-set)', async () => {
    const repo = await make();
    const g = grantRecord();
    await repo.create(g);
    const results = await Promise.all([repo.revoke(g.id, 50), repo.revoke(g.id, 60)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await repo.findById(g.id))?.revokedAt).toBeGreaterThanOrEqual(50);
    expect(await repo.findActiveBySubject('alice', 0)).toEqual([]);
    expect(await repo.revoke(crypto.randomUUID(), 70)).toBe(false);
  });
}
