import type { DeviceFlowError } from './errors.js';
import type { OAuthErrorResponse, TokenResponse } from './types.js';

/**
 * How polling ended. Switch on `status`; TypeScript narrows the rest.
 *
 * @see RFC 8628 §3.5
 */
export type DeviceFlowResult =
  /** The user approved; the token response. */
  | { status: 'approved'; token: TokenResponse }
  /** The user denied (`access_denied`). */
  | { status: 'denied'; error: OAuthErrorResponse }
  /** The code expired: the server said `expired_token`, or `expires_in` passed (then no `error`). */
  | { status: 'expired'; error?: OAuthErrorResponse }
  /** The caller's `timeoutMs` passed first. */
  | { status: 'timeout' }
  /** The caller's `AbortSignal` fired. */
  | { status: 'aborted'; reason: unknown }
  /** Any other failure: an OAuth error such as `invalid_client`, a bad response, or retries exhausted. */
  | { status: 'error'; error: DeviceFlowError };

/** Progress while polling, for a UI. */
export type PollEvent =
  /** `authorization_pending`: the next poll follows after `intervalMs`. */
  | { type: 'pending'; intervalMs: number }
  /** `slow_down`: the interval grew by 5 s to `intervalMs`. */
  | { type: 'slow_down'; intervalMs: number }
  /** A transient failure; the same device code is polled again after `delayMs`. */
  | { type: 'retry'; reason: string; attempt: number; delayMs: number };
