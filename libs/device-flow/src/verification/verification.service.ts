import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../clock/clock.js';
import { CachingClientRepository } from '../clients/caching-client.repository.js';
import type { ClientRecord, ClientRepository } from '../clients/client.repository.js';
import { CodeHasher } from '../codes/code-hasher.js';
import { formatUserCode, normalizeUserCode } from '../codes/user-code.format.js';
import { DEVICE_FLOW_OPTIONS } from '../device-flow.constants.js';
import type { ResolvedDeviceFlowOptions } from '../device-flow.options.js';
import { DeviceGrantService } from '../grant/device-grant.service.js';
import { parseScope } from '../grant/scope.js';
import { rateLimitAddress } from '../http/request-origin.js';
import { UserCodeDecisionError } from '../grant/user-code-decision.error.js';
import { DeviceFlowEvents } from '../events/device-flow-events.js';
import { TokenService } from '../token/token.service.js';
import {
  type DeviceCodeRecord,
  DeviceCodeRepository,
} from '../persistence/device-code.repository.js';
import {
  type AttemptBucket,
  AttemptLimiter,
  releaseAttempts,
  reserveAttempts,
} from './attempt-limiter.js';
import { TooManyAttemptsPageError } from './verification.errors.js';
import type { RateLimit } from './verification.options.js';

/** Who is entering a code: guessing limits count per client IP, per session and per user (plus globally). */
export interface Guesser {
  ip: string | null;
  sessionId: string;
  /**
   * The signed-in user's id: counted in `verification.perUser`. Give it from a page of your own too; without it
   * lookups (`findPending`) are not counted per user, decisions (`approve`, `deny`) still are, against the user
   * they are made for.
   */
  subject?: string;
}

/**
 * A decision the same user already made on this code, repeated (a double click on Approve, Enter pressed twice):
 * not a guess and not a failure; the page shows the outcome of the first one again.
 */
export class RepeatedDecision extends Error {
  constructor(readonly decision: 'approved' | 'denied') {
    super(`user code already ${decision} by this user`);
    this.name = 'RepeatedDecision';
  }
}

/** What a decision is: its outcome and who makes it, to recognise it when it comes twice. */
interface Decision {
  decision: 'approved' | 'denied';
  subject: string;
}

/** A live request found by its user code, with what the consent page shows. */
export interface PendingRequest {
  record: DeviceCodeRecord;
  client: ClientRecord | null;
  /** The code in display form. */
  userCode: string;
  /** Requested scopes, in order. */
  scopes: string[];
  /**
   * The device will get a refresh token whatever the user ticks ({@link TokenService.refreshWithoutChoice}):
   * the consent page says it stays signed in.
   */
  staysSignedIn: boolean;
}

/**
 * The verification page's decisions, behind the thin controller: guessing limits (RFC 8628 §5.1) around the
 * grant service's user code lookup, approve and deny.
 *
 * Every lookup of a well-formed code that is not live (unknown, expired, decided) counts as a failure against
 * the client IP, the session, the signed-in user and the global budget; once any budget is spent, entries are
 * refused before any lookup — valid codes included — until the window ends. Not counted: input that is not a well-formed code
 * (empty, wrong length, characters outside the alphabet), which never reaches storage and so guesses nothing;
 * a code whose client the administrator blocked (kill switch); and a decision this same user already made on
 * this code, made again ({@link RepeatedDecision}).
 */
@Injectable()
export class VerificationService {
  constructor(
    @Inject(DEVICE_FLOW_OPTIONS) private readonly options: ResolvedDeviceFlowOptions,
    @Inject(DeviceGrantService) private readonly grants: DeviceGrantService,
    @Inject(DeviceCodeRepository) private readonly codes: DeviceCodeRepository,
    @Inject(CodeHasher) private readonly hasher: CodeHasher,
    // Through the cache, as the endpoints: the consent page names the client on every code entered.
    @Inject(CachingClientRepository) private readonly clients: ClientRepository,
    @Inject(AttemptLimiter) private readonly limiter: AttemptLimiter,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(DeviceFlowEvents) private readonly events: DeviceFlowEvents,
    @Inject(TokenService) private readonly tokens: TokenService,
  ) {}

  /**
   * Seconds the guesser must wait before entering another code, for the page to check ahead of an entry; 0 when
   * within budget. Only a limiter without take and release is checked ahead: with them, the entry's own
   * reservation ({@link counted}) checks every budget in the same step as it counts, and refuses a full one,
   * so reading the counters first as well would be a second read of the same rows on every entry.
   */
  async waitBeforeEntry(who: Guesser): Promise<number> {
    if (this.limiter.take && this.limiter.release) return 0;
    const ms = await this.limiter.retryAfterMs(this.buckets(who), this.clock.now());
    return ms > 0 ? Math.ceil(ms / 1000) : 0;
  }

  /**
   * The live request of a user code; a failed lookup is counted (see the class) and rethrown. With `repeat`
   * (looking the code up to decide on it), a code already decided that way by that user throws
   * {@link RepeatedDecision}, uncounted. `who: null`: a code the page found live before in this session
   * (entered, counted then), looked up again outside the budgets — as are {@link approve} and {@link deny}.
   */
  async findPending(
    userCode: string,
    who: Guesser | null,
    repeat?: Decision,
  ): Promise<PendingRequest> {
    const record = await this.counted(who, userCode, repeat, () =>
      this.grants.findPending(userCode),
    );
    return this.pendingRequest(record, userCode);
  }

  /**
   * The live request of a code the page stored in the session once it was found live (the consent page shown
   * again, by a redirect or a reload): nothing the user typed, so never counted nor refused by the budgets.
   */
  async findEntered(userCode: string): Promise<PendingRequest> {
    return this.pendingRequest(await this.grants.findPending(userCode), userCode);
  }

  /**
   * Approves with the scopes the user kept (a subset of those requested). The same user approving again a code
   * they approved gets {@link RepeatedDecision}.
   */
  async approve(
    userCode: string,
    subject: string,
    scopes: string[],
    who: Guesser | null,
  ): Promise<void> {
    await this.counted(asUser(who, subject), userCode, { decision: 'approved', subject }, () =>
      this.grants.approve(userCode, subject, scopes),
    );
  }

  /**
   * Denies; the device's next poll gets `access_denied`. The same user denying again a code they denied gets
   * {@link RepeatedDecision}.
   */
  async deny(userCode: string, subject: string, who: Guesser | null): Promise<void> {
    await this.counted(asUser(who, subject), userCode, { decision: 'denied', subject }, () =>
      this.grants.deny(userCode, subject),
    );
  }

  /** The normalised code, or null when it is not a well-formed code of the configured format. */
  normalize(userCode: string): string | null {
    return normalizeUserCode(userCode, this.options.userCode);
  }

  /** The normalised code in display form, or null when it is not a well-formed code. */
  display(userCode: string | undefined): string | null {
    if (userCode === undefined) return null;
    const code = normalizeUserCode(userCode, this.options.userCode);
    return code === null ? null : formatUserCode(code, this.options.userCode);
  }

  private async pendingRequest(
    record: DeviceCodeRecord,
    userCode: string,
  ): Promise<PendingRequest> {
    const client = await this.clients.findById(record.clientId);
    return {
      record,
      client,
      userCode: this.display(userCode) ?? '',
      scopes: parseScope(record.scope || undefined),
      staysSignedIn: client !== null && this.tokens.refreshWithoutChoice(client, record.scope),
    };
  }

  /**
   * Runs a code lookup or decision under the guesser's budgets. Input that is not a well-formed code is refused
   * first (`invalid`), uncounted: it never reaches storage. With a limiter that can take and release, one
   * attempt is then reserved in every budget, atomically, so that entries racing each other (many requests in
   * flight at once) can never get more lookups through than the budgets allow; the reservation is given back
   * unless the entry failed. A limiter without them is checked before (by the page) and counted after a
   * failure, which racing entries can overshoot by the number in flight.
   */
  private async counted<T>(
    who: Guesser | null,
    userCode: string,
    repeat: Decision | undefined,
    action: () => Promise<T>,
  ): Promise<T> {
    const normalized = this.normalize(userCode);
    if (normalized === null) throw new UserCodeDecisionError('invalid');
    if (who === null) {
      try {
        return await action();
      } catch (thrown) {
        throw await this.repeated(thrown, normalized, repeat);
      }
    }
    const reservation = await reserveAttempts(this.limiter, this.buckets(who), this.clock.now());
    if (reservation && 'retryAfterMs' in reservation) {
      throw new TooManyAttemptsPageError(Math.ceil(reservation.retryAfterMs / 1000));
    }
    if (reservation === null) {
      // A limiter without take and release: checked here too, not only by the page's waitBeforeEntry, since
      // a decision counts against the user it is made for even when the page's guesser named nobody.
      const wait = await this.limiter.retryAfterMs(this.buckets(who), this.clock.now());
      if (wait > 0) throw new TooManyAttemptsPageError(Math.ceil(wait / 1000));
    }
    const reserved = reservation?.reserved;
    let result: T;
    try {
      result = await action();
    } catch (thrown) {
      const e = await this.repeated(thrown, normalized, repeat);
      if (e instanceof UserCodeDecisionError && countsAsGuess(e)) {
        if (reserved) await this.announceSpent(reserved, this.clock.now(), who.subject);
        else await this.recordFailure(who);
      } else if (reserved) await releaseAttempts(this.limiter, reserved, this.clock.now());
      throw e;
    }
    if (reserved) await releaseAttempts(this.limiter, reserved, this.clock.now());
    return result;
  }

  /**
   * `already_decided` when the code was decided as `repeat` says, by the same user: {@link RepeatedDecision}.
   * Read from the stored request, the one the grant service looked up (a consumed code was approved: the device
   * has redeemed it since). Any other error as it is.
   */
  private async repeated(
    e: unknown,
    normalized: string,
    repeat: Decision | undefined,
  ): Promise<unknown> {
    if (!repeat || !(e instanceof UserCodeDecisionError) || e.problem !== 'already_decided')
      return e;
    const record = await this.codes.findByUserCodeHash(this.hasher.hash(normalized));
    if (!record || record.subject !== repeat.subject) return e;
    const outcome = record.status === 'consumed' ? 'approved' : record.status;
    return outcome === repeat.decision ? new RepeatedDecision(repeat.decision) : e;
  }

  /** Counts a failed entry (limiters without take and release), then {@link announceSpent}. */
  private async recordFailure(who: Guesser): Promise<void> {
    const now = this.clock.now();
    const buckets = this.buckets(who);
    await this.limiter.record(buckets, now);
    await this.announceSpent(buckets, now, who.subject);
  }

  /**
   * After a counted failure, raises `user_code.guessing_limit_hit` for each budget it spent (later entries are
   * refused before any lookup, so they are never counted again in that window). A user's budget names the user
   * (`subject`), as the other events do: it is there to find one abusive account.
   */
  private async announceSpent(
    buckets: readonly AttemptBucket[],
    now: number,
    subject: string | undefined,
  ): Promise<void> {
    for (const b of buckets) {
      if ((await this.limiter.retryAfterMs([b], now)) > 0) {
        const source = sourceOf(b.key);
        this.events.emit({
          type: 'user_code.guessing_limit_hit',
          at: now,
          clientId: '',
          source,
          attempts: b.limit,
          ...(source === 'user' && subject !== undefined ? { subject } : {}),
        });
      }
    }
  }

  private buckets(who: Guesser): AttemptBucket[] {
    const v = this.options.verification;
    const buckets = [
      bucket(`verify:ip:${rateLimitAddress(who.ip)}`, v.perIp),
      bucket(`verify:session:${who.sessionId}`, v.perSession),
    ];
    if (who.subject !== undefined) {
      // Hashed: a subject may be long, and the key stays short whatever it is.
      const user = createHash('sha256').update(who.subject).digest('base64url');
      buckets.push(bucket(`verify:user:${user}`, v.perUser));
    }
    buckets.push(bucket('verify:global', v.global));
    return buckets;
  }
}

/** The guesser of a decision, counted as the user it is made for when the page did not say who. */
function asUser(who: Guesser | null, subject: string): Guesser | null {
  return who === null || who.subject !== undefined ? who : { ...who, subject };
}

/**
 * Whether a failed lookup or decision counts against the guessing budgets: not when the scopes were wrong or
 * none was kept (the code was right), nor when the administrator blocked the code's client (the code was right;
 * the page says so).
 */
function countsAsGuess(e: UserCodeDecisionError): boolean {
  return (
    e.problem !== 'scope_not_requested' &&
    e.problem !== 'no_scope' &&
    e.problem !== 'client_disabled'
  );
}

/** An {@link AttemptBucket} from a {@link RateLimit}. */
export function bucket(key: string, limit: RateLimit): AttemptBucket {
  return { key, limit: limit.limit, windowMs: limit.windowSeconds * 1000 };
}

/**
 * What an event says was limited: `ip:ADDRESS`, `session`, `user` or `global`. The session id stays out of the
 * log; a user's budget is named by the event's `subject`.
 */
function sourceOf(key: string): string {
  if (key.startsWith('verify:ip:')) return key.slice('verify:'.length);
  if (key.startsWith('verify:session:')) return 'session';
  return key.startsWith('verify:user:') ? 'user' : 'global';
}
