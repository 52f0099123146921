import { describe, expect, it } from 'vitest';
import {
  type AttemptLimiter,
  InMemoryAttemptLimiter,
  ManualClock,
} from '../libs/device-flow/src/index.js';
import { LOGIN_LIMITS, LoginAttempts, type LoginTicket } from './login-attempts.js';

const alice = { username: 'alice', ip: '192.0.2.1' };
const { limit } = LOGIN_LIMITS.perUsername;

/** `n` sign-ins started at once, each failing; how many were let through to the password check. */
async function racingFailures(attempts: LoginAttempts, n: number): Promise<number> {
  const tickets = await Promise.all(Array.from({ length: n }, () => attempts.begin(alice)));
  const through = tickets.filter((t): t is LoginTicket => typeof t !== 'number');
  await Promise.all(through.map((t) => t.failed()));
  return through.length;
}

describe('LoginAttempts', () => {
  it('lets no more racing sign-ins through than the budget (reserved before the password check)', async () => {
    const attempts = new LoginAttempts(new InMemoryAttemptLimiter(), new ManualClock());
    expect(await racingFailures(attempts, 4 * limit)).toBe(limit);
    expect(await attempts.begin(alice)).toBeTypeOf('number');
  });

  it('gives a successful sign-in back: only failures spend the budget', async () => {
    const attempts = new LoginAttempts(new InMemoryAttemptLimiter(), new ManualClock());
    for (let i = 0; i < 3 * limit; i++) {
      const ticket = await attempts.begin(alice);
      if (typeof ticket === 'number') throw new Error('refused a sign-in within budget');
      await ticket.succeeded();
    }
    expect(await racingFailures(attempts, 2 * limit)).toBe(limit);
  });

  it('with a limiter that cannot take and release, checks before and counts after', async () => {
    const full = new InMemoryAttemptLimiter();
    const limiter: AttemptLimiter = {
      retryAfterMs: (b, now) => full.retryAfterMs(b, now),
      record: (b, now) => full.record(b, now),
    };
    const attempts = new LoginAttempts(limiter, new ManualClock());
    for (let i = 0; i < limit; i++) {
      const ticket = await attempts.begin(alice);
      if (typeof ticket === 'number') throw new Error('refused a sign-in within budget');
      await ticket.failed();
    }
    expect(await attempts.begin(alice)).toBe(LOGIN_LIMITS.perUsername.windowSeconds);
  });
});
