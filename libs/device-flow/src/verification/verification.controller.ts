import {
  Controller,
  Get,
  Inject,
  Logger,
  NotFoundException,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
} from '@nestjs/common';
import { ApiExcludeController } from '../openapi/optional-swagger.js';
import { Clock } from '../clock/clock.js';
import { DEVICE_FLOW_OPTIONS, DEVICE_FLOW_VERIFICATION_PATH } from '../device-flow.constants.js';
import type { ResolvedDeviceFlowOptions } from '../device-flow.options.js';
import { isBlankUserCode } from '../codes/user-code.format.js';
import { UserCodeDecisionError } from '../grant/user-code-decision.error.js';
import { RequestTooLargeError } from '../errors/oauth.errors.js';
import { type FormParams, MAX_PIECES, parseForm } from '../http/form-body.parser.js';
import { type HttpRequest, type HttpResponse, seeOther, sendHtml } from '../http/http-exchange.js';
import { clientIp, onSameNetwork } from '../http/request-origin.js';
import { isCrossSiteRequest, ownOrigin, setPageSecurityHeaders } from './page-security.js';
import {
  PageMethodNotAllowedError,
  RefusedPageError,
  TooManyAttemptsPageError,
  VerificationPageError,
} from './verification.errors.js';
import { VerificationPageFilter } from './verification-page.filter.js';
import {
  type Guesser,
  type PendingRequest,
  RepeatedDecision,
  VerificationService,
} from './verification.service.js';
import {
  type VerificationNotice,
  type VerificationSession,
  VerificationSessions,
} from './verification-session.js';
import { type VerificationUser, VerificationUserResolver } from './verification-user.resolver.js';
import { verificationPageMismatch } from './verification.options.js';
import { visibleText } from './html.js';
import {
  NO_DECISION,
  type SignOutForm,
  type VerificationPage,
  type VerificationStatus,
  VERIFICATION_STATUSES,
  VerificationView,
} from './verification.view.js';

const STATUSES: ReadonlySet<string> = new Set(VERIFICATION_STATUSES);

/**
 * The verification page (RFC 8628 §3.3): code entry, consent, decision and status pages, mounted at the path
 * of `verificationUri` (relative to the issuer's path). Every form action, link, redirect and the session
 * cookie's path carry the issuer's path, as the browser sees it: `/auth/device/approved` for issuer
 * `https://example.com/auth`, whether the host serves the module under `/auth` or a proxy strips it.
 *
 * - `GET  <path>`          code entry form; `?user_code=` pre-fills only (§3.3.1), never approves
 * - `POST <path>`          submitted code → 303 to the consent page (or to the entry form, "not valid")
 * - `GET  <path>/consent`  consent page of the code entered (kept in the page session, never in the URL)
 * - `POST <path>/decision` approve / deny → 303 to a fixed status page; `none` (Enter on a checkbox) → 204
 * - `GET  <path>/<status>` approved, denied, expired, used, invalid, blocked
 *
 * Every POST answers with a redirect to a GET page (POST-redirect-GET: Back and reload never resend a form)
 * except refusals (cross-site, CSRF, too many attempts), which change nothing. What a redirected page shows
 * once (an error, the typed text) travels in the signed page session ({@link VerificationNotice}).
 *
 * Every POST is refused when cross-site (Origin / Sec-Fetch-Site) or without the session's CSRF token.
 * HTML pages for people, not an API: left out of the OpenAPI document.
 */
@ApiExcludeController()
@Controller()
@UseFilters(VerificationPageFilter)
export class VerificationController {
  /** The page's path as the browser sees it (issuer's path + mount path), `''` at the root. */
  private readonly base: string;
  private readonly sessions: VerificationSessions;
  private readonly issuerOrigin: string;
  private readonly formActions: string[];

  constructor(
    @Inject(DEVICE_FLOW_OPTIONS) private readonly options: ResolvedDeviceFlowOptions,
    @Inject(VerificationService) private readonly service: VerificationService,
    @Inject(VerificationUserResolver) private readonly users: VerificationUserResolver,
    @Inject(VerificationView) private readonly view: VerificationView,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(DEVICE_FLOW_VERIFICATION_PATH) mountedAt: string | null,
  ) {
    const v = options.verification;
    const path = mountedAt ?? '/';
    const mismatch = verificationPageMismatch(options.issuer, options.verificationUri, path);
    if (mismatch) new Logger('DeviceFlow').warn(mismatch);
    this.base = options.issuerPath + (path === '/' ? '' : path);
    this.sessions = new VerificationSessions(
      v.sessionKey,
      v.cookieName,
      this.base || '/',
      v.sessionTtlMs,
    );
    this.issuerOrigin = new URL(options.issuer).origin;
    // Forms post to the page itself and to the sign-out URL (same origin); a redirect may lead to the sign-in page.
    this.formActions = /^https?:/.test(v.loginUrl) ? [new URL(v.loginUrl).origin] : [];
  }

  @Get()
  async entry(
    @Query('user_code') userCode: unknown,
    @Req() req: HttpRequest,
    @Res() res: HttpResponse,
  ): Promise<void> {
    setPageSecurityHeaders(res, this.formActions);
    const prefill = this.service.display(typeof userCode === 'string' ? userCode : undefined) ?? '';
    const user = await this.users.resolve(req);
    if (!user) return this.toLogin(res, prefill);
    const now = this.clock.now();
    const session = this.sessions.ensure(req, res, user.id, now);
    // The entry just submitted was refused (POST-redirect-GET): its error and what was typed, shown once.
    // A link with ?user_code= is a new start: its code wins.
    const notice = this.takeNotice(req, res, session, now);
    if (notice && 'entry' in notice && userCode === undefined) {
      return this.send(res, 200, this.entryPage(user, session.csrf, notice.typed, notice.entry));
    }
    this.send(res, 200, this.entryPage(user, session.csrf, prefill));
  }

  @Get('style.css')
  stylesheet(@Res() res: HttpResponse): void {
    res.header('Content-Type', 'text/css; charset=utf-8');
    res.header('X-Content-Type-Options', 'nosniff');
    res.header('Cache-Control', 'public, max-age=3600');
    res.status(200).send(this.view.stylesheet());
  }

  @Post()
  async submit(@Req() req: HttpRequest, @Res() res: HttpResponse): Promise<void> {
    const g = await this.guard(req, res);
    if (!g.user) return;
    const { session, form, who } = g;
    await this.checkBudget(who);
    const typed = form.get('user_code') ?? '';
    const now = this.clock.now();
    if (isBlankUserCode(typed)) {
      this.sessions.save(req, res, { ...session, notice: { entry: 'empty', typed: '' } }, now);
      return seeOther(res, this.start());
    }
    try {
      await this.service.findPending(typed, who);
      // Live: remembered in the session for the consent page, which the browser GETs next.
      const code = this.service.normalize(typed)!;
      this.sessions.save(req, res, { ...session, code, notice: undefined }, now);
      seeOther(res, `${this.base}/consent`);
    } catch (e) {
      if (!(e instanceof UserCodeDecisionError)) throw e;
      if (e.problem !== 'invalid') return this.toStatus(res, statusOf(e));
      this.sessions.save(req, res, { ...session, notice: { entry: 'invalid', typed } }, now);
      seeOther(res, this.start());
    }
  }

  /**
   * The consent page of the code entered last in this session (found live then): looked up again, uncounted
   * (the user typed nothing). Without one — after the decision, in another browser — back to the entry form; a
   * code that is no longer live goes to its status page.
   */
  @Get('consent')
  async consent(@Req() req: HttpRequest, @Res() res: HttpResponse): Promise<void> {
    setPageSecurityHeaders(res, this.formActions);
    const user = await this.users.resolve(req);
    const now = this.clock.now();
    // Signed out meanwhile (Back after "Not you?", a sign-in that ended): back to the same code once signed in.
    if (!user)
      return this.toLogin(res, this.service.display(this.sessions.enteredCode(req, now)) ?? '');
    const session = this.sessions.read(req, user.id, now);
    if (!session?.code) return seeOther(res, this.start());
    let pending: PendingRequest;
    try {
      pending = await this.service.findEntered(session.code);
    } catch (e) {
      if (!(e instanceof UserCodeDecisionError)) throw e;
      this.sessions.save(req, res, { ...session, code: undefined, notice: undefined }, now);
      return this.toStatus(res, statusOf(e));
    }
    const notice = session.notice && 'consent' in session.notice ? session.notice : undefined;
    if (notice) this.takeNotice(req, res, session, now);
    // The page has forms: a session past half its lifetime is renewed (the response's one session write).
    else if (this.sessions.stale(session, now)) this.sessions.save(req, res, session, now);
    const viewer = clientIp(req);
    if (notice) {
      return this.send(
        res,
        200,
        this.consentPage(user, session.csrf, pending, viewer, [], notice.consent),
      );
    }
    this.send(res, 200, this.consentPage(user, session.csrf, pending, viewer));
  }

  /**
   * Approve or deny, then 303 to the outcome's status page. The same decision sent twice by the same user (a
   * double click, Enter pressed twice) lands on the same page both times, the second uncounted.
   */
  @Post('decision')
  async decide(@Req() req: HttpRequest, @Res() res: HttpResponse): Promise<void> {
    const g = await this.guard(req, res);
    if (!g.user) return;
    const { user, session, form } = g;
    const code = form.get('user_code') ?? '';
    const decision = form.get('decision');
    // The code this session entered (and found live, counted then) is decided on outside the guessing budgets:
    // a budget spent since — by other tabs, other people behind the same address, or everyone (the global
    // one) — must not keep a user from approving or denying the request on their screen. Any other code in
    // the form is an entry like any: checked and counted.
    const entered = session.code !== undefined && session.code === this.service.normalize(code);
    const who = entered ? null : g.who;
    if (who) await this.checkBudget(who);
    // The consent form's hidden default button: Enter pressed on a checkbox submits the form with it. Nothing
    // is decided, and 204 keeps the browser on the page as it was (ticks included).
    if (decision === NO_DECISION) return void res.status(204).send('');
    if (decision !== 'approve' && decision !== 'deny')
      throw new RefusedPageError(this.start(), 400);
    try {
      if (decision === 'deny') {
        await this.service.deny(code, user.id, who);
        return this.decided(req, res, session, code, 'denied');
      }
      const pending = await this.service.findPending(code, who, {
        decision: 'approved',
        subject: user.id,
      });
      const kept = pending.scopes.filter((s, i) => form.get(`scope_${i}`) === s);
      if (pending.scopes.length > 0 && kept.length === 0)
        return this.noScope(req, res, session, code);
      await this.service.approve(code, user.id, kept, who);
      this.decided(req, res, session, code, 'approved');
    } catch (e) {
      if (e instanceof RepeatedDecision) return this.decided(req, res, session, code, e.decision);
      if (!(e instanceof UserCodeDecisionError)) throw e;
      if (e.problem === 'no_scope') return this.noScope(req, res, session, code);
      this.decided(req, res, session, code, statusOf(e));
    }
  }

  /** Back to the consent page of this (live) code, a GET, with "choose at least one" and nothing ticked. */
  private noScope(
    req: HttpRequest,
    res: HttpResponse,
    session: VerificationSession,
    code: string,
  ): void {
    const normalized = this.service.normalize(code)!;
    const notice: VerificationNotice = { consent: 'no_scope' };
    this.sessions.save(req, res, { ...session, code: normalized, notice }, this.clock.now());
    seeOther(res, `${this.base}/consent`);
  }

  /**
   * The fixed outcome pages. Any other name is no page: 404 "page not found" — or 405 for the decision
   * endpoint's own path (it takes POST only), through {@link VerificationPageFilter}.
   */
  @Get(':status')
  status(@Param('status') status: string, @Res() res: HttpResponse): void {
    setPageSecurityHeaders(res, this.formActions);
    // Any letter case, as the platforms match the other routes (and as DeviceFlowPaths.pageMethods reads paths).
    const name = status.toLowerCase();
    if (!STATUSES.has(name)) {
      throw name === 'decision' ? new PageMethodNotAllowedError(['POST']) : new NotFoundException();
    }
    this.send(res, 200, {
      kind: 'status',
      status: name as VerificationStatus,
      startOver: this.start(),
    });
  }

  /**
   * The checks of every POST, in order: headers; cross-site refusal; form parsing; sign-in (anonymous → login,
   * back to the same code); the session's CSRF token (constant time). A refused token shows the entry form
   * again with the code the form carried (the user's typing is not lost to an expired page). Returns
   * `user: null` when it already answered with a redirect.
   */
  private async guard(
    req: HttpRequest,
    res: HttpResponse,
  ): Promise<
    | { user: VerificationUser; form: FormParams; session: VerificationSession; who: Guesser }
    | { user: null }
  > {
    setPageSecurityHeaders(res, this.formActions);
    const origins = [this.issuerOrigin, ownOrigin(req)].filter((o): o is string => o !== null);
    if (isCrossSiteRequest(req, origins)) throw new RefusedPageError(this.start());
    let form: FormParams;
    try {
      // A mangled entry is a code that is not valid (counted like any), not a refused request.
      form = await parseForm(req, { notUtf8: 'replace', maxParameters: MAX_PIECES });
    } catch (e) {
      throw new RefusedPageError(this.start(), e instanceof RequestTooLargeError ? 413 : 400);
    }
    const user = await this.users.resolve(req);
    if (!user) {
      this.toLogin(res, this.service.display(form.get('user_code')) ?? '');
      return { user: null };
    }
    const now = this.clock.now();
    const session = this.sessions.read(req, user.id, now);
    if (!this.sessions.checkCsrf(session, form.get('csrf_token'))) {
      const fresh = this.sessions.ensure(req, res, user.id, now);
      const typed = this.service.display(form.get('user_code')) ?? '';
      throw new VerificationPageError(403, this.entryPage(user, fresh.csrf, typed, 'csrf'));
    }
    const who: Guesser = { ip: clientIp(req), sessionId: session!.sid, subject: user.id };
    return { user, form, session: session!, who };
  }

  /**
   * With a limiter that cannot take and release, the guessing budget, checked before any lookup (429);
   * otherwise the entry's own reservation checks it, and only an entry that would look a code up is refused.
   */
  private async checkBudget(who: Guesser): Promise<void> {
    const wait = await this.service.waitBeforeEntry(who);
    if (wait > 0) throw new TooManyAttemptsPageError(wait);
  }

  /**
   * The session's one-time {@link VerificationNotice}, dropped from the session as it is read (a reload shows
   * the page without it); undefined when there is none. The page about to be shown has forms: a session past
   * half its lifetime is written again here too, renewed (the one session write of the response).
   */
  private takeNotice(
    req: HttpRequest,
    res: HttpResponse,
    session: VerificationSession,
    now: number,
  ): VerificationNotice | undefined {
    const notice = session.notice;
    if (notice || this.sessions.stale(session, now))
      this.sessions.save(req, res, { ...session, notice: undefined }, now);
    return notice;
  }

  /**
   * 303 to a decision's status page; the decided code stops being the session's consent page (Back to it then
   * leads to the entry form, not to a form to resend).
   */
  private decided(
    req: HttpRequest,
    res: HttpResponse,
    session: VerificationSession,
    code: string,
    status: VerificationStatus,
  ): void {
    if (session.code !== undefined && session.code === this.service.normalize(code)) {
      const rest = { ...session, code: undefined, notice: undefined };
      this.sessions.save(req, res, rest, this.clock.now());
    }
    this.toStatus(res, status);
  }

  private entryPage(
    user: VerificationUser,
    csrfToken: string,
    userCode: string,
    error?: 'invalid' | 'empty' | 'csrf',
  ): VerificationPage {
    const page = { kind: 'entry', action: this.start(), csrfToken, userCode, error, user } as const;
    return { ...page, signOut: this.signOut(userCode && !error ? userCode : '') };
  }

  private consentPage(
    user: VerificationUser,
    csrfToken: string,
    p: PendingRequest,
    viewerIp: string | null,
    kept: string[] = p.scopes,
    error?: 'no_scope',
  ): VerificationPage {
    return {
      kind: 'consent',
      action: `${this.base}/decision`,
      csrfToken,
      userCode: p.userCode,
      // The client's name as the administrator typed it, without the characters that would make it read as
      // another (bidi overrides) or hide parts of it: the user decides by it (RFC 8628 §5.4).
      clientName: visibleText(p.client?.displayName ?? '') || p.record.clientId,
      scopes: p.scopes.map((scope, i) => ({
        scope,
        field: `scope_${i}`,
        checked: kept.includes(scope),
      })),
      requestedAt: p.record.createdAt,
      shownAt: this.clock.now(),
      requestIp: p.record.requestIp,
      requestUserAgent: p.record.requestUserAgent,
      ...(onSameNetwork(p.record.requestIp, viewerIp) === false ? { otherNetwork: true } : {}),
      ...(p.staysSignedIn
        ? { staysSignedIn: { idleLimitSeconds: this.options.refreshTokenTtl } }
        : {}),
      error,
      user,
      signOut: this.signOut(p.userCode),
    };
  }

  /**
   * The sign-out form (when `verification.logoutUrl` is set), returning to the entry form with this code so the
   * next account continues where this one stopped.
   */
  private signOut(userCode: string): SignOutForm | undefined {
    const { logoutUrl, returnToParameter } = this.options.verification;
    if (logoutUrl === null) return undefined;
    return { action: logoutUrl, field: returnToParameter, returnTo: this.backTo(userCode) };
  }

  private send(res: HttpResponse, status: number, page: VerificationPage): void {
    sendHtml(res, status, this.view.render(page, { stylesheetUrl: `${this.base}/style.css` }));
  }

  /** 303 to a fixed status page: the target never comes from the request. */
  private toStatus(res: HttpResponse, status: VerificationStatus): void {
    seeOther(res, `${this.base}/${status}`);
  }

  /** 303 to the login page, asking it to return to this page with the same (well-formed) code. */
  private toLogin(res: HttpResponse, userCode: string): void {
    const { loginUrl, returnToParameter } = this.options.verification;
    const sep = loginUrl.includes('?') ? '&' : '?';
    const back = encodeURIComponent(this.backTo(userCode));
    seeOther(res, `${loginUrl}${sep}${returnToParameter}=${back}`);
  }

  /** The entry form's path, pre-filling a (well-formed) code when there is one. */
  private backTo(userCode: string): string {
    return userCode ? `${this.start()}?user_code=${encodeURIComponent(userCode)}` : this.start();
  }

  private start(): string {
    return this.base || '/';
  }
}

function statusOf(e: UserCodeDecisionError): VerificationStatus {
  switch (e.problem) {
    case 'expired':
      return 'expired';
    case 'already_decided':
      return 'used';
    case 'client_disabled':
      return 'blocked';
    default:
      return 'invalid';
  }
}
