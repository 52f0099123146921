import { HttpException } from '@nestjs/common';

/** An RFC 6750 error code, or null for a request that carried no credentials at all. */
export type BearerErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

const STATUS: Record<BearerErrorCode, number> = {
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
};

/**
 * A failed bearer token check on a host route. Its `challenge` goes in `WWW-Authenticate`; its body is
 * `{"error","error_description"}`. A request without any token gets a challenge with the realm only (RFC 6750
 * §3.1: no error code in the challenge when no credentials were sent) and the body `invalid_token` — the code
 * RFC 6750 pairs with 401 — so that every error body has an `error` member.
 *
 * @see RFC 6750 §3, §3.1
 */
export class BearerTokenError extends HttpException {
  /** The `WWW-Authenticate` header value. */
  readonly challenge: string;

  constructor(
    realm: string,
    readonly code: BearerErrorCode | null,
    description?: string,
    scope?: string,
  ) {
    const params = [`realm="${realm}"`];
    if (code) params.push(`error="${code}"`);
    if (code && description) params.push(`error_description="${description}"`);
    if (scope) params.push(`scope="${scope}"`);
    super(
      code
        ? { error: code, ...(description ? { error_description: description } : {}) }
        : { error: 'invalid_token', error_description: 'a bearer token is required' },
      code ? STATUS[code] : 401,
    );
    this.challenge = `Bearer ${params.join(', ')}`;
    this.name = 'BearerTokenError';
  }
}
