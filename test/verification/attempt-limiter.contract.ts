import { describe, expect, it } from 'vitest';
import {
  type AttemptBucket,
  type AttemptLimiter,
  releaseAttempt,
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

    /** How many of `n` takes at `now`, one after the other, are let through. */
    const takesThrough = async (
      l: AttemptLimiter,
      bucket: AttemptBucket,
      now: number,
      n: number,
    ) => {
      let through = 0;
      for (let i = 0; i < n; i++) if ((await takeAttempt(l, bucket, now)) === 0) through++;
      return through;
    };

    it('has release (every built-in limiter), and releaseAttempt is a no-op without it', async () => {
      const l = await make();
      expect(typeof l.release).toBe('function');
      // A limiter without release: releaseAttempt gives nothing back, and the bucket stays full.
      const bare: AttemptLimiter = {
        retryAfterMs: (buckets, now) => l.retryAfterMs(buckets, now),
        record: (buckets, now) => l.record(buckets, now),
      };
      for (let i = 0; i < 3; i++) await bare.record([b('bare')], t0);
      await releaseAttempt(bare, b('bare'), t0 + 1000);
      expect(await l.retryAfterMs([b('bare')], t0 + 1000)).toBe(59_000);
    });

    it('release gives back one taken event: one more take succeeds, then it is refused', async () => {
      const l = await make();
      expect(await takesThrough(l, b('r'), t0, 3)).toBe(3);
      expect(await takeAttempt(l, b('r'), t0 + 1000)).toBe(59_000);
      await releaseAttempt(l, b('r'), t0 + 2000);
      expect(await l.retryAfterMs([b('r')], t0 + 2000)).toBe(0);
      expect(await takeAttempt(l, b('r'), t0 + 3000)).toBe(0);
      // The window is where it was: the take went into it, it did not start a new one.
      expect(await takeAttempt(l, b('r'), t0 + 4000)).toBe(56_000);
      // Two releases give back two.
      await releaseAttempt(l, b('r'), t0 + 5000);
      await releaseAttempt(l, b('r'), t0 + 5000);
      expect(await takesThrough(l, b('r'), t0 + 6000, 3)).toBe(2);
      expect(await l.retryAfterMs([b('r')], t0 + 6000)).toBe(54_000);
    });

    it('release never takes a count below zero', async () => {
      const l = await make();
      // A bucket never counted: nothing to give back, and nothing is created.
      await releaseAttempt(l, b('z'), t0);
      await releaseAttempt(l, b('z'), t0);
      expect(await takesThrough(l, b('z'), t0 + 1000, 4)).toBe(3);
      expect(await l.retryAfterMs([b('z')], t0 + 1000)).toBe(60_000);
      // Down to zero in a window, then one more release: the limit still holds exactly.
      for (let i = 0; i < 5; i++) await releaseAttempt(l, b('z'), t0 + 2000);
      expect(await takesThrough(l, b('z'), t0 + 3000, 4)).toBe(3);
      // One release gives back exactly one, so the extra releases above were not banked.
      await releaseAttempt(l, b('z'), t0 + 4000);
      expect(await takesThrough(l, b('z'), t0 + 4000, 3)).toBe(1);
      // The window started at the first take and was kept through the releases.
      expect(await takeAttempt(l, b('z'), t0 + 5000)).toBe(56_000);
    });

    it('release after a window is over leaves it; in the next window it gives back one of that window', async () => {
      const l = await make();
      expect(await takesThrough(l, b('w'), t0, 3)).toBe(3);
      // Window 1 is over: the release changes nothing (no negative or leftover count, no new window).
      await releaseAttempt(l, b('w'), t0 + 60_000);
      expect(await l.retryAfterMs([b('w')], t0 + 60_000)).toBe(0);
      expect(await takesThrough(l, b('w'), t0 + 60_000, 4)).toBe(3);
      expect(await takeAttempt(l, b('w'), t0 + 61_000)).toBe(59_000);
      // Window 3 (starts at t0 + 120 000) with one take; a release at a time in window 3 works on window 3, even
      // if the caller reserved in an earlier window: the window open at `now` is the one given back to.
      expect(await takeAttempt(l, b('w'), t0 + 120_000)).toBe(0);
      await releaseAttempt(l, b('w'), t0 + 121_000);
      // It never lets a window exceed its limit: exactly 3 more, then refused until window 3 ends.
      expect(await takesThrough(l, b('w'), t0 + 122_000, 4)).toBe(3);
      expect(await takeAttempt(l, b('w'), t0 + 123_000)).toBe(57_000);
      // Once window 3 is over, a release at that time does nothing to the next window.
      await releaseAttempt(l, b('w'), t0 + 180_000);
      expect(await takesThrough(l, b('w'), t0 + 180_000, 4)).toBe(3);
    });

    it('racing takes and releases never let more than the limit through', async () => {
      const l = await make();
      const limit = 5;
      const bucket = b('race-release', limit);
      const takes = (n: number, now: number) =>
        Promise.all(Array.from({ length: n }, () => takeAttempt(l, bucket, now)));
      const through = (waits: number[]) => waits.filter((w) => w === 0).length;
      // 3 × limit racing takes: exactly the limit.
      expect(through(await takes(3 * limit, t0))).toBe(limit);
      // Releasing k (racing each other) lets exactly k more through, however many race for them.
      await Promise.all(Array.from({ length: 2 }, () => releaseAttempt(l, bucket, t0 + 1000)));
      expect(through(await takes(3 * limit, t0 + 2000))).toBe(2);
      expect(await l.retryAfterMs([bucket], t0 + 2000)).toBe(58_000);
      // Releases and takes interleaved in one race: takes get at most what was given back, and whatever they
      // did not get is still there afterwards — the releases are neither lost nor counted twice.
      const released = 3;
      const mixed = await Promise.all(
        Array.from({ length: 3 * limit + released }, (_, i) =>
          i % 6 === 1
            ? releaseAttempt(l, bucket, t0 + 3000).then(() => null)
            : takeAttempt(l, bucket, t0 + 3000),
        ),
      );
      const raced = mixed.filter((w) => w === 0).length;
      expect(mixed.filter((w) => w === null)).toHaveLength(released);
      expect(raced).toBeLessThanOrEqual(released);
      expect(through(await takes(3 * limit, t0 + 4000))).toBe(released - raced);
      expect(await l.retryAfterMs([bucket], t0 + 4000)).toBe(56_000);
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
