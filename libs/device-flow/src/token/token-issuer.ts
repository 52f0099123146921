/** What an access token says: the facts of its grant. Times are ms since the epoch. */
export interface AccessTokenClaims {
  clientId: string;
  subject: string;
  /** Space-delimited scope ('' for none). */
  scope: string;
  /** The grant family (device code id) the token belongs to. */
  grantId: string;
  issuedAt: number;
  expiresAt: number;
}

/**
 * A minted access token: the value handed to the client, and its `handle` — the value whose
 * `CodeHasher` hash is stored in the `TokenRepository`. For opaque tokens the handle is the token itself;
 * for JWTs it is the `jti`, so a JWT can be revoked like an opaque token.
 */
export interface MintedAccessToken {
  token: string;
  handle: string;
}

/**
 * Mints access tokens and maps a presented token back to its storage handle. The built-in issuers are
 * {@link OpaqueTokenIssuer} (default) and `JwtTokenIssuer` (RFC 9068), chosen by the `accessTokenFormat`
 * option; an integrator may provide their own through this token.
 *
 * The seam is deliberately narrow: the issuer only formats and checks tokens. Storing, revoking and
 * expiring them stays with `TokenService` and the `TokenRepository`, so every format is revocable.
 *
 * @see RFC 6749 §1.4 (access tokens), RFC 9068 (JWT profile)
 */
export interface TokenIssuer {
  /** Short name of the format (`opaque`, `jwt`), reported in events. */
  readonly format: string;
  /** Mints the access token of these claims. */
  mint(claims: AccessTokenClaims): Promise<MintedAccessToken>;
  /**
   * The storage handle of a presented access token, or null when the token is malformed or fails this
   * issuer's own checks (signature, issuer, audience, type, expiry). Never throws for bad input.
   */
  handleOf(token: string, now: number): Promise<string | null>;
}

/** Injection token for {@link TokenIssuer}. */
export const TokenIssuer = Symbol('TokenIssuer');
