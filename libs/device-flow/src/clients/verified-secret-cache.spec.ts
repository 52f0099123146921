import { describe, expect, it } from 'vitest';
import { VerifiedSecretCache } from './verified-secret-cache.js';

describe('VerifiedSecretCache', () => {
  it('matches only the same secret against the same stored hash, within the TTL', () => {
    const cache = new VerifiedSecretCache(1000);
    cache.remember('hash-1', 'secret', 0);
    expect(cache.has('hash-1', 'secret', 999)).toBe(true);
    expect(cache.has('hash-1', 'secret ', 999)).toBe(false);
    expect(cache.has('hash-2', 'secret', 999)).toBe(false);
    // The two parts cannot run into each other.
    expect(cache.has('hash-1s', 'ecret', 999)).toBe(false);
    expect(cache.has('hash-1', 'secret', 1000)).toBe(false);
  });

  it('keeps at most its size, forgetting the oldest first; a TTL of 0 remembers nothing', () => {
    const cache = new VerifiedSecretCache(60_000, 3);
    for (const s of ['a', 'b', 'c', 'd']) cache.remember('h', s, 0);
    expect(['a', 'b', 'c', 'd'].map((s) => cache.has('h', s, 1))).toEqual([
      false,
      true,
      true,
      true,
    ]);
    const off = new VerifiedSecretCache(0);
    off.remember('h', 'a', 0);
    expect(off.has('h', 'a', 0)).toBe(false);
  });

  it('shares a running check among callers of one scope only; a success counts for every scope', async () => {
    const cache = new VerifiedSecretCache(60_000);
    let runs = 0;
    let finish!: () => void;
    const gate = new Promise<void>((r) => (finish = r));
    const check = async () => {
      runs++;
      await gate;
      return true;
    };
    const all = [
      cache.verify('h', 's', 0, check, 'ip:a'),
      cache.verify('h', 's', 0, check, 'ip:a'),
      cache.verify('h', 's', 0, check, 'ip:b'),
    ];
    finish();
    expect(await Promise.all(all)).toEqual([true, true, true]);
    expect(runs).toBe(2);
    expect(await cache.verify('h', 's', 1, check, 'ip:c')).toBe(true);
    expect(runs).toBe(2);
  });
});
