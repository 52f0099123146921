import { describe, expect, it } from 'vitest';
import { CodeHasher } from '../codes/code-hasher.js';
import { type AttemptKeyHasher, StoredAttemptKeys, storedAttemptKey } from './attempt-limiter.js';

/** The module's hasher, counting the hashes it computes. */
class CountingHasher implements AttemptKeyHasher {
  calls = 0;
  private readonly inner = new CodeHasher('a test secret');
  hash(value: string): string {
    this.calls++;
    return this.inner.hash(value);
  }
}

describe('StoredAttemptKeys', () => {
  it('gives the stored form storedAttemptKey gives, keyed or not', () => {
    const hasher = new CodeHasher('a test secret');
    for (const key of ['verify:global', 'verify:ip:203.0.113.7', 'verify:session:abc']) {
      expect(new StoredAttemptKeys(hasher).of(key)).toBe(storedAttemptKey(key, hasher));
      expect(new StoredAttemptKeys().of(key)).toBe(storedAttemptKey(key));
    }
    expect(new StoredAttemptKeys(hasher).of('verify:global')).not.toBe(
      storedAttemptKey('verify:global'),
    );
  });

  it('hashes each key once however often it is used', () => {
    const hasher = new CountingHasher();
    const keys = new StoredAttemptKeys(hasher);
    const first = ['verify:global', 'verify:ip:203.0.113.7', 'verify:session:abc'].map((k) =>
      keys.of(k),
    );
    for (let i = 0; i < 5; i++) {
      expect(
        ['verify:global', 'verify:ip:203.0.113.7', 'verify:session:abc'].map((k) => keys.of(k)),
      ).toEqual(first);
    }
    expect(hasher.calls).toBe(3);
    expect(new Set(first).size).toBe(3);
  });

  it('remembers a bounded number of keys and stays right past the bound', () => {
    const hasher = new CountingHasher();
    const keys = new StoredAttemptKeys(hasher);
    const reference = new CodeHasher('a test secret');
    for (let i = 0; i < 10_000; i++) {
      expect(keys.of(`verify:ip:10.0.${i >> 8}.${i & 255}`)).toBe(
        storedAttemptKey(`verify:ip:10.0.${i >> 8}.${i & 255}`, reference),
      );
    }
    expect(hasher.calls).toBe(10_000);
    // The first keys were let go when the memo started over: asked again, they are hashed again.
    keys.of('verify:ip:10.0.0.0');
    expect(hasher.calls).toBe(10_001);
  });
});
