import { Inject, Injectable } from '@nestjs/common';
import {
  type AttemptBucket,
  AttemptLimiter,
  Clock,
  type RateLimit,
  rateLimitAddress,
  releaseAttempts,
  reserveAttempts,
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

/** A sign-in let through the limit: say how it went, so that only a failure stays counted. */
export interface LoginTicket {
  /** The password was right: the attempt is given back (successful sign-ins never spend the budget). */
  succeeded(): Promise<void>;
  /** The password was wrong: the attempt stays counted. */
  failed(): Promise<void>;
}

/**
 * Failed sign-ins on the demo login, counted through the module's {@link AttemptLimiter} — the configured
 * storage (the database, or Redis with `REDIS_URL`), so the budgets hold across instances. As the verification
 * page counts user code guesses: one attempt is reserved in both budgets before the password is checked (so
 * that sign-ins racing each other never get more guesses through than the budgets allow) and given back when
 * the password was right. A limiter that cannot take and release is checked before and counted after.
 *
 * @see RFC 8628 §5.1 (the same brute-force concern, for user codes)
 */
@Injectable()
export class LoginAttempts {
  constructor(
    @Inject(AttemptLimiter) private readonly limiter: AttemptLimiter,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** A ticket for one sign-in attempt, or the seconds until this username and IP may try again. */
  async begin(who: LoginAttempt): Promise<LoginTicket | number> {
    const all = buckets(who);
    const reservation = await reserveAttempts(this.limiter, all, this.clock.now());
    if (reservation && 'retryAfterMs' in reservation) return seconds(reservation.retryAfterMs);
    if (reservation) {
      return {
        succeeded: () => releaseAttempts(this.limiter, reservation.reserved, this.clock.now()),
        failed: async () => {},
      };
    }
    const wait = await this.limiter.retryAfterMs(all, this.clock.now());
    if (wait > 0) return seconds(wait);
    return {
      succeeded: async () => {},
      failed: () => this.limiter.record(all, this.clock.now()),
    };
  }
}

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

function buckets(who: LoginAttempt): AttemptBucket[] {
  return [
    bucket(`demo-login:user:${who.username}`, LOGIN_LIMITS.perUsername),
    bucket(`demo-login:ip:${rateLimitAddress(who.ip)}`, LOGIN_LIMITS.perIp),
  ];
}

function bucket(key: string, limit: RateLimit): AttemptBucket {
  return { key, limit: limit.limit, windowMs: limit.windowSeconds * 1000 };
}
