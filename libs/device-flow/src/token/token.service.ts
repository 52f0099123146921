import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { WorkInFlight } from '../persistence/work-in-flight.js';
import { Clock } from '../clock/clock.js';
import { allowsRefresh, type ClientRecord } from '../clients/client.repository.js';
import { CodeHasher, randomCode } from '../codes/code-hasher.js';
import { DEVICE_FLOW_OPTIONS } from '../device-flow.constants.js';
import type { ResolvedDeviceFlowOptions } from '../device-flow.options.js';
import { InvalidGrantError, InvalidScopeError } from '../errors/oauth.errors.js';
import { DeviceFlowEvents } from '../events/device-flow-events.js';
import { formatScope, parseScope } from '../grant/scope.js';
import { DeviceGrantRepository } from '../persistence/device-grant.repository.js';
import { type TokenRecord, TokenRepository } from '../persistence/token.repository.js';
import { UnitOfWork } from '../persistence/unit-of-work.js';
import { TokenIssuer } from './token-issuer.js';
import type { TokenResponse } from './token-response.js';
import { timeOrderedId } from '../codes/time-ordered-id.js';

/** Ends a refresh's unit of work (rolling it back) when another request spent the refresh token first. */
class RefreshTokenSpent extends Error {
  constructor() {
    super('refresh token spent by another request');
  }
}

/** What a grant authorises: who, for which client, with what scope, under which grant family. */
export interface GrantContext {
  clientId: string;
  subject: string;
  scope: string;
  grantId: string;
}

/**
 * Mints access tokens through the {@link TokenIssuer} (opaque or JWT) and refresh tokens for clients allowed
 * the `refresh_token` grant; stores every token only as a hash (a JWT by its `jti`), and redeems refresh
 * tokens with rotation.
 *
 * @see RFC 6749 §5.1, §6; RFC 9700 §4.14.2 (refresh token rotation and reuse detection)
 */
@Injectable()
export class TokenService {
  private readonly logger = new Logger('DeviceFlow');

  constructor(
    @Inject(DEVICE_FLOW_OPTIONS) private readonly options: ResolvedDeviceFlowOptions,
    @Inject(TokenRepository) private readonly tokens: TokenRepository,
    @Inject(CodeHasher) private readonly hasher: CodeHasher,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(TokenIssuer) private readonly issuer: TokenIssuer,
    @Inject(DeviceGrantRepository) private readonly grants: DeviceGrantRepository,
    @Inject(DeviceFlowEvents) private readonly events: DeviceFlowEvents,
    @Inject(UnitOfWork) private readonly unitOfWork: UnitOfWork,
    @Optional()
    @Inject(WorkInFlight)
    private readonly inFlight: WorkInFlight = new WorkInFlight(),
  ) {}

  /** Seconds until the tokens issued to this client expire: its refresh token's if it gets one. */
  lifetimeOf(client: ClientRecord, refresh = allowsRefresh(client)): number {
    return refresh ? this.options.refreshTokenTtl : this.options.accessTokenTtl;
  }

  /**
   * Whether a device code's grant gets a refresh token whatever the user ticks on the consent page: the client
   * is allowed the `refresh_token` grant and did not ask for the `offlineAccessScope` (which the page offers as
   * a choice). The consent page says so: the device will stay signed in. `requested`: the device code's scopes.
   */
  refreshWithoutChoice(client: ClientRecord, requested: string): boolean {
    const offline = this.options.offlineAccessScope;
    return (
      allowsRefresh(client) &&
      (offline === null || !parseScope(requested || undefined).includes(offline))
    );
  }

  /**
   * Whether the grant of a device code gets a refresh token: the client is allowed the `refresh_token` grant,
   * and the user did not decline offline access — the `offlineAccessScope` was requested and left unticked on
   * the consent page (`requested` and `granted` are the device code's scopes, as stored).
   */
  refreshAllowed(client: ClientRecord, requested: string, granted: string): boolean {
    if (!allowsRefresh(client)) return false;
    const offline = this.options.offlineAccessScope;
    const declined =
      offline !== null &&
      parseScope(requested || undefined).includes(offline) &&
      !parseScope(granted || undefined).includes(offline);
    return !declined;
  }

  /** Format of the access tokens this service mints (`opaque`, `jwt`, or a custom issuer's). */
  get accessTokenFormat(): string {
    return this.issuer.format;
  }

  /**
   * Mints and stores the tokens of a grant. `refreshScope` is the scope of the new refresh token, which stays
   * that of the original grant when a refresh narrows the access token (RFC 6749 §6); `refresh` whether there is
   * one (default: when the client is allowed the grant; see {@link refreshAllowed}).
   */
  async issue(
    grant: GrantContext,
    client: ClientRecord,
    refreshScope = grant.scope,
    refresh = allowsRefresh(client),
  ): Promise<TokenResponse> {
    const now = this.clock.now();
    const ttl = this.options.accessTokenTtl;
    const access = await this.issuer.mint({ ...grant, issuedAt: now, expiresAt: now + ttl * 1000 });
    const accessToken = access.token;
    const records: TokenRecord[] = [this.record(grant, 'access', access.handle, now, ttl)];
    let refreshToken: string | undefined;
    if (refresh) {
      refreshToken = randomCode();
      records.push(
        this.record(
          { ...grant, scope: refreshScope },
          'refresh',
          refreshToken,
          now,
          this.options.refreshTokenTtl,
        ),
      );
    }
    await this.tokens.save(records);
    // A grant revoked while these were being minted (device removed, refresh reuse) must not keep them:
    // revokers mark the grant before revoking its tokens, so either they see these tokens or we see the mark.
    const stored = await this.grants.findById(grant.grantId);
    if (stored && stored.revokedAt !== null) {
      await this.tokens.revokeGrant(grant.grantId, now);
      throw new InvalidGrantError('the grant has been revoked');
    }
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: this.options.accessTokenTtl,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      ...(grant.scope ? { scope: grant.scope } : {}),
    };
  }

  /**
   * Redeems a refresh token: rotates it (the old one is spent by one compare-and-set) and issues new tokens, as
   * one unit of work — if storing the new tokens fails, the old one is not spent, so the client's retry is not
   * taken for a reuse. A spent refresh token presented again is treated as stolen: the whole grant is revoked.
   */
  refresh(
    client: ClientRecord,
    refreshToken: string,
    scope: string | undefined,
  ): Promise<TokenResponse> {
    // Counted while it runs: the stores the module opened stay open at shutdown until it has committed.
    return this.inFlight.run(() => this.rotate(client, refreshToken, scope));
  }

  private async rotate(
    client: ClientRecord,
    refreshToken: string,
    scope: string | undefined,
  ): Promise<TokenResponse> {
    const now = this.clock.now();
    const record = await this.tokens.findByHash(this.hasher.hash(refreshToken));
    if (!record || record.kind !== 'refresh' || record.clientId !== client.clientId) {
      throw new InvalidGrantError('refresh token is invalid');
    }
    if (record.expiresAt <= now) throw new InvalidGrantError('refresh token expired');
    if (record.revokedAt !== null) return this.reused(record, now);
    // The request is checked completely before the token is spent, so a bad `scope` does not burn it.
    const granted = parseScope(record.scope || undefined);
    const requested = scope === undefined ? granted : parseScope(scope);
    if (requested.some((s) => !granted.includes(s))) {
      throw new InvalidScopeError('requested scope exceeds the original grant');
    }
    const grant = {
      clientId: client.clientId,
      subject: record.subject,
      scope: formatScope(requested),
      grantId: record.grantId,
    };
    const response = await this.unitOfWork
      .run(async () => {
        // The grant row first, then its tokens: the order every revoker takes them in (grant marked revoked,
        // then its tokens), so that on PostgreSQL and MySQL a revocation racing this refresh waits for it
        // instead of deadlocking with it. A grant revoked before that is answered without touching its tokens.
        await this.grants.recordUse(record.grantId, now, now + this.lifetimeOf(client) * 1000);
        // No grant row (a store that lost it): nothing to hold, so nothing to refresh either.
        const stored = await this.grants.findById(record.grantId);
        if (!stored || stored.revokedAt !== null)
          throw new InvalidGrantError('the grant has been revoked');
        // Another request spent it first: a reuse, answered once this unit of work is rolled back.
        if (!(await this.tokens.revoke(record.id, now))) throw new RefreshTokenSpent();
        return this.issue(grant, client, record.scope);
      })
      .catch((e: unknown) => {
        if (e instanceof RefreshTokenSpent) return this.reused(record, now);
        throw e;
      });
    await this.checkNotRevokedAfterCommit(grant.grantId, now);
    this.events.emit({
      type: 'token.issued',
      at: now,
      clientId: client.clientId,
      grantId: record.grantId,
      subject: record.subject,
      scope: grant.scope,
      grantType: 'refresh_token',
      format: this.issuer.format,
      refreshTokenIssued: response.refresh_token !== undefined,
    });
    return response;
  }

  /**
   * A grant revoked (device removed, reuse elsewhere) while a refresh's unit of work ran may have had its tokens
   * revoked before the new ones were committed, out of that revocation's sight (PostgreSQL, MySQL): revokers mark
   * the grant first, so reading the mark after the commit closes the gap — revoke what was just stored and answer
   * `invalid_grant`. Best effort: when this read itself fails (storage away for a moment), the tokens are
   * already stored and the old refresh token spent, and withholding them would leave the client nothing to retry
   * with, so they are handed out and the failure logged.
   */
  private async checkNotRevokedAfterCommit(grantId: string, now: number): Promise<void> {
    let revoked: boolean;
    try {
      const stored = await this.grants.findById(grantId);
      revoked = stored !== null && stored.revokedAt !== null;
    } catch (e) {
      this.logger.warn(
        `refresh of grant ${grantId}: could not re-check the grant after the commit: ${String(e)}`,
      );
      return;
    }
    if (!revoked) return;
    await this.tokens.revokeGrant(grantId, now);
    throw new InvalidGrantError('the grant has been revoked');
  }

  /**
   * Revokes the grant of a reused refresh token and answers `invalid_grant`: "already used" when this request
   * found live tokens to kill (a reuse), "revoked" when every token of the grant was already dead (revoked at
   * the revocation endpoint, by the kill switch, a device removal or an earlier reuse).
   */
  private async reused(record: TokenRecord, now: number): Promise<never> {
    if (await this.revokeReusedGrant(record, now)) {
      throw new InvalidGrantError('refresh token was already used; the grant has been revoked');
    }
    throw new InvalidGrantError('refresh token has been revoked');
  }

  /**
   * A spent refresh token came back (to the token endpoint, or to the revocation endpoint): either the client or
   * an attacker holds a copy, and we cannot tell which, so every token of the grant dies and the device
   * disappears from the user's list. A grant already revoked (e.g. the device was removed) raises no reuse
   * event. Returns whether any live token was found (a reuse) rather than a grant already dead.
   *
   * @see RFC 9700 §4.14.2
   */
  async revokeReusedGrant(record: TokenRecord, now: number): Promise<boolean> {
    await this.grants.revoke(record.grantId, now);
    const revoked = await this.tokens.revokeGrant(record.grantId, now);
    if (revoked === 0) return false;
    const base = { at: now, clientId: record.clientId, grantId: record.grantId };
    this.events.emit({ ...base, type: 'refresh_token.reused', subject: record.subject });
    this.events.emit({
      ...base,
      type: 'token.revoked',
      subject: record.subject,
      what: 'grant',
      reason: 'refresh_reuse',
    });
    return true;
  }

  private record(
    grant: GrantContext,
    kind: TokenRecord['kind'],
    handle: string,
    now: number,
    ttl: number,
  ): TokenRecord {
    return {
      id: timeOrderedId(now),
      tokenHash: this.hasher.hash(handle),
      kind,
      clientId: grant.clientId,
      subject: grant.subject,
      scope: grant.scope,
      grantId: grant.grantId,
      expiresAt: now + ttl * 1000,
      createdAt: now,
      revokedAt: null,
    };
  }
}
