import { expect, it } from 'vitest';
import { ALL_CLIENTS, type KillSwitchRepository } from '../../libs/device-flow/src/index.js';

/**
 * The contract every {@link KillSwitchRepository} must meet. Call inside a `describe`, with a factory that
 * returns an empty repository.
 */
export function killSwitchRepositoryContract(make: () => Promise<KillSwitchRepository>): void {
  it('engages, updates, finds and releases switches', async () => {
    const repo = await make();
    expect(await repo.findAny(['tv', ALL_CLIENTS])).toBeNull();
    await repo.engage({ target: 'tv', disabledAt: 1, reason: null });
    await repo.engage({ target: 'tv', disabledAt: 2, reason: 'incident 42' });
    expect(await repo.findAny(['tv', ALL_CLIENTS])).toEqual({
      target: 'tv',
      disabledAt: 2,
      reason: 'incident 42',
    });
    expect(await repo.findAny(['other', ALL_CLIENTS])).toBeNull();
    await repo.engage({ target: ALL_CLIENTS, disabledAt: 3, reason: null });
    expect((await repo.findAny(['other', ALL_CLIENTS]))?.target).toBe(ALL_CLIENTS);
    expect((await repo.list()).map((r) => r.target).sort()).toEqual([ALL_CLIENTS, 'tv'].sort());
    expect(await repo.release('tv')).toBe(true);
    expect(await repo.release('tv')).toBe(false);
    expect(await repo.list()).toEqual([{ target: ALL_CLIENTS, disabledAt: 3, reason: null }]);
  });
}
