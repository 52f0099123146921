import { HttpException } from '@nestjs/common';
import type { VerificationPage } from './verification.view.js';

/**
 * A problem on the verification page, answered with a page (never JSON): the page to show, its status and
 * extra headers. The OAuth error family ({@link OAuthError}) is for protocol endpoints only.
 *
 * @see RFC 8628 §3.3
 */
export class VerificationPageError extends Error {
  constructor(
    readonly status: number,
    readonly page: VerificationPage,
    readonly headers: Record<string, string> = {},
  ) {
    super(`verification page: ${page.kind} (${status})`);
    this.name = 'VerificationPageError';
  }
}

/** Too many failed user-code entries: 429 with `Retry-After`, even for a valid code. @see RFC 8628 §5.1 */
export class TooManyAttemptsPageError extends VerificationPageError {
  constructor(retryAfterSeconds: number) {
    super(
      429,
      { kind: 'locked', retryAfterSeconds },
      {
        'Retry-After': String(retryAfterSeconds),
      },
    );
    this.name = 'TooManyAttemptsPageError';
  }
}

/** A cross-site or malformed form submission: 403 (or 400) and nothing processed. */
export class RefusedPageError extends VerificationPageError {
  constructor(startOver: string, status = 403) {
    super(status, { kind: 'refused', startOver });
    this.name = 'RefusedPageError';
  }
}

/**
 * A verification page address asked with a method it does not serve (`PUT /device`, `GET /device/decision`):
 * `405` with `Allow`, shown as the "action not available" error page by {@link VerificationPageFilter}. HEAD is allowed
 * wherever GET is.
 *
 * @see RFC 9110 §15.5.6
 */
export class PageMethodNotAllowedError extends HttpException {
  constructor(readonly allow: readonly ('GET' | 'POST')[]) {
    super('method not allowed', 405);
    this.name = 'PageMethodNotAllowedError';
  }

  /** The `Allow` header's value. */
  get allowHeader(): string {
    return this.allow.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])).join(', ');
  }
}
