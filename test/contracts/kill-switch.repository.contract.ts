import { expect, it } from 'vitest';
import { ALL_CLIENTS, type KillSwitchRepository } from '../../libs/device-flow/src/index.js';

/**
 * The contract every {@link KillSwitchRepository} must meet. Call inside a `describe`, with a factory that
 * returns an empty repository.
 */
export function killSwitchRepositoryContract(make: () => Promise<KillSwitchRepository>): void {
  const none = { engaged: null, lastReleasedAt: null };

  it('engages, updates, finds and releases switches', async () => {
    const repo = await make();
    expect(await repo.findState(['tv', ALL_CLIENTS])).toEqual(none);
    await repo.engage({ target: 'tv', disabledAt: 1, reason: null });
    await repo.engage({ target: 'tv', disabledAt: 2, reason: 'incident 42' });
    expect(await repo.findState(['tv', ALL_CLIENTS])).toEqual({
      engaged: { target: 'tv', disabledAt: 2, reason: 'incident 42' },
      lastReleasedAt: null,
    });
    expect(await repo.findState(['other', ALL_CLIENTS])).toEqual(none);
    await repo.engage({ target: ALL_CLIENTS, disabledAt: 3, reason: null });
    expect((await repo.findState(['other', ALL_CLIENTS])).engaged?.target).toBe(ALL_CLIENTS);
    // A client's own switch comes first.
    expect((await repo.findState(['tv', ALL_CLIENTS])).engaged?.target).toBe('tv');
    expect((await repo.list()).map((r) => r.target).sort()).toEqual([ALL_CLIENTS, 'tv'].sort());
    expect(await repo.release('tv', 10)).toBe(true);
    expect(await repo.release('tv', 20)).toBe(false);
    expect(await repo.release('never-engaged', 20)).toBe(false);
    expect(await repo.list()).toEqual([{ target: ALL_CLIENTS, disabledAt: 3, reason: null }]);
  });

  it('remembers when a switch was released; engaging it again clears that until the next release', async () => {
    const repo = await make();
    await repo.engage({ target: 'tv', disabledAt: 1_000, reason: 'incident 42' });
    expect(await repo.release('tv', 2_000)).toBe(true);
    expect(await repo.findState(['tv', ALL_CLIENTS])).toEqual({
      engaged: null,
      lastReleasedAt: 2_000,
    });
    // Released twice: the first release time stays.
    expect(await repo.release('tv', 3_000)).toBe(false);
    expect((await repo.findState(['tv', ALL_CLIENTS])).lastReleasedAt).toBe(2_000);
    expect(await repo.findState(['other', ALL_CLIENTS])).toEqual(none);
    expect(await repo.list()).toEqual([]);

    await repo.engage({ target: 'tv', disabledAt: 4_000, reason: null });
    expect(await repo.findState(['tv', ALL_CLIENTS])).toEqual({
      engaged: { target: 'tv', disabledAt: 4_000, reason: null },
      lastReleasedAt: null,
    });
    expect(await repo.list()).toEqual([{ target: 'tv', disabledAt: 4_000, reason: null }]);
    expect(await repo.release('tv', 5_000)).toBe(true);
    expect((await repo.findState(['tv', ALL_CLIENTS])).lastReleasedAt).toBe(5_000);
  });

  it('gives the latest release among the targets, beside the engaged switch', async () => {
    const repo = await make();
    await repo.engage({ target: ALL_CLIENTS, disabledAt: 1_000, reason: null });
    await repo.release(ALL_CLIENTS, 9_000);
    await repo.engage({ target: 'tv', disabledAt: 2_000, reason: null });
    await repo.release('tv', 3_000);
    expect(await repo.findState(['tv', ALL_CLIENTS])).toEqual({
      engaged: null,
      lastReleasedAt: 9_000,
    });
    expect((await repo.findState(['other', ALL_CLIENTS])).lastReleasedAt).toBe(9_000);
    await repo.engage({ target: 'tv', disabledAt: 10_000, reason: 'again' });
    expect(await repo.findState(['tv', ALL_CLIENTS])).toEqual({
      engaged: { target: 'tv', disabledAt: 10_000, reason: 'again' },
      lastReleasedAt: 9_000,
    });
    expect(await repo.list()).toEqual([{ target: 'tv', disabledAt: 10_000, reason: 'again' }]);
  });
}
