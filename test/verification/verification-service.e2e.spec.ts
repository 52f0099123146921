import { afterEach, describe, expect, it } from 'vitest';
import {
  AttemptLimiter,
  InMemoryAttemptLimiter,
  TooManyAttemptsPageError,
  UserCodeDecisionError,
  VerificationService,
} from '../../libs/device-flow/src/index.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * `VerificationService` as a page of the integrator's own uses it: the guessing budgets of the built-in page,
 * including the per-user one (RFC 8628 §5.1).
 */
describe('VerificationService: the per-user budget for a page of your own', () => {
  let t: TestApp;
  afterEach(() => t?.close());

  const generous = { limit: 100, windowSeconds: 60 };
  const wrong = 'BCDF-GHJK';

  /** The built-in limiter (take and release), and a limiter of your own with only check and count. */
  const limiters: Array<[string, () => AttemptLimiter | undefined]> = [
    ['the default limiter', () => undefined],
    [
      'a limiter without take and release',
      () => {
        const counts = new InMemoryAttemptLimiter();
        return {
          retryAfterMs: (buckets, now) => counts.retryAfterMs(buckets, now),
          record: (buckets, now) => counts.record(buckets, now),
        };
      },
    ],
  ];

  it.each(limiters)(
    'counts a decision against the user it is made for, when the page did not name the guesser (%s)',
    async (_, limiter) => {
      const own = limiter();
      t = await createTestApp(
        {
          verification: {
            perIp: generous,
            perSession: generous,
            global: generous,
            perUser: { limit: 2, windowSeconds: 60 },
          },
        },
        own ? { providers: [{ provide: AttemptLimiter, useValue: own }] } : {},
      );
      const service = t.app.get(VerificationService);
      // Two addresses, two sessions, one user (the subject the decisions are for): two guesses, then refused.
      await expect(
        service.approve(wrong, 'carol', ['read'], { ip: '192.0.2.1', sessionId: 'a' }),
      ).rejects.toBeInstanceOf(UserCodeDecisionError);
      await expect(
        service.deny(wrong, 'carol', { ip: '192.0.2.2', sessionId: 'b' }),
      ).rejects.toBeInstanceOf(UserCodeDecisionError);
      await expect(
        service.approve(wrong, 'carol', ['read'], { ip: '192.0.2.3', sessionId: 'c' }),
      ).rejects.toBeInstanceOf(TooManyAttemptsPageError);
      // Another user goes on.
      await expect(
        service.approve(wrong, 'dave', ['read'], { ip: '192.0.2.3', sessionId: 'c' }),
      ).rejects.toBeInstanceOf(UserCodeDecisionError);
      // A lookup names no user unless the page says who: only the other budgets count it.
      await expect(
        service.findPending(wrong, { ip: '192.0.2.4', sessionId: 'd' }),
      ).rejects.toBeInstanceOf(UserCodeDecisionError);
      await expect(
        service.findPending(wrong, { ip: '192.0.2.4', sessionId: 'd', subject: 'carol' }),
      ).rejects.toBeInstanceOf(TooManyAttemptsPageError);
    },
  );
});
