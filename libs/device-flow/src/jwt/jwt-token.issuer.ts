import { randomCode } from '../codes/code-hasher.js';
import type { AccessTokenClaims, MintedAccessToken, TokenIssuer } from '../token/token-issuer.js';
import type { JsonWebKeySet, JwtKey } from './jwt-keys.js';
import { signCompact, verifyCompact } from './jws.js';

/** The media type of JWT access tokens. @see RFC 9068 §2.1 */
export const AT_JWT_TYPE = 'at+jwt';

/** An opaque token (43 base64url characters), still accepted after a switch from the opaque format. */
const OPAQUE = /^[A-Za-z0-9_-]{43}$/;

/**
 * The storage handle of a JWT: its `jti` in a namespace of its own, so a `jti` seen in a log can never be
 * replayed as an opaque token.
 */
export const jwtHandle = (jti: string): string => `jwt:${jti}`;

/**
 * A {@link TokenIssuer} of JWT access tokens per RFC 9068: header `typ: at+jwt` and `kid`; claims `iss`,
 * `sub`, `aud`, `client_id`, `scope`, `jti`, `iat`, `exp`. Signed with the first configured private key
 * (ES256, RS256 or EdDSA) using node:crypto; the public keys are served as a JWKS.
 *
 * The `jti` is the storage handle: its hash is stored like an opaque token's, so revoking the token, its
 * grant or the device makes the bearer guard and introspection reject the JWT at once. Resource servers that
 * verify JWTs offline against the JWKS see revocation only when the token expires (keep `accessTokenTtl` short).
 *
 * @see RFC 9068 §2, §4; RFC 7519
 */
export class JwtTokenIssuer implements TokenIssuer {
  readonly format = 'jwt';
  private readonly signer: JwtKey;

  constructor(
    private readonly issuer: string,
    private readonly audience: readonly string[],
    private readonly keys: readonly JwtKey[],
  ) {
    this.signer = keys.find((k) => k.privateKey)!;
  }

  /** The public keys, for the JWKS endpoint. @see RFC 7517 §5 */
  jwks(): JsonWebKeySet {
    return { keys: this.keys.map((k) => k.jwk) };
  }

  async mint(c: AccessTokenClaims): Promise<MintedAccessToken> {
    const jti = randomCode();
    const payload = {
      iss: this.issuer,
      sub: c.subject,
      aud: this.audience.length === 1 ? this.audience[0] : [...this.audience],
      client_id: c.clientId,
      ...(c.scope ? { scope: c.scope } : {}),
      jti,
      iat: Math.floor(c.issuedAt / 1000),
      exp: Math.floor(c.expiresAt / 1000),
    };
    return {
      token: signCompact({ typ: AT_JWT_TYPE }, payload, this.signer),
      handle: jwtHandle(jti),
    };
  }

  /**
   * Verifies signature, `typ`, `iss`, `aud` and `exp` (RFC 9068 §4); the `jti` is the handle. Opaque tokens
   * issued before a switch to JWTs keep working until they expire.
   */
  async handleOf(token: string, now: number): Promise<string | null> {
    if (OPAQUE.test(token)) return token;
    const jws = verifyCompact(token, this.keys);
    if (!jws) return null;
    const typ = typeof jws.header.typ === 'string' ? jws.header.typ.toLowerCase() : '';
    if (typ !== AT_JWT_TYPE && typ !== `application/${AT_JWT_TYPE}`) return null;
    const p = jws.payload;
    const aud = Array.isArray(p.aud) ? p.aud : [p.aud];
    if (p.iss !== this.issuer || !aud.some((a) => this.audience.includes(a as string))) return null;
    if (typeof p.exp !== 'number' || p.exp * 1000 <= now) return null;
    return typeof p.jti === 'string' && p.jti.length > 0 ? jwtHandle(p.jti) : null;
  }
}
