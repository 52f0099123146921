import { expect, it } from 'vitest';
import {
  CompensatingUnitOfWork,
  type DeviceCodeRepository,
  UserCodeCollisionError,
  type UnitOfWork,
} from '../../libs/device-flow/src/index.js';
import { deviceCode, NOW } from './typeorm.js';

/**
 * Behaviour every {@link DeviceCodeRepository} must show on a real backend: collisions, compare-and-set
 * transitions, slow_down arithmetic, and exactly one winner among concurrent claims. Call inside a `describe`;
 * `repo` is read when each test runs (after `beforeAll`). `unitOfWork` defaults to compensation (for stores
 * without transactions).
 */
export function deviceCodeRepositoryCases(
  repo: () => DeviceCodeRepository,
  unitOfWork: () => UnitOfWork = () => new CompensatingUnitOfWork(),
): void {
  it('reports a user code collision as UserCodeCollisionError, other duplicates as themselves', async () => {
    const first = deviceCode();
    await repo().create(first);
    await expect(
      repo().create(deviceCode({ userCodeHash: first.userCodeHash })),
    ).rejects.toBeInstanceOf(UserCodeCollisionError);
    const dup = repo().create(deviceCode({ deviceCodeHash: first.deviceCodeHash }));
    await expect(dup).rejects.toThrow();
    await expect(dup).rejects.not.toBeInstanceOf(UserCodeCollisionError);
  });

  it('transition is a compare-and-set: it applies once, never from the wrong state or after expiry', async () => {
    const r = deviceCode();
    await repo().create(r);
    expect(await repo().transition(r.id, 'approved', 'consumed', NOW)).toBe(false);
    expect(
      await repo().transition(r.id, 'pending', 'approved', NOW, {
        subject: 'alice',
        grantedScope: 'read',
        decidedAt: NOW,
      }),
    ).toBe(true);
    expect(await repo().transition(r.id, 'pending', 'denied', NOW)).toBe(false);
    expect(await repo().findByDeviceCodeHash(r.deviceCodeHash)).toMatchObject({
      status: 'approved',
      subject: 'alice',
      grantedScope: 'read',
      decidedAt: NOW,
    });
    const expired = deviceCode({ expiresAt: NOW });
    await repo().create(expired);
    expect(await repo().transition(expired.id, 'pending', 'approved', NOW)).toBe(false);
    expect(await repo().transition('missing', 'pending', 'approved', NOW)).toBe(false);
  });

  it('recordPoll: polls at the interval pass; early ones add 5 s each, cumulatively', async () => {
    const r = deviceCode({ interval: 5 });
    await repo().create(r);
    expect(await repo().recordPoll(r.id, NOW, 1000, 5)).toBe(true); // first poll
    expect(await repo().recordPoll(r.id, NOW + 4000, 1000, 5)).toBe(true); // within tolerance
    expect(await repo().recordPoll(r.id, NOW + 6000, 1000, 5)).toBe(false); // 2 s later: too fast
    expect((await repo().findByDeviceCodeHash(r.deviceCodeHash))!.interval).toBe(10);
    expect(await repo().recordPoll(r.id, NOW + 14000, 1000, 5)).toBe(false); // 8 s < 10 s - 1 s
    const after = await repo().findByDeviceCodeHash(r.deviceCodeHash);
    expect(after).toMatchObject({ interval: 15, lastPolledAt: NOW + 14000 });
    expect(await repo().recordPoll(r.id, NOW + 28000, 1000, 5)).toBe(true); // 14 s ≥ 15 s - 1 s
    expect((await repo().findByDeviceCodeHash(r.deviceCodeHash))!.interval).toBe(15);
  });

  it('50 concurrent claims of one approved code: exactly one wins', async () => {
    const r = deviceCode();
    await repo().create(r);
    await repo().transition(r.id, 'pending', 'approved', NOW, { subject: 'alice' });
    const results = await Promise.all(
      Array.from({ length: 50 }, () => repo().transition(r.id, 'approved', 'consumed', NOW)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('50 concurrent early polls of one code: every one after the first grows the interval', async () => {
    const r = deviceCode({ interval: 5, lastPolledAt: NOW });
    await repo().create(r);
    const results = await Promise.all(
      Array.from({ length: 50 }, () => repo().recordPoll(r.id, NOW + 100, 1000, 5)),
    );
    expect(results.filter(Boolean)).toHaveLength(0);
    expect((await repo().findByDeviceCodeHash(r.deviceCodeHash))!.interval).toBe(5 + 50 * 5);
  });

  it('a claim inside a failed unit of work is undone; inside a successful one it stays', async () => {
    const r = deviceCode();
    await repo().create(r);
    await repo().transition(r.id, 'pending', 'approved', NOW, { subject: 'alice' });
    await expect(
      unitOfWork().run(async () => {
        expect(await repo().transition(r.id, 'approved', 'consumed', NOW)).toBe(true);
        throw new Error('minting failed');
      }),
    ).rejects.toThrow('minting failed');
    expect(await repo().findByDeviceCodeHash(r.deviceCodeHash)).toMatchObject({
      status: 'approved',
      subject: 'alice',
    });
    await unitOfWork().run(() => repo().transition(r.id, 'approved', 'consumed', NOW));
    expect((await repo().findByDeviceCodeHash(r.deviceCodeHash))!.status).toBe('consumed');
  });
}
