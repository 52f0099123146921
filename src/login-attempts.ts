import { Inject, Injectable } from '@nestjs/common';
import {
  type AttemptBucket,
  AttemptLimiter,
  Clock,
  type RateLimit,
} from '../libs/device-flow/src/index.js';

/**
 * The demo login's guessing budgets (documented in the README): failed sign-ins per username, and a larger
 * budget per client IP, so that one address cannot try many usernames either. The windows are no longer than
 * the module's longest configured window (15 minutes by default), which the purge uses to drop old counters.
 */
export const LOGIN_LIMITS = {
  perUsername: { limit: 10, windowSeconds: 900 },
  perIp: { limit: 30, windowSeconds: 900 },
} as const satisfies Record<string, RateLimit>;

/** Who is signing in: the username typed and the client IP (`req.ip`, which honours `TRUST_PROXY`). */
export interface LoginAttempt {
  username: string;
  ip: string | null;
}

/**
 * Failed sign-ins on the demo login, counted through the module's {@link AttemptLimiter} — the configured
 * storage (the database, or Redis with `REDIS_URL`), so the budgets hold across instances. Used as the
 * verification page uses it for user codes: check before the credentials, count only a failure. A check and a
 * count are two steps, so concurrent guesses can overshoot a budget by the number in flight; the limiter has
 * no atomic "count only if it fails" (`takeAttempt` counts every attempt, successes included).
 *
 * @see RFC 8628 §5.1 (the same brute-force concern, for user codes)
 */
@Injectable()
export class LoginAttempts {
  constructor(
    @Inject(AttemptLimiter) private readonly limiter: AttemptLimiter,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** Seconds until this username and IP may try again; 0 when both are within budget. */
  async retryAfterSeconds(who: LoginAttempt): Promise<number> {
    const ms = await this.limiter.retryAfterMs(buckets(who), this.clock.now());
    return ms > 0 ? Math.ceil(ms / 1000) : 0;
  }

  /** Counts a failed sign-in against the username and the IP. */
  recordFailure(who: LoginAttempt): Promise<void> {
    return this.limiter.record(buckets(who), this.clock.now());
  }
}

function buckets(who: LoginAttempt): AttemptBucket[] {
  return [
    bucket(`demo-login:user:${who.username}`, LOGIN_LIMITS.perUsername),
    bucket(`demo-login:ip:${who.ip ?? 'unknown'}`, LOGIN_LIMITS.perIp),
  ];
}

function bucket(key: string, limit: RateLimit): AttemptBucket {
  return { key, limit: limit.limit, windowMs: limit.windowSeconds * 1000 };
}
