import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock/clock.js';
import type {
  KillSwitchRecord,
  KillSwitchRepository,
  KillSwitchState,
} from '../persistence/kill-switch.repository.js';
import { DeviceGrantKillSwitch, KILL_SWITCH_CACHE_MS } from './kill-switch.js';

const OFF: KillSwitchState = { engaged: null, lastReleasedAt: null };
const ON: KillSwitchState = {
  engaged: { target: 'tv', disabledAt: 1, reason: 'incident' } satisfies KillSwitchRecord,
  lastReleasedAt: null,
};

/** A repository whose `findState` answers only when the test says so, counting the reads. */
class HeldRepository implements KillSwitchRepository {
  reads = 0;
  private readonly waiting: Array<{
    resolve: (s: KillSwitchState) => void;
    reject: (e: unknown) => void;
  }> = [];

  findState(): Promise<KillSwitchState> {
    this.reads++;
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }
  /** Answers the oldest read still waiting. */
  answer(state: KillSwitchState): void {
    this.waiting.shift()!.resolve(state);
  }
  /** Answers the newest read still waiting. */
  answerNewest(state: KillSwitchState): void {
    this.waiting.pop()!.resolve(state);
  }
  fail(error: Error): void {
    this.waiting.shift()!.reject(error);
  }
  engage(): Promise<void> {
    throw new Error('not used');
  }
  release(): Promise<boolean> {
    throw new Error('not used');
  }
  list(): Promise<KillSwitchRecord[]> {
    throw new Error('not used');
  }
}

function setUp() {
  const repository = new HeldRepository();
  const clock = new ManualClock();
  return { repository, clock, killSwitch: new DeviceGrantKillSwitch(repository, clock) };
}

describe('DeviceGrantKillSwitch.recentState', () => {
  it('reads storage once for every request that misses the cache while that read is in flight', async () => {
    const { repository, killSwitch } = setUp();
    const states = Array.from({ length: 50 }, () => killSwitch.recentState('tv'));
    expect(repository.reads).toBe(1);
    repository.answer(ON);
    expect(await Promise.all(states)).toEqual(Array(50).fill(ON));
    // And the answer is then reused without a read.
    expect(await killSwitch.recentState('tv')).toEqual(ON);
    expect(repository.reads).toBe(1);
  });

  it('reads again once the cached state is older than KILL_SWITCH_CACHE_MS, and per client', async () => {
    const { repository, clock, killSwitch } = setUp();
    const first = killSwitch.recentState('tv');
    repository.answer(OFF);
    await first;
    clock.advance(KILL_SWITCH_CACHE_MS - 1);
    expect(await killSwitch.recentState('tv')).toEqual(OFF);
    expect(repository.reads).toBe(1);
    const other = killSwitch.recentState('printer');
    expect(repository.reads).toBe(2);
    repository.answer(OFF);
    await other;
    clock.advance(1);
    const again = killSwitch.recentState('tv');
    expect(repository.reads).toBe(3);
    repository.answer(ON);
    expect(await again).toEqual(ON);
  });

  it('after forget(), neither shares nor caches a read that started before it', async () => {
    const { repository, killSwitch } = setUp();
    const before = killSwitch.recentState('tv');
    killSwitch.forget(); // this process engaged a switch meanwhile
    const after = killSwitch.recentState('tv');
    expect(repository.reads).toBe(2);
    repository.answerNewest(ON);
    expect(await after).toEqual(ON);
    repository.answer(OFF); // the read from before the switch was engaged ends last
    expect(await before).toEqual(OFF);
    // The cache holds the read from after forget(), not the stale one that finished after it.
    expect(await killSwitch.recentState('tv')).toEqual(ON);
    expect(repository.reads).toBe(2);
  });

  it('does not remember a failed read: every waiter gets the error and the next request reads again', async () => {
    const { repository, killSwitch } = setUp();
    const waiting = [killSwitch.recentState('tv'), killSwitch.recentState('tv')];
    repository.fail(new Error('database down'));
    for (const w of waiting) await expect(w).rejects.toThrow('database down');
    const retry = killSwitch.recentState('tv');
    expect(repository.reads).toBe(2);
    repository.answer(OFF);
    expect(await retry).toEqual(OFF);
  });
});
