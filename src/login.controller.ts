import { Controller, Get, Inject, Post, Query, Req, Res } from '@nestjs/common';
import {
  clientIp,
  DEVICE_FLOW_OPTIONS,
  html,
  type HttpRequest,
  type HttpResponse,
  isCrossSiteRequest,
  isTransient,
  readCookie,
  type ResolvedDeviceFlowOptions,
  safeReturnTo,
  seeOther,
  sendHtml,
  setCookie,
  setPageSecurityHeaders,
} from '../libs/device-flow/src/index.js';
import { DEMO_HASH_SECRET } from './demo.config.js';
import { checkCredentials, DEMO_SESSION_COOKIE, DemoSessionStore } from './demo-users.js';
import { LoginAttempts } from './login-attempts.js';
import { type LoginFailure, LoginNotices } from './login-notice.js';

/** What the sign-in page tells the browser to wait while the store of the attempt counts is away. */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/**
 * The demo's minimal login: username + password form, an in-memory session regenerated at every login and ended
 * at sign-out (`POST /logout`), and a return to the verification page limited to same-origin relative paths (no
 * open redirect). Every answer to a same-site `POST /login` is a 303 (POST-redirect-GET): after a failure the
 * sign-in page is `GET /login` with a one-time notice ({@link LoginNotices}), so Back and Reload never send the
 * password again. Host apps plug
 * their real login in through `VerificationUserResolver`. Written against the module's `HttpRequest` /
 * `HttpResponse`, so it runs on Express and Fastify alike.
 */
@Controller()
export class LoginController {
  /** The module's options: links and redirects carry the issuer's path (`/auth/login`, `/auth/device`). */
  @Inject(DEVICE_FLOW_OPTIONS) private readonly options!: ResolvedDeviceFlowOptions;

  constructor(
    @Inject(DemoSessionStore) private readonly sessions: DemoSessionStore,
    @Inject(LoginAttempts) private readonly attempts: LoginAttempts,
  ) {}

  /** Made on first use: the issuer's path comes from the module's options, injected as a property. */
  private noticesOnce?: LoginNotices;

  private get notices(): LoginNotices {
    // The demo's default pepper is public: a key derived from it could be computed by anyone, so then a key of
    // this process's own (notices of another instance are not read: run several with a secret of your own).
    const secret =
      this.options.hashSecret === DEMO_HASH_SECRET ? undefined : this.options.hashSecret;
    return (this.noticesOnce ??= new LoginNotices(`${this.options.issuerPath}/login`, secret));
  }

  /**
   * The sign-in page; after a failed sign-in (a notice in its cookie, shown once) with the failure's status:
   * 401 and `WWW-Authenticate` for a wrong password, 429 or 503 with `Retry-After`.
   */
  @Get('login')
  form(
    @Query('return_to') returnTo: unknown,
    @Req() req: HttpRequest,
    @Res() res: HttpResponse,
  ): void {
    const to = this.returnTo(returnTo);
    const notice = this.notices.take(req, res);
    if (!notice) return this.page(res, 200, to);
    const { failure, username } = notice;
    if (failure === 'wrong') {
      // Every 401 names how to authenticate (RFC 9110 §15.5.2): with the form on this page. A scheme no
      // browser knows, so the page is shown, never a Basic dialog.
      res.header('WWW-Authenticate', 'Form realm="Device sign-in"');
      return this.page(res, 401, to, failure, 0, username);
    }
    const wait = this.notices.remainingSeconds(notice);
    res.header('Retry-After', String(wait));
    this.page(res, failure === 'locked' ? 429 : 503, to, failure, wait, username);
  }

  /**
   * Signs out: ends the session server-side and expires its cookie, then back to the sign-in page (with the
   * same `return_to` rules). POST only, refused cross-site (403), so another site cannot sign a user out.
   */
  @Post('logout')
  logout(@Req() req: HttpRequest, @Res() res: HttpResponse): void {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const returnTo = this.returnTo(body.return_to);
    const own = `${req.protocol ?? 'http'}://${req.headers.host ?? ''}`;
    if (isCrossSiteRequest(req, [own])) return this.page(res, 403, returnTo, 'refused');
    this.sessions.end(readCookie(req, DEMO_SESSION_COOKIE));
    setCookie(req, res, DEMO_SESSION_COOKIE, '', {
      httpOnly: true,
      sameSite: 'Lax',
      path: this.options.issuerPath || '/',
      maxAgeMs: 0,
    });
    setPageSecurityHeaders(res);
    seeOther(res, `${this.options.issuerPath}/login?return_to=${encodeURIComponent(returnTo)}`);
  }

  @Post('login')
  async login(@Req() req: HttpRequest, @Res() res: HttpResponse): Promise<void> {
    // The host's body parser ran (Express urlencoded, Fastify @fastify/formbody): a plain object either way.
    const body = (req.body ?? {}) as Record<string, unknown>;
    const returnTo = this.returnTo(body.return_to);
    const own = `${req.protocol ?? 'http'}://${req.headers.host ?? ''}`;
    if (isCrossSiteRequest(req, [own])) return this.page(res, 403, returnTo, 'refused');
    // Guessing limit (LoginAttempts): an attempt is taken before the password is checked, so a right one is
    // refused too while the budget is spent, and given back when it was right: only failures count.
    const who = { username: str(body.username), ip: clientIp(req) };
    let user: ReturnType<typeof checkCredentials>;
    try {
      const ticket = await this.attempts.begin(who);
      if (typeof ticket === 'number')
        return this.failed(req, res, returnTo, 'locked', who.username, ticket);
      user = checkCredentials(who.username, str(body.password));
      if (!user) {
        await ticket.failed();
        return this.failed(req, res, returnTo, 'wrong', who.username, 0);
      }
      await ticket.succeeded();
    } catch (error) {
      // The attempt counts live in the module's store: while it is away, a page asking to retry, not JSON.
      if (!isTransient(error)) throw error;
      return this.failed(
        req,
        res,
        returnTo,
        'unavailable',
        who.username,
        UNAVAILABLE_RETRY_AFTER_SECONDS,
      );
    }
    const previous = readCookie(req, DEMO_SESSION_COOKIE);
    const id = this.sessions.regenerate(previous, user);
    // Scoped to the issuer's path: other apps on the same origin never receive it.
    setCookie(req, res, DEMO_SESSION_COOKIE, id, {
      httpOnly: true,
      sameSite: 'Lax',
      path: this.options.issuerPath || '/',
    });
    setPageSecurityHeaders(res);
    seeOther(res, returnTo);
  }

  /** A failed sign-in: the notice for the page, and a 303 to it (POST-redirect-GET). */
  private failed(
    req: HttpRequest,
    res: HttpResponse,
    returnTo: string,
    failure: LoginFailure,
    username: string,
    retryAfterSeconds: number,
  ): void {
    this.notices.put(req, res, { failure, username, retryAfterSeconds });
    setPageSecurityHeaders(res);
    seeOther(res, `${this.options.issuerPath}/login?return_to=${encodeURIComponent(returnTo)}`);
  }

  private page(
    res: HttpResponse,
    status: number,
    returnTo: string,
    error?: 'wrong' | 'refused' | 'locked' | 'unavailable',
    retryAfterSeconds = 0,
    username = '',
  ): void {
    setPageSecurityHeaders(res);
    const minutes = Math.ceil(retryAfterSeconds / 60);
    const message =
      error === 'wrong'
        ? 'Wrong username or password.'
        : error === 'refused'
          ? 'This form came from another site and was not processed.'
          : error === 'locked'
            ? `Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`
            : error === 'unavailable'
              ? 'Signing in is unavailable for a moment. Please try again shortly.'
              : '';
    sendHtml(
      res,
      status,
      html`<!doctype html>
        <html lang="en">
          <head>
            <meta charset="utf-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1" />
            <title>${message ? 'Error: ' : ''}Sign in · Device sign-in</title>
            <link rel="stylesheet" href="${this.verificationPage()}/style.css" />
          </head>
          <body>
            <main class="card">
              <p class="product">Device sign-in</p>
              <h1>Sign in</h1>
              ${this.forDevice(returnTo) ? html`<p>Sign in to connect your device.</p>` : ''}
              <p class="hint">Demo users: alice / alice and bob / bob.</p>
              ${message ? html`<p id="login_error" class="error" role="alert">${message}</p>` : ''}
              <form method="post" action="${this.options.issuerPath}/login">
                <input type="hidden" name="return_to" value="${returnTo}" />
                <label for="username">Username</label>
                <input
                  id="username"
                  name="username"
                  class="field"
                  autocomplete="username"
                  autocapitalize="none"
                  autocorrect="off"
                  spellcheck="false"
                  value="${username}"
                  required${error === 'wrong' ? '' : html` autofocus`}${
                    message ? html` aria-describedby="login_error"` : ''
                  }${error === 'wrong' ? html` aria-invalid="true"` : ''}
                />
                <label for="password">Password</label>
                <input
                  id="password"
                  name="password"
                  class="field"
                  type="password"
                  autocomplete="current-password"
                  required${
                    error === 'wrong'
                      ? html` autofocus aria-describedby="login_error" aria-invalid="true"`
                      : ''
                  }
                />
                <button type="submit" class="primary">Sign in</button>
              </form>
            </main>
          </body>
        </html> `.value,
    );
  }

  /**
   * Where to go after login: `return_to` when it is a safe same-origin path (`safeReturnTo()`) under the
   * issuer's path (the demo's own pages; other apps on the origin are not its to send users to), else the
   * verification page.
   */
  private returnTo(value: unknown): string {
    const fallback = this.verificationPage();
    const path = safeReturnTo(value, fallback);
    const base = this.options.issuerPath;
    if (!base) return path;
    return isWithin(path, base) ? path : fallback;
  }

  /** Whether the sign-in leads back to the verification page (a device is waiting), as the page tells. */
  private forDevice(returnTo: string): boolean {
    return isWithin(returnTo, this.verificationPage());
  }

  /**
   * Where users go after login when no (safe) return path is given: the verification page, as the browser sees
   * it (with the issuer's path). `return_to` itself may be any same-origin path, so the page's own, with the
   * issuer's path, passes `safeReturnTo()`; other sites never do.
   */
  private verificationPage(): string {
    return new URL(this.options.verificationUri).pathname;
  }
}

/** Whether `path` is `base` or below it (`base/…`, `base?…`, `base#…`), not merely a path starting alike. */
function isWithin(path: string, base: string): boolean {
  return path === base || (path.startsWith(base) && /^[/?#]/.test(path.slice(base.length)));
}

function str(v: unknown): string {
  return typeof v === 'string' ? v.slice(0, 256) : '';
}
