import { describe, expect, it } from 'vitest';
import {
  type AttemptBucket,
  type AttemptLimiter,
  takeAttempt,
} from '../../libs/device-flow/src/index.js';

/** The behaviour every {@link AttemptLimiter} must have. */
export function attemptLimiterContract(name: string, make: () => Promise<AttemptLimiter>): void {
  describe(`AttemptLimiter contract: ${name}`, () => {
    const t0 = Date.UTC(2026, 0, 1);
    const b = (key: string, limit = 3, windowMs = 60_000): AttemptBucket => ({
      key,
      limit,
      windowMs,
    });

    it('allows up to the limit, then says how long to wait', async () => {
      const l = await make();
      expect(await l.retryAfterMs([b('k')], t0)).toBe(0);
      await l.record([b('k')], t0);
      await l.record([b('k')], t0 + 1000);
      expect(await l.retryAfterMs([b('k')], t0 + 2000)).toBe(0);
      await l.record([b('k')], t0 + 2000);
      expect(await l.retryAfterMs([b('k')], t0 + 2000)).toBe(58_000);
      expect(await l.retryAfterMs([b('k')], t0 + 59_999)).toBe(1);
    });

    it('opens a new window once the old one is over', async () => {
      const l = await make();
      for (let i = 0; i < 3; i++) await l.record([b('k')], t0);
      expect(await l.retryAfterMs([b('k')], t0 + 60_000)).toBe(0);
      await l.record([b('k')], t0 + 60_000);
      expect(await l.retryAfterMs([b('k')], t0 + 60_000)).toBe(0);
      await l.record([b('k')], t0 + 60_001);
      await l.record([b('k')], t0 + 60_002);
      expect(await l.retryAfterMs([b('k')], t0 + 60_002)).toBe(59_998);
    });

    it('keeps keys apart and reports the longest wait of several buckets', async () => {
      const l = await make();
      for (let i = 0; i < 3; i++) await l.record([b('a'), b('g', 10, 600_000)], t0);
      expect(await l.retryAfterMs([b('other')], t0)).toBe(0);
      expect(await l.retryAfterMs([b('a'), b('other')], t0)).toBe(60_000);
      for (let i = 0; i < 7; i++) await l.record([b('g', 10, 600_000)], t0);
      expect(await l.retryAfterMs([b('a'), b('g', 10, 600_000)], t0 + 1000)).toBe(599_000);
    });

    it('counts concurrent records without losing any', async () => {
      const l = await make();
      await Promise.all(Array.from({ length: 10 }, () => l.record([b('c', 10)], t0)));
      expect(await l.retryAfterMs([b('c', 10)], t0)).toBe(60_000);
      expect(await l.retryAfterMs([b('c', 11)], t0)).toBe(0);
    });

    it('takes up to the limit, then refuses without counting until the window is over', async () => {
      const l = await make();
      expect(await takeAttempt(l, b('t'), t0)).toBe(0);
      expect(await takeAttempt(l, b('t'), t0 + 1000)).toBe(0);
      expect(await takeAttempt(l, b('t'), t0 + 2000)).toBe(0);
      expect(await takeAttempt(l, b('t'), t0 + 3000)).toBe(57_000);
      expect(await takeAttempt(l, b('t'), t0 + 59_000)).toBe(1000);
      // The refusals were not counted: the window still holds three events and ends where it did.
      expect(await l.retryAfterMs([b('t', 4)], t0 + 59_000)).toBe(0);
      expect(await takeAttempt(l, b('t'), t0 + 60_000)).toBe(0);
      expect(await takeAttempt(l, b('t', 2), t0 + 60_001)).toBe(0);
      expect(await takeAttempt(l, b('t', 2), t0 + 60_002)).toBe(59_998);
      expect(await takeAttempt(l, b('other'), t0 + 60_002)).toBe(0);
    });

    it('lets no more than the limit through when takes race (exactly the limit with take)', async () => {
      const l = await make();
      const waits = await Promise.all(
        Array.from({ length: 20 }, () => takeAttempt(l, b('race', 5), t0)),
      );
      const taken = waits.filter((w) => w === 0).length;
      // A limiter without take checks then counts: racing callers may all pass the check.
      if (l.take) expect(taken).toBe(5);
      else expect(taken).toBeGreaterThanOrEqual(5);
      // Every built-in limiter has take (the TypeORM one on every engine).
      expect(typeof l.take).toBe('function');
      expect(waits.filter((w) => w > 0).every((w) => w === 60_000)).toBe(true);
      expect(await l.retryAfterMs([b('race', 5)], t0)).toBe(60_000);
    });

    it('treats long and odd keys as distinct', async () => {
      const l = await make();
      const long = 'x'.repeat(1000);
      for (let i = 0; i < 3; i++) await l.record([b(long + 'a')], t0);
      expect(await l.retryAfterMs([b(long + 'a')], t0)).toBeGreaterThan(0);
      expect(await l.retryAfterMs([b(long + 'b')], t0)).toBe(0);
      expect(await l.retryAfterMs([b('ünïcødé\u0000')], t0)).toBe(0);
    });
  });
}
