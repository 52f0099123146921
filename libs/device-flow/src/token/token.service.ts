import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../clock/clock.js';
import { type ClientRecord, REFRESH_TOKEN_GRANT_TYPE } from '../clients/client.repository.js';
import { CodeHasher, randomCode } from '../codes/code-hasher.js';
import { DEVICE_FLOW_OPTIONS } from '../device-flow.constants.js';
import type { ResolvedDeviceFlowOptions } from '../device-flow.options.js';
import { InvalidGrantError, InvalidScopeError } from '../errors/oauth.errors.js';
import { formatScope, parseScope } from '../grant/scope.js';
import { type TokenRecord, TokenRepository } from '../persistence/token.repository.js';
import type { TokenResponse } from './token-response.js';

/** What a grant authorises: who, for which client, with what scope, under which grant family. */
export interface GrantContext {
  clientId: string;
  subject: string;
  scope: string;
  grantId: string;
}

/**
 * Mints opaque access tokens (and refresh tokens for clients allowed the `refresh_token` grant), stored only as
 * hashes, and redeems refresh tokens with rotation.
 *
 * @see RFC 6749 §5.1, §6; RFC 9700 §4.14.2 (refresh token rotation and reuse detection)
 */
@Injectable()
export class TokenService {
  constructor(
    @Inject(DEVICE_FLOW_OPTIONS) private readonly options: ResolvedDeviceFlowOptions,
    @Inject(TokenRepository) private readonly tokens: TokenRepository,
    @Inject(CodeHasher) private readonly hasher: CodeHasher,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /**
   * Mints and stores the tokens of a grant. `refreshScope` is the scope of the new refresh token, which stays
   * that of the original grant when a refresh narrows the access token (RFC 6749 §6).
   */
  async issue(
    grant: GrantContext,
    client: ClientRecord,
    refreshScope = grant.scope,
  ): Promise<TokenResponse> {
    const minted = this.mint(grant, client, refreshScope);
    await this.tokens.save(minted.records);
    return minted.response;
  }

  /**
   * Redeems a refresh token with rotation (RFC 9700 §4.14.2): every refresh token works once, and a spent one
   * presented again is treated as stolen, so the whole grant is revoked.
   *
   * Order matters. The request is checked completely (client, expiry, scope) before anything is spent, so a
   * bad `scope` does not burn a good token. The new tokens are stored *before* the old one is spent by one
   * compare-and-set: a concurrent reuse then always finds them and revokes them with the grant, whereas
   * storing them afterwards would let the winner's tokens outlive a revocation that ran in between.
   */
  async refresh(
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
    const minted = this.mint(grant, client, record.scope);
    await this.tokens.save(minted.records);
    if (!(await this.tokens.revoke(record.id, now))) return this.reused(record, now);
    return minted.response;
  }

  /** A spent refresh token came back: revoke every token of its grant (RFC 9700 §4.14.2). */
  private async reused(record: TokenRecord, now: number): Promise<never> {
    await this.tokens.revokeGrant(record.grantId, now);
    throw new InvalidGrantError('refresh token was already used; the grant has been revoked');
  }

  /** New token values and their records; nothing is stored yet. */
  private mint(
    grant: GrantContext,
    client: ClientRecord,
    refreshScope: string,
  ): { records: TokenRecord[]; response: TokenResponse } {
    const now = this.clock.now();
    const accessToken = randomCode();
    const records: TokenRecord[] = [
      this.record(grant, 'access', accessToken, now, this.options.accessTokenTtl),
    ];
    let refreshToken: string | undefined;
    if (client.grantTypes.includes(REFRESH_TOKEN_GRANT_TYPE)) {
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
    const response: TokenResponse = {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: this.options.accessTokenTtl,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      ...(grant.scope ? { scope: grant.scope } : {}),
    };
    return { records, response };
  }

  private record(
    grant: GrantContext,
    kind: TokenRecord['kind'],
    token: string,
    now: number,
    ttl: number,
  ): TokenRecord {
    return {
      id: randomUUID(),
      tokenHash: this.hasher.hash(token),
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
