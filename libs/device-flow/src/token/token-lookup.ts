import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../clock/clock.js';
import { CodeHasher } from '../codes/code-hasher.js';
import { type TokenRecord, TokenRepository } from '../persistence/token.repository.js';
import { TokenIssuer } from './token-issuer.js';

/** A `token_type_hint` value. @see RFC 7009 §2.1, RFC 7662 §2.1 */
export type TokenTypeHint = 'access_token' | 'refresh_token';

/**
 * Finds the stored record of a presented token, whatever its format: an access token through the
 * {@link TokenIssuer} (which checks a JWT's signature and maps it to its `jti` handle), a refresh token by its
 * hash. Only live tokens are returned: not revoked (by the revocation endpoint, device removal, refresh reuse
 * or the kill switch) and not expired. The one lookup behind the bearer guard, introspection and revocation.
 */
@Injectable()
export class TokenLookup {
  constructor(
    @Inject(TokenRepository) private readonly tokens: TokenRepository,
    @Inject(TokenIssuer) private readonly issuer: TokenIssuer,
    @Inject(CodeHasher) private readonly hasher: CodeHasher,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** The live access token record, or null. */
  async activeAccessToken(token: string): Promise<TokenRecord | null> {
    const now = this.clock.now();
    const handle = await this.issuer.handleOf(token, now);
    if (handle === null) return null;
    return this.live(await this.tokens.findByHash(this.hasher.hash(handle)), 'access', now);
  }

  /** The live refresh token record, or null. */
  async activeRefreshToken(token: string): Promise<TokenRecord | null> {
    return this.live(await this.storedRefreshToken(token), 'refresh', this.clock.now());
  }

  /**
   * A refresh token that was spent (rotated, or revoked) but has not expired, or null: what a client that lost
   * track of a rotation — or whose token was stolen and rotated by someone else — still holds.
   */
  async spentRefreshToken(token: string): Promise<TokenRecord | null> {
    const record = await this.storedRefreshToken(token);
    return record?.kind === 'refresh' &&
      record.revokedAt !== null &&
      record.expiresAt > this.clock.now()
      ? record
      : null;
  }

  /** The stored record a refresh token would have (of any kind or state), or null; over-long ones are not. */
  private async storedRefreshToken(token: string): Promise<TokenRecord | null> {
    if (token.length > 2048) return null;
    return this.tokens.findByHash(this.hasher.hash(token));
  }

  /** The live token of either kind, trying the hinted kind first. */
  async activeToken(token: string, hint?: string): Promise<TokenRecord | null> {
    if (hint === 'refresh_token') {
      return (await this.activeRefreshToken(token)) ?? (await this.activeAccessToken(token));
    }
    return (await this.activeAccessToken(token)) ?? (await this.activeRefreshToken(token));
  }

  private live(
    record: TokenRecord | null,
    kind: TokenRecord['kind'],
    now: number,
  ): TokenRecord | null {
    if (!record || record.kind !== kind || record.revokedAt !== null || record.expiresAt <= now)
      return null;
    return record;
  }
}
