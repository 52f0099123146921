import { createHmac, randomBytes } from 'node:crypto';
import {
  constantTimeEqual,
  type HttpRequest,
  type HttpResponse,
  readCookie,
  setCookie,
} from '../libs/device-flow/src/index.js';

/** Why a sign-in did not happen, as the page after the redirect tells it. */
export type LoginFailure = 'wrong' | 'locked' | 'unavailable';

/** What a failed `POST /login` hands to the `GET /login` it redirects to, once. */
export interface LoginNotice {
  failure: LoginFailure;
  /** The username as typed (at most 256 characters), to fill the field in again. */
  username: string;
  /** For `locked` and `unavailable`: the seconds the browser was told to wait, counted from `at`. */
  retryAfterSeconds: number;
  /** When the notice was made (ms, wall clock). */
  at: number;
}

/** The notice's cookie. */
export const LOGIN_NOTICE_COOKIE = 'demo_login_notice';

/** How long a notice waits for its page: the redirect follows at once, so a minute is plenty. */
const NOTICE_TTL_MS = 60_000;

/**
 * The demo sign-in's POST-redirect-GET: a failed `POST /login` does not answer with the page itself (Back and
 * Reload would send the password again — and each resent wrong password would count against the guessing
 * budget until the account is locked); it puts what the page must say in a short-lived signed cookie, scoped to
 * the sign-in page's path, and redirects (303) to `GET /login`, which shows it once and drops it.
 *
 * The cookie is signed with a key derived from the module's `hashSecret` (every instance of one deployment
 * reads the others' notices; a random key per process without one), so nobody can make the sign-in page claim
 * a failure with a notice of their own making. It is a signed statement, not a secret and not bound to one
 * browser: "shown once" is the browser's doing (the page drops the cookie). Someone who fails a sign-in gets a
 * valid notice naming the username they typed, which only a site able to set cookies for this one (a sibling
 * subdomain tossing cookies) could plant in another browser — to show a "wrong password" message there.
 */
export class LoginNotices {
  private readonly key: Buffer;

  constructor(
    /** Path the cookie is sent to: the sign-in page's, with the issuer's path. */
    private readonly path: string,
    /** The module's `hashSecret`, from which the signing key is derived. */
    secret: string | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.key =
      secret === undefined
        ? randomBytes(32)
        : createHmac('sha256', secret).update('nest-device-flow demo login notice').digest();
  }

  /** Sets the notice for the next `GET /login` on this response. */
  put(req: HttpRequest, res: HttpResponse, notice: Omit<LoginNotice, 'at'>): void {
    const body = Buffer.from(JSON.stringify({ ...notice, at: this.now() })).toString('base64url');
    setCookie(req, res, LOGIN_NOTICE_COOKIE, `${body}.${this.sign(body)}`, {
      httpOnly: true,
      sameSite: 'Lax',
      path: this.path,
      maxAgeMs: NOTICE_TTL_MS,
    });
  }

  /**
   * The request's notice when it is there, signed with this deployment's key and fresh, and then drops it on
   * this response (shown once: a reload shows the plain form); undefined otherwise.
   */
  take(req: HttpRequest, res: HttpResponse): LoginNotice | undefined {
    const raw = readCookie(req, LOGIN_NOTICE_COOKIE);
    if (raw === undefined) return undefined;
    setCookie(req, res, LOGIN_NOTICE_COOKIE, '', {
      httpOnly: true,
      sameSite: 'Lax',
      path: this.path,
      maxAgeMs: 0,
    });
    const dot = raw.lastIndexOf('.');
    if (dot < 1 || !constantTimeEqual(raw.slice(dot + 1), this.sign(raw.slice(0, dot))))
      return undefined;
    try {
      const notice = JSON.parse(
        Buffer.from(raw.slice(0, dot), 'base64url').toString('utf8'),
      ) as LoginNotice;
      const age = this.now() - notice.at;
      return age >= 0 && age <= NOTICE_TTL_MS ? notice : undefined;
    } catch {
      return undefined;
    }
  }

  /** The seconds still to wait of a notice's `Retry-After`, at least 1. */
  remainingSeconds(notice: LoginNotice): number {
    const elapsed = Math.floor((this.now() - notice.at) / 1000);
    return Math.max(1, notice.retryAfterSeconds - elapsed);
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
