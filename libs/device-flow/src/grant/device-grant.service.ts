import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { WorkInFlight } from '../persistence/work-in-flight.js';
import { Clock } from '../clock/clock.js';
import type { ClientRecord } from '../clients/client.repository.js';
import { CodeHasher } from '../codes/code-hasher.js';
import { deviceCodeKey } from '../codes/device-code.js';
import { normalizeUserCode } from '../codes/user-code.format.js';
import { DEVICE_FLOW_OPTIONS } from '../device-flow.constants.js';
import type { ResolvedDeviceFlowOptions } from '../device-flow.options.js';
import {
  AccessDeniedError,
  AuthorizationPendingError,
  ExpiredTokenError,
  InvalidGrantError,
  SlowDownError,
  UnauthorizedClientError,
} from '../errors/oauth.errors.js';
import { isDeadlock } from '../errors/oauth-exception.filter.js';
import { DeviceFlowEvents } from '../events/device-flow-events.js';
import { DeviceGrantKillSwitch, killSwitchVerdict } from '../management/kill-switch.js';
import {
  type DeviceCodeRecord,
  DeviceCodeRepository,
} from '../persistence/device-code.repository.js';
import type { KillSwitchState } from '../persistence/kill-switch.repository.js';
import {
  type DeviceGrantRecord,
  DeviceGrantRepository,
} from '../persistence/device-grant.repository.js';
import { TokenRepository } from '../persistence/token.repository.js';
import { UnitOfWork } from '../persistence/unit-of-work.js';
import type { TokenResponse } from '../token/token-response.js';
import { TokenService } from '../token/token.service.js';
import { formatScope, parseScope } from './scope.js';
import { UserCodeDecisionError } from './user-code-decision.error.js';

/**
 * Builds an error without capturing a stack trace. `authorization_pending` and `slow_down` are the normal
 * answers to nearly every poll, not failures: nobody reads their stack, and capturing it is a measurable share
 * of the poll's cost.
 */
function withoutStack<T>(make: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Rolls back {@link DeviceGrantService}'s wait for a running redemption (its insert was only a wait). */
class WaitedForRedemption extends Error {
  constructor() {
    super('waited for a running redemption');
  }
}

/** Ends a redemption's unit of work (rolling it back) when another request claimed the code first. */
class RedeemedElsewhere extends Error {
  constructor() {
    super('device code claimed by another request');
  }
}

/** Seconds added to a code's polling interval on each slow_down. @see RFC 8628 §3.5 */
export const SLOW_DOWN_INCREMENT = 5;

/**
 * The device grant's state machine: pending → approved | denied → consumed, plus expiry.
 *
 * The device polls ({@link poll}); the user decides through the verification page ({@link approve},
 * {@link deny}). Each transition is one compare-and-set on the repository, so a code is redeemed exactly once
 * and a denied or used code can never be approved later.
 *
 * @see RFC 8628 §3.4, §3.5
 */
@Injectable()
export class DeviceGrantService {
  private readonly logger = new Logger('DeviceFlow');

  constructor(
    @Inject(DEVICE_FLOW_OPTIONS) private readonly options: ResolvedDeviceFlowOptions,
    @Inject(DeviceCodeRepository) private readonly codes: DeviceCodeRepository,
    @Inject(TokenService) private readonly tokens: TokenService,
    @Inject(CodeHasher) private readonly hasher: CodeHasher,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(DeviceGrantKillSwitch) private readonly killSwitch: DeviceGrantKillSwitch,
    @Inject(DeviceGrantRepository) private readonly deviceGrants: DeviceGrantRepository,
    @Inject(DeviceFlowEvents) private readonly events: DeviceFlowEvents,
    @Inject(TokenRepository) private readonly tokenRepository: TokenRepository,
    @Inject(UnitOfWork) private readonly unitOfWork: UnitOfWork,
    @Optional()
    @Inject(WorkInFlight)
    private readonly inFlight: WorkInFlight = new WorkInFlight(),
  ) {}

  /**
   * Answers a device access token request. Decision order (as Authlib's): unknown/used → kill switch →
   * expired → denied/approved → slow_down → pending. A code whose client is disabled by the kill switch
   * answers `unauthorized_client`, even when already approved; once the switch is released, a code issued
   * before the release answers `expired_token` for good (the switch ended that authorization session; the
   * device may start a new one).
   *
   * The common case — a live pending code of this client — is decided and recorded by one conditional update
   * ({@link DeviceCodeRepository.recordPendingPoll}), whose conditions are exactly the ones the earlier steps of
   * that order check; only when it does not apply is the code read to say which earlier step answers.
   *
   * @see RFC 8628 §3.5
   */
  async poll(client: ClientRecord, deviceCode: string): Promise<TokenResponse> {
    const now = this.clock.now();
    const hash = deviceCodeKey(this.hasher, deviceCode);
    const { pollToleranceMs } = this.options;
    // The kill switch through its short cache (as for the one-statement path): fresh before a redemption.
    const switches = await this.killSwitch.recentState(client.clientId);
    if (this.codes.recordPendingPoll && this.killSwitchAllowsFastPath(switches, now)) {
      const outcome = await this.codes.recordPendingPoll(
        hash,
        client.clientId,
        now,
        pollToleranceMs,
        SLOW_DOWN_INCREMENT,
      );
      if (outcome === 'authorization_pending') throw this.pending();
      if (outcome === 'slow_down') {
        // A too-early poll is the exception: one more read, to tell the device its new interval.
        throw this.slowDown((await this.codes.findByDeviceCodeHash(hash))?.interval);
      }
    }
    const record = await this.codes.findByDeviceCodeHash(hash);
    if (!record || record.clientId !== client.clientId)
      throw new InvalidGrantError('device code is invalid');
    // Counted too: its revocation must not have its stores closed under it at shutdown.
    if (record.status === 'consumed') return this.inFlight.run(() => this.replayed(record, now));
    this.refuseKilled(
      record.status === 'approved' ? await this.killSwitch.stateFor(client.clientId) : switches,
      record,
    );
    if (record.expiresAt <= now) {
      if (record.status !== 'denied') {
        this.events.emit({
          type: 'device_code.expired_unused',
          at: now,
          clientId: record.clientId,
          deviceCodeId: record.id,
          status: record.status,
        });
      }
      throw new ExpiredTokenError('device code expired');
    }
    if (record.status === 'denied') throw new AccessDeniedError('the user denied the request');
    // Counted while it runs: the stores the module opened stay open at shutdown until it has committed or undone.
    if (record.status === 'approved')
      return this.inFlight.run(() => this.redeem(record, client, now));
    // Still a live pending code: only when a custom repository's recordPendingPoll is narrower than the checks
    // above. Kept so the decision order holds whatever the repository.
    const respected = await this.codes.recordPoll(
      record.id,
      now,
      pollToleranceMs,
      SLOW_DOWN_INCREMENT,
    );
    throw respected ? this.pending() : this.slowDown(record.interval + SLOW_DOWN_INCREMENT);
  }

  /**
   * Whether a poll of this client may take the one-statement path, which cannot see a code's issue time: not
   * while a switch covering the client is engaged, nor while a code a released switch killed may still be
   * unexpired (for `expiresIn` after the release). Both are checked, in order, on the full path. Clients never
   * disabled always may.
   */
  private killSwitchAllowsFastPath(state: KillSwitchState, now: number): boolean {
    if (state.engaged) return false;
    return (
      state.lastReleasedAt === null || state.lastReleasedAt + this.options.expiresIn * 1000 <= now
    );
  }

  /**
   * Throws when the kill switch has this code: `unauthorized_client` while a switch covering its client is
   * engaged, `expired_token` once a switch engaged after the code was issued has been released (RFC 8628 §3.5:
   * the authorization session has concluded; the client may start a new one).
   */
  private refuseKilled(state: KillSwitchState, record: DeviceCodeRecord): void {
    const verdict = killSwitchVerdict(state, record.createdAt);
    if (verdict === 'disabled') {
      throw new UnauthorizedClientError(
        'the device authorization grant is disabled for this client',
      );
    }
    if (verdict === 'killed') {
      throw new ExpiredTokenError(
        'device code was revoked by an administrator (kill switch); start a new device authorization',
      );
    }
  }

  private pending(): AuthorizationPendingError {
    return withoutStack(
      () => new AuthorizationPendingError('the user has not yet approved the request'),
    );
  }

  private slowDown(interval: number | undefined): SlowDownError {
    return withoutStack(
      () =>
        new SlowDownError(
          interval === undefined
            ? `polling too fast; add ${SLOW_DOWN_INCREMENT} seconds to the interval between requests`
            : `polling too fast; wait ${interval} seconds between requests`,
        ),
    );
  }

  /**
   * The live request a user code belongs to, for the verification page; throws {@link UserCodeDecisionError}
   * when it is unknown, expired or already decided, or `client_disabled` when the kill switch has it (a switch
   * covering its client is engaged, or was engaged after the code was issued and released since).
   */
  findPending(userCode: string): Promise<DeviceCodeRecord> {
    return this.lookUpPending(userCode, false);
  }

  /**
   * {@link findPending}, with the kill switch read from storage (`fresh`, before a decision) or through its
   * short cache (showing the page: the decision that follows checks again).
   */
  private async lookUpPending(userCode: string, fresh: boolean): Promise<DeviceCodeRecord> {
    const normalized = normalizeUserCode(userCode, this.options.userCode);
    if (normalized === null) throw new UserCodeDecisionError('invalid');
    const record = await this.codes.findByUserCodeHash(this.hasher.hash(normalized));
    if (!record) throw new UserCodeDecisionError('invalid');
    if (record.status !== 'pending') throw new UserCodeDecisionError('already_decided');
    if (record.expiresAt <= this.clock.now()) throw new UserCodeDecisionError('expired');
    const state = fresh
      ? await this.killSwitch.stateFor(record.clientId)
      : await this.killSwitch.recentState(record.clientId);
    if (killSwitchVerdict(state, record.createdAt) !== 'live') {
      throw new UserCodeDecisionError('client_disabled');
    }
    return record;
  }

  /**
   * The user approves: `subject` identifies them; `scopes` may narrow (never widen) the requested scope, but
   * not to nothing: a request that asked for scopes is approved with at least one of them
   * ({@link UserCodeDecisionError} `no_scope`; deny it instead). Fails for a denied, consumed or expired code,
   * and for one the kill switch has (`client_disabled`).
   *
   * @see RFC 6749 §3.3, §5.1 (the token response names the scope when it differs from the request)
   */
  async approve(userCode: string, subject: string, scopes?: string[]): Promise<DeviceCodeRecord> {
    const record = await this.lookUpPending(userCode, true);
    const requested = parseScope(record.scope || undefined);
    const granted = scopes ?? requested;
    if (granted.some((s) => !requested.includes(s)))
      throw new UserCodeDecisionError('scope_not_requested');
    if (requested.length > 0 && granted.length === 0) throw new UserCodeDecisionError('no_scope');
    const grantedScope = formatScope(requested.filter((s) => granted.includes(s)));
    await this.decide(record, 'approved', { subject, grantedScope });
    this.events.emit({
      type: 'device_code.approved',
      at: this.clock.now(),
      clientId: record.clientId,
      deviceCodeId: record.id,
      subject,
      scope: grantedScope,
    });
    return { ...record, status: 'approved', subject, grantedScope };
  }

  /** The user denies; the device's next poll gets `access_denied`. Fails for a decided or expired code. */
  async deny(userCode: string, subject: string | null = null): Promise<DeviceCodeRecord> {
    const record = await this.lookUpPending(userCode, true);
    await this.decide(record, 'denied', { subject });
    this.events.emit({
      type: 'device_code.denied',
      at: this.clock.now(),
      clientId: record.clientId,
      deviceCodeId: record.id,
      subject,
    });
    return { ...record, status: 'denied', subject };
  }

  private async decide(
    record: DeviceCodeRecord,
    to: 'approved' | 'denied',
    changes: { subject: string | null; grantedScope?: string },
  ): Promise<void> {
    const now = this.clock.now();
    const applied = await this.codes.transition(record.id, 'pending', to, now, {
      ...changes,
      decidedAt: now,
    });
    if (!applied) {
      throw new UserCodeDecisionError(record.expiresAt <= now ? 'expired' : 'already_decided');
    }
  }

  /**
   * Claims an approved code by one compare-and-set and mints tokens, as one unit of work: exactly one caller
   * wins the claim, and if minting fails the claim is rolled back, so the device's next poll can still succeed.
   */
  private async redeem(
    record: DeviceCodeRecord,
    client: ClientRecord,
    now: number,
  ): Promise<TokenResponse> {
    // A request that asked for scopes and was granted none (approved before approve() refused that, or by a
    // store that lost the granted scope): a token response could only leave `scope` out, which tells the client
    // it got everything it asked for (RFC 6749 §5.1). The user granted nothing: that is a denial.
    if (record.scope && !record.grantedScope) {
      throw new AccessDeniedError('the user granted none of the requested scopes');
    }
    const grant = {
      clientId: client.clientId,
      subject: record.subject ?? '',
      scope: record.grantedScope ?? '',
      grantId: record.id,
    };
    const refresh = this.tokens.refreshAllowed(client, record.scope, grant.scope);
    // One unit of work: the claim, the grant record and the minted tokens are stored together or not at all.
    // If minting fails the claim is rolled back (or undone, for stores without transactions), so the code is
    // not burned and the device's next poll can still succeed.
    const outcome = await this.unitOfWork
      .run(async () => {
        // Its grant exists only if an earlier redemption committed whose outcome was lost (a COMMIT that failed
        // on the wire after the database took it) and whose claim was then undone (device codes in a store
        // outside the transaction, e.g. Redis): redeemed once already, so a replay — never a second set of tokens.
        if (await this.deviceGrants.findById(record.id)) return { replayed: true as const };
        // The grant before the claim: on a server database its primary key, held until this unit of work ends,
        // makes a concurrent redemption of the code, and a replay's revocation (see awaitRedemption), wait for this
        // one's outcome — so whoever sees the claim (at once, for codes outside the transaction) and revokes
        // finds this redemption's tokens committed, never still invisible.
        await this.deviceGrants.create(
          // Not before the code expires: purged with the code at the earliest, so the check above outlives it.
          this.grantRecord(
            record,
            now,
            Math.max(now + this.tokens.lifetimeOf(client, refresh) * 1000, record.expiresAt),
            null,
          ),
        );
        // Another request redeemed it first: a second presentation of the code, answered after this unit of
        // work, which is rolled back (the grant just stored, if any, was not this request's to keep).
        if (!(await this.codes.transition(record.id, 'approved', 'consumed', now)))
          throw new RedeemedElsewhere();
        try {
          return { response: await this.tokens.issue(grant, client, grant.scope, refresh) };
        } catch (e) {
          // The grant was removed, or the client disabled, while its first tokens were minted: commit, so the
          // code stays used, and answer the error.
          if (e instanceof InvalidGrantError || e instanceof UnauthorizedClientError)
            return { refused: e };
          throw e;
        }
      })
      .catch((e: unknown) => {
        if (e instanceof RedeemedElsewhere) return { replayed: true as const };
        throw e;
      });
    if ('replayed' in outcome) return this.replayed(record, now);
    if ('refused' in outcome) throw outcome.refused;
    // Checked after the commit, so that a kill switch engaged from now on finds these tokens to revoke; engaged
    // (and maybe released) while they were minted, the code may not be redeemed after all and stays used.
    const state = await this.stateAfterCommit(client.clientId, record.id);
    if (state && killSwitchVerdict(state, record.createdAt) !== 'live') {
      await this.deviceGrants.revoke(record.id, now);
      await this.tokenRepository.revokeGrant(record.id, now);
      this.refuseKilled(state, record);
    }
    this.events.emit({
      type: 'token.issued',
      at: now,
      ...grant,
      grantType: 'device_code',
      format: this.tokens.accessTokenFormat,
      refreshTokenIssued: outcome.response.refresh_token !== undefined,
    });
    return outcome.response;
  }

  /** The grant a redemption of `record` stores (its device, user, scope and request), as of `now`. */
  private grantRecord(
    record: DeviceCodeRecord,
    now: number,
    expiresAt: number,
    revokedAt: number | null,
  ): DeviceGrantRecord {
    return {
      id: record.id,
      clientId: record.clientId,
      subject: record.subject ?? '',
      scope: record.grantedScope ?? '',
      requestedAt: record.createdAt,
      approvedAt: record.decidedAt,
      createdAt: now,
      lastUsedAt: now,
      expiresAt,
      requestIp: record.requestIp,
      requestUserAgent: record.requestUserAgent,
      revokedAt,
    };
  }

  /**
   * The kill switch's state for the check after a redemption's commit, or null when it cannot be read. Best
   * effort: the switch was read fresh before the claim, the tokens are stored and the code is spent, and an
   * error here would leave the device nothing to retry with (its next poll is a replay, and `invalid_grant`
   * ends its flow), so the tokens are handed out and the failure logged. What goes unchecked then is only a
   * switch engaged during the few milliseconds of the redemption itself.
   */
  private async stateAfterCommit(
    clientId: string,
    grantId: string,
  ): Promise<KillSwitchState | null> {
    try {
      return await this.killSwitch.stateFor(clientId);
    } catch (e) {
      this.logger.warn(
        `redemption of grant ${grantId}: could not re-check the kill switch after the commit: ${String(e)}`,
      );
      return null;
    }
  }

  /**
   * Waits until a redemption of this code still running has committed or rolled back. With device codes outside
   * the transaction (Redis) a replay sees the claim at once, while that redemption's grant and tokens are not yet
   * committed: revoking then would find nothing, and the tokens would outlive the replay's answer. Inserting the
   * grant's row waits on its primary key, which the redemption holds from before its claim (PostgreSQL, MySQL;
   * SQLite runs one unit of work at a time). The insert is always rolled back — a wait, never a row: a
   * redemption that failed leaves the code to the device's next poll. A deadlock among several waiters only means
   * the redemption has ended (rolled back), so it is taken as the end of the wait; any other error (a lock-wait or
   * statement timeout, a lost connection) means the wait did not happen, and is thrown (503: the device retries)
   * rather than revoking too early.
   */
  private async awaitRedemption(record: DeviceCodeRecord, now: number): Promise<void> {
    await this.unitOfWork
      .run(async () => {
        await this.deviceGrants.create(this.grantRecord(record, now, record.expiresAt, now));
        throw new WaitedForRedemption();
      })
      .catch((e: unknown) => {
        if (!(e instanceof WaitedForRedemption) && !isDeadlock(e)) throw e;
      });
  }

  /**
   * A device code came back after it was redeemed. Either the device asked twice or someone else holds a copy
   * of the code, and we cannot tell which; as for an authorization code presented twice, every token issued
   * for it is revoked. The device, which polls one request at a time, never presents a redeemed code unless its
   * answer was lost, and then it has no tokens to lose. A grant already revoked raises no event.
   *
   * @see RFC 6749 §4.1.2 and §10.5 (authorization codes; the device code plays their part, RFC 8628 §3.4)
   */
  private async replayed(record: DeviceCodeRecord, now: number): Promise<never> {
    await this.awaitRedemption(record, now);
    await this.deviceGrants.revoke(record.id, now);
    const revoked = await this.tokenRepository.revokeGrant(record.id, now);
    if (revoked > 0) {
      const base = { at: now, clientId: record.clientId, grantId: record.id };
      const subject = record.subject ?? '';
      this.events.emit({ ...base, type: 'device_code.reused', subject });
      this.events.emit({
        ...base,
        type: 'token.revoked',
        subject,
        what: 'grant',
        reason: 'device_code_reuse',
      });
    }
    throw new InvalidGrantError(
      'device code was already used; any tokens issued for it have been revoked',
    );
  }
}
