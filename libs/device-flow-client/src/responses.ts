import { DeviceFlowError } from './errors.js';
import type { HttpOutcome } from './http.js';
import type { DeviceFlowResult } from './result.js';
import type { DeviceAuthorization, OAuthErrorResponse, TokenResponse } from './types.js';

/**
 * Checking what the server sent, and turning failed exchanges into {@link DeviceFlowError}s.
 *
 * @see RFC 8628 §3.2 (authorization response), RFC 6749 §5.1 (token response), §5.2 (errors)
 */

/** The result for a 2xx token response: `approved`, or `invalid_response` when required members are missing. */
export function approved(body: unknown): DeviceFlowResult {
  const t = body as Partial<TokenResponse> | null;
  if (
    !t ||
    typeof t.access_token !== 'string' ||
    !t.access_token ||
    typeof t.token_type !== 'string'
  ) {
    return {
      status: 'error',
      error: new DeviceFlowError(
        'invalid_response',
        'token response lacks access_token or token_type',
      ),
    };
  }
  return { status: 'approved', token: t as TokenResponse };
}

/** Checks a §3.2 response; throws `invalid_response` when a required member is missing or malformed. */
export function parseAuthorization(body: unknown): DeviceAuthorization {
  const b = (body ?? {}) as Record<string, unknown>;
  const bad = (m: string): never => {
    throw new DeviceFlowError('invalid_response', `device authorization response: ${m}`);
  };
  if (typeof b.device_code !== 'string' || !b.device_code) bad('no device_code');
  if (typeof b.user_code !== 'string' || !b.user_code) bad('no user_code');
  if (typeof b.verification_uri !== 'string' || !isHttpUrl(b.verification_uri))
    bad('no verification_uri');
  if (b.verification_uri_complete !== undefined && !isHttpUrl(b.verification_uri_complete))
    bad('malformed verification_uri_complete');
  if (typeof b.expires_in !== 'number' || !(b.expires_in > 0)) bad('no positive expires_in');
  if (b.interval !== undefined && (typeof b.interval !== 'number' || !(b.interval > 0)))
    bad('malformed interval');
  return b as unknown as DeviceAuthorization;
}

function isHttpUrl(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  try {
    const u = new URL(v);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/** The error for an outcome that ends a request unsuccessfully. */
export function failure(outcome: HttpOutcome, what: string): DeviceFlowError {
  switch (outcome.type) {
    case 'oauth_error':
      return new DeviceFlowError('oauth', `${what}: ${describeOAuth(outcome.error)}`, {
        status: outcome.status,
        oauth: outcome.error,
      });
    case 'http_error':
      return new DeviceFlowError('http', `${what}: unexpected HTTP ${outcome.status}`, {
        status: outcome.status,
      });
    case 'retryable':
      return new DeviceFlowError(
        outcome.status === undefined ? 'network' : 'http',
        `${what}: gave up after retries: ${outcome.reason}`,
        { status: outcome.status, oauth: outcome.error, cause: outcome.cause },
      );
    case 'ok':
      return new DeviceFlowError('invalid_response', `${what}: unexpected response`);
  }
}

/** A short description of a failed exchange, e.g. `HTTP 404`. */
export function describeOutcome(outcome: HttpOutcome): string {
  if (outcome.type === 'retryable') return outcome.reason;
  if (outcome.type === 'oauth_error') return `HTTP ${outcome.status} ${outcome.error.error}`;
  if (outcome.type === 'http_error') return `HTTP ${outcome.status}`;
  return '';
}

export function describeOAuth(e: OAuthErrorResponse): string {
  return e.error_description ? `${e.error}: ${e.error_description}` : e.error;
}
