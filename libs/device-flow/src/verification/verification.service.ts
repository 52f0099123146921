import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../clock/clock.js';
import { CachingClientRepository } from '../clients/caching-client.repository.js';
import type { ClientRecord, ClientRepository } from '../clients/client.repository.js';
import { formatUserCode, normalizeUserCode } from '../codes/user-code.format.js';
import { DEVICE_FLOW_OPTIONS } from '../device-flow.constants.js';
import type { ResolvedDeviceFlowOptions } from '../device-flow.options.js';
import { DeviceGrantService } from '../grant/device-grant.service.js';
import { parseScope } from '../grant/scope.js';
import { UserCodeDecisionError } from '../grant/user-code-decision.error.js';
import { DeviceFlowEvents } from '../events/device-flow-events.js';
import type { DeviceCodeRecord } from '../persistence/device-code.repository.js';
import {
  type AttemptBucket,
  AttemptLimiter,
  releaseAttempts,
  reserveAttempts,
} from './attempt-limiter.js';
import { TooManyAttemptsPageError } from './verification.errors.js';
import type { RateLimit } from './verification.options.js';

/** Who is entering a code: guessing limits count per client IP and per session (plus globally). */
export interface Guesser {
  ip: string | null;
  sessionId: string;
}

/** A live request found by its user code, with what the consent page shows. */
export interface PendingRequest {
  record: DeviceCodeRecord;
  client: ClientRecord | null;
  /** The code in display form. */
  userCode: string;
  /** Requested scopes, in order. */
  scopes: string[];
}

/**
 * The verification page's decisions, behind the thin controller: guessing limits (RFC 8628 §5.1) around the
 * grant service's user code lookup, approve and deny.
 *
 * Every lookup of a code that is not live (unknown, malformed, expired, decided) counts as a failure against
 * the client IP, the session and the global budget; once any budget is spent, entries are refused before
 * any lookup — valid codes included — until the window ends.
 */
@Injectable()
export class VerificationService {
  constructor(
    @Inject(DEVICE_FLOW_OPTIONS) private readonly options: ResolvedDeviceFlowOptions,
    @Inject(DeviceGrantService) private readonly grants: DeviceGrantService,
    // Through the cache, as the endpoints: the consent page names the client on every code entered.
    @Inject(CachingClientRepository) private readonly clients: ClientRepository,
    @Inject(AttemptLimiter) private readonly limiter: AttemptLimiter,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(DeviceFlowEvents) private readonly events: DeviceFlowEvents,
  ) {}

  /** Seconds the guesser must wait before entering another code; 0 when within budget. */
  async retryAfterSeconds(who: Guesser): Promise<number> {
    const ms = await this.limiter.retryAfterMs(this.buckets(who), this.clock.now());
    return ms > 0 ? Math.ceil(ms / 1000) : 0;
  }

  /** The live request of a user code; a failed lookup is counted and rethrown. */
  async findPending(userCode: string, who: Guesser): Promise<PendingRequest> {
    const record = await this.counted(who, () => this.grants.findPending(userCode));
    const client = await this.clients.findById(record.clientId);
    return {
      record,
      client,
      userCode: this.display(userCode) ?? '',
      scopes: parseScope(record.scope || undefined),
    };
  }

  /** Approves with the scopes the user kept (a subset of those requested). */
  async approve(userCode: string, subject: string, scopes: string[], who: Guesser): Promise<void> {
    await this.counted(who, () => this.grants.approve(userCode, subject, scopes));
  }

  /** Denies; the device's next poll gets `access_denied`. */
  async deny(userCode: string, subject: string, who: Guesser): Promise<void> {
    await this.counted(who, () => this.grants.deny(userCode, subject));
  }

  /** The normalised code in display form, or null when it is not a well-formed code. */
  display(userCode: string | undefined): string | null {
    if (userCode === undefined) return null;
    const code = normalizeUserCode(userCode, this.options.userCode);
    return code === null ? null : formatUserCode(code, this.options.userCode);
  }

  /**
   * Runs a code lookup or decision under the guesser's budgets. With a limiter that can take and release, one
   * attempt is first reserved in every budget, atomically, so that entries racing each other (many requests in
   * flight at once) can never get more lookups through than the budgets allow; the reservation is given back
   * unless the entry failed. A limiter without them is checked before (by the page) and counted after a
   * failure, which racing entries can overshoot by the number in flight.
   */
  private async counted<T>(who: Guesser, action: () => Promise<T>): Promise<T> {
    const reservation = await reserveAttempts(this.limiter, this.buckets(who), this.clock.now());
    if (reservation && 'retryAfterMs' in reservation) {
      throw new TooManyAttemptsPageError(Math.ceil(reservation.retryAfterMs / 1000));
    }
    const reserved = reservation?.reserved;
    let result: T;
    try {
      result = await action();
    } catch (e) {
      if (e instanceof UserCodeDecisionError && e.problem !== 'scope_not_requested') {
        if (reserved) await this.announceSpent(reserved, this.clock.now());
        else await this.recordFailure(who);
      } else if (reserved) await releaseAttempts(this.limiter, reserved, this.clock.now());
      throw e;
    }
    if (reserved) await releaseAttempts(this.limiter, reserved, this.clock.now());
    return result;
  }

  /** Counts a failed entry (limiters without take and release), then {@link announceSpent}. */
  private async recordFailure(who: Guesser): Promise<void> {
    const now = this.clock.now();
    const buckets = this.buckets(who);
    await this.limiter.record(buckets, now);
    await this.announceSpent(buckets, now);
  }

  /**
   * After a counted failure, raises `user_code.guessing_limit_hit` for each budget it spent (later entries are
   * refused before any lookup, so they are never counted again in that window).
   */
  private async announceSpent(buckets: readonly AttemptBucket[], now: number): Promise<void> {
    for (const b of buckets) {
      if ((await this.limiter.retryAfterMs([b], now)) > 0) {
        this.events.emit({
          type: 'user_code.guessing_limit_hit',
          at: now,
          clientId: '',
          source: sourceOf(b.key),
          attempts: b.limit,
        });
      }
    }
  }

  private buckets(who: Guesser): AttemptBucket[] {
    const v = this.options.verification;
    return [
      bucket(`verify:ip:${who.ip ?? 'unknown'}`, v.perIp),
      bucket(`verify:session:${who.sessionId}`, v.perSession),
      bucket('verify:global', v.global),
    ];
  }
}

/** An {@link AttemptBucket} from a {@link RateLimit}. */
export function bucket(key: string, limit: RateLimit): AttemptBucket {
  return { key, limit: limit.limit, windowMs: limit.windowSeconds * 1000 };
}

/** What an event says was limited: `ip:ADDRESS`, `session` or `global` (the session id stays out of the log). */
function sourceOf(key: string): string {
  if (key.startsWith('verify:ip:')) return key.slice('verify:'.length);
  return key.startsWith('verify:session:') ? 'session' : 'global';
}
