import type { OAuthErrorResponse } from './types.js';

/** What went wrong, in terms a caller can act on. */
export type DeviceFlowErrorKind =
  /** The server answered with an OAuth error the client cannot recover from (e.g. `invalid_client`). */
  | 'oauth'
  /** The server answered with an HTTP status and body that are not a valid OAuth response. */
  | 'http'
  /** The server could not be reached, or the connection dropped, after every retry. */
  | 'network'
  /** A 2xx response whose body is not what the RFC requires. */
  | 'invalid_response'
  /** Metadata discovery failed or the metadata lacks a required endpoint. */
  | 'discovery';

/**
 * A failure of the device flow client. `oauth` carries the server's error body when there was one.
 *
 * @see RFC 6749 §5.2, RFC 8628 §3.5
 */
export class DeviceFlowError extends Error {
  constructor(
    readonly kind: DeviceFlowErrorKind,
    message: string,
    readonly details: { status?: number; oauth?: OAuthErrorResponse; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'DeviceFlowError';
  }

  /** The OAuth `error` code, when the server sent one. */
  get oauthError(): string | undefined {
    return this.details.oauth?.error;
  }

  /** A plain-object form for `--json` output and logs. */
  toJSON(): Record<string, unknown> {
    return {
      kind: this.kind,
      message: this.message,
      ...(this.details.status === undefined ? {} : { status: this.details.status }),
      ...(this.details.oauth ? { oauth: this.details.oauth } : {}),
    };
  }
}

/** True for the error a fetch or sleep raises when its signal aborts. */
export function isAbort(e: unknown, signal?: AbortSignal): boolean {
  return (
    (signal?.aborted === true && (e === signal.reason || isAbortName(e))) ||
    (signal === undefined && isAbortName(e))
  );
}

function isAbortName(e: unknown): boolean {
  return e instanceof Error && (e.name === 'AbortError' || e.name === 'TimeoutError');
}
