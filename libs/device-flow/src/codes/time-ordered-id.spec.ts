import { describe, expect, it } from 'vitest';
import { timeOrderedId } from './time-ordered-id.js';

describe('timeOrderedId (RFC 9562 UUIDv7)', () => {
  it('is a version 7, variant 10 UUID carrying the time in ms', () => {
    const now = Date.UTC(2026, 10, 27, 10, 0, 0, 123);
    const id = timeOrderedId(now);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(now);
  });

  it('sorts by time, and ids of the same ms still differ', () => {
    const ids = [1, 2, 1000, 2 ** 40].map((t) => timeOrderedId(1_700_000_000_000 + t));
    expect([...ids].sort()).toEqual(ids);
    const same = new Set(Array.from({ length: 1000 }, () => timeOrderedId(1_700_000_000_000)));
    expect(same.size).toBe(1000);
  });
});
