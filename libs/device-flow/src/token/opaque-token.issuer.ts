import { randomCode } from '../codes/code-hasher.js';
import type { AccessTokenClaims, MintedAccessToken, TokenIssuer } from './token-issuer.js';

/** An opaque token: 43 base64url characters (256 random bits). */
const OPAQUE = /^[A-Za-z0-9_-]{43}$/;

/**
 * The default {@link TokenIssuer}: random opaque access tokens (256 bits), meaningful only to this server,
 * which stores just their hashes. Resource servers check them through the bearer guard or introspection.
 *
 * @see RFC 6749 §1.4, §10.10 (token entropy)
 */
export class OpaqueTokenIssuer implements TokenIssuer {
  readonly format = 'opaque';

  async mint(_claims: AccessTokenClaims): Promise<MintedAccessToken> {
    const token = randomCode();
    return { token, handle: token };
  }

  async handleOf(token: string): Promise<string | null> {
    return OPAQUE.test(token) ? token : null;
  }
}
