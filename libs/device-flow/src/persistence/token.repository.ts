/** Kind of an issued token. */
export type TokenKind = 'access' | 'refresh';

/**
 * An issued token as stored: only its hash. `grantId` ties together every token descending from one device
 * authorization, so a whole grant can be revoked at once (RFC 9700 §4.14.2).
 */
export interface TokenRecord {
  id: string;
  /** {@link CodeHasher} hash of the token value. */
  tokenHash: string;
  kind: TokenKind;
  clientId: string;
  subject: string;
  /** Space-delimited scope. */
  scope: string;
  grantId: string;
  expiresAt: number;
  createdAt: number;
  /** When the token was revoked or (refresh tokens) rotated; null while usable. */
  revokedAt: number | null;
}

/**
 * Storage of issued tokens.
 *
 * Replace it by providing this token.
 */
export interface TokenRepository {
  /** Stores new tokens. */
  save(records: TokenRecord[]): Promise<void>;
  /** The token with this hash, or null. */
  findByHash(hash: string): Promise<TokenRecord | null>;
  /** Revokes one token if it is not yet revoked; returns whether this call revoked it (compare-and-set). */
  revoke(id: string, now: number): Promise<boolean>;
  /** Revokes every live token of a grant; returns how many. */
  revokeGrant(grantId: string, now: number): Promise<number>;
  /** Deletes tokens that expired before `before` (ms). Returns how many. */
  deleteExpired(before: number): Promise<number>;
}

/** Injection token for {@link TokenRepository}. */
export const TokenRepository = Symbol('TokenRepository');
