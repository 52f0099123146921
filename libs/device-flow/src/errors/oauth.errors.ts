/**
 * `error_description` may only hold %x20-21 / %x23-5B / %x5D-7E (RFC 6749 §5.2): anything else (quotes,
 * backslashes, control or non-ASCII characters echoed from a request) becomes `?`, and it is kept short.
 */
function safeDescription(text: string): string {
  return text.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '?').slice(0, 300);
}

/**
 * OAuth 2.0 error responses as a class hierarchy. Each class carries the RFC error code, the HTTP status and an
 * optional human-readable description; {@link OAuthExceptionFilter} renders them as
 * `{"error","error_description"}` JSON.
 *
 * @see RFC 6749 §5.2 (token endpoint errors)
 * @see RFC 8628 §3.5 (device access token errors)
 */
export abstract class OAuthError extends Error {
  /** The `error` code placed in the response body. */
  abstract readonly error: string;
  /** HTTP status of the response. */
  readonly status: number = 400;
  /** Extra response headers (e.g. `WWW-Authenticate`, `Retry-After`, `Allow`). */
  readonly headers: Record<string, string> = {};

  /** Human-readable detail, limited to the characters RFC 6749 §5.2 allows in `error_description`. */
  readonly description?: string;

  constructor(description?: string) {
    super(description);
    this.name = new.target.name;
    this.description = description === undefined ? undefined : safeDescription(description);
  }

  /** The JSON body of the error response. */
  toJSON(): { error: string; error_description?: string } {
    return this.description === undefined
      ? { error: this.error }
      : { error: this.error, error_description: this.description };
  }
}

/** The request is missing a parameter, repeats one, or is otherwise malformed. @see RFC 6749 §5.2 */
export class InvalidRequestError extends OAuthError {
  readonly error = 'invalid_request';
}

/** An oversize request body: `invalid_request` with status 413. */
export class RequestTooLargeError extends InvalidRequestError {
  override readonly status = 413;
}

/**
 * A request the host app refused before the module's handler ran — a gateway's 401 or 403, a throttler's 429 —
 * answered as OAuth JSON with the host's status kept: `temporarily_unavailable` for 429 (the retryable code, as
 * the module's own limits answer), `invalid_request` otherwise. Headers the host set (`Retry-After`,
 * `WWW-Authenticate`) stay on the response.
 */
export class HostRefusalError extends OAuthError {
  readonly error: string;
  override readonly status: number;

  constructor(status: number) {
    super(status === 429 ? 'too many requests, retry later' : 'request refused by the server');
    this.status = status;
    this.error = status === 429 ? 'temporarily_unavailable' : 'invalid_request';
  }
}

/** A wrong HTTP method on an OAuth endpoint: `invalid_request` with status 405 and an `Allow` header. */
export class MethodNotAllowedError extends InvalidRequestError {
  override readonly status = 405;
  constructor(allow: string) {
    super(`method not allowed; use ${allow}`);
    // HEAD is served wherever GET is (RFC 9110 §9.3.2), so `Allow` lists it too (§10.2.1).
    this.headers.Allow = allow === 'GET' ? 'GET, HEAD' : allow;
  }
}

/**
 * Client authentication failed. 401 with `WWW-Authenticate: Basic`, whatever method the client tried: RFC 6749
 * §5.2 requires the challenge when the client used the `Authorization` header, and HTTP (RFC 9110 §15.5.2) on
 * every 401.
 */
export class InvalidClientError extends OAuthError {
  readonly error = 'invalid_client';
  override readonly status = 401;
  /**
   * @param _usedAuthorizationHeader Ignored (the challenge is always sent); kept so that existing callers
   *   compile.
   */
  constructor(description: string, _usedAuthorizationHeader?: boolean) {
    super(description);
    this.headers['WWW-Authenticate'] = 'Basic realm="device-flow"';
  }
}

/** The grant (device code, refresh token) is invalid, of another client, or already used. @see RFC 6749 §5.2 */
export class InvalidGrantError extends OAuthError {
  readonly error = 'invalid_grant';
}

/** The client may not use this grant type. @see RFC 6749 §5.2 */
export class UnauthorizedClientError extends OAuthError {
  readonly error = 'unauthorized_client';
}

/** The grant type is not supported by this server. @see RFC 6749 §5.2 */
export class UnsupportedGrantTypeError extends OAuthError {
  readonly error = 'unsupported_grant_type';
}

/** The requested scope is malformed or exceeds what the client may ask for. @see RFC 6749 §5.2 */
export class InvalidScopeError extends OAuthError {
  readonly error = 'invalid_scope';
}

/** The user has not yet approved or denied the request; keep polling. @see RFC 8628 §3.5 */
export class AuthorizationPendingError extends OAuthError {
  readonly error = 'authorization_pending';
}

/** The client polled faster than its interval; the interval has grown by 5 seconds. @see RFC 8628 §3.5 */
export class SlowDownError extends OAuthError {
  readonly error = 'slow_down';
}

/** The user denied the authorization request. Terminal. @see RFC 8628 §3.5 */
export class AccessDeniedError extends OAuthError {
  readonly error = 'access_denied';
}

/** The device code expired before it was approved. Terminal. @see RFC 8628 §3.5 */
export class ExpiredTokenError extends OAuthError {
  readonly error = 'expired_token';
}

/** An unexpected failure. Rendered without detail; the cause is logged server-side. @see RFC 6749 §4.1.2.1 */
export class ServerError extends OAuthError {
  readonly error = 'server_error';
  override readonly status: number = 500;
  constructor(description = 'the server could not complete the request') {
    super(description);
  }
}

/** A transient failure (e.g. the database is unreachable): retry later. 503 with `Retry-After`. */
export class TemporarilyUnavailableError extends OAuthError {
  readonly error = 'temporarily_unavailable';
  override readonly status = 503;
  constructor(description = 'the service is temporarily unavailable, retry later', retryAfter = 5) {
    super(description);
    this.headers['Retry-After'] = String(retryAfter);
  }
}

/**
 * Too many requests from this client and address (e.g. device codes minted in bulk). RFC 6749 has no error
 * code for rate limiting, so this is `temporarily_unavailable` — the retryable "try again later" code clients
 * already handle — with HTTP 429 and `Retry-After` (RFC 6585 §4). @see RFC 8628 §5.1, §5.4
 */
export class TooManyRequestsError extends OAuthError {
  readonly error = 'temporarily_unavailable';
  override readonly status = 429;
  constructor(retryAfterSeconds: number, description = 'too many requests, retry later') {
    super(description);
    this.headers['Retry-After'] = String(retryAfterSeconds);
  }
}
