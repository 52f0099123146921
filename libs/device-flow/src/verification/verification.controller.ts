import { Controller, Get, Inject, Param, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Clock } from '../clock/clock.js';
import { DEVICE_FLOW_OPTIONS, DEVICE_FLOW_VERIFICATION_PATH } from '../device-flow.constants.js';
import type { ResolvedDeviceFlowOptions } from '../device-flow.options.js';
import { UserCodeDecisionError } from '../grant/user-code-decision.error.js';
import { type FormParams, parseForm } from '../http/form-body.parser.js';
import { type HttpRequest, type HttpResponse, seeOther, sendHtml } from '../http/http-exchange.js';
import { isCrossSiteRequest, ownOrigin, setPageSecurityHeaders } from './page-security.js';
import {
  RefusedPageError,
  TooManyAttemptsPageError,
  VerificationPageError,
} from './verification.errors.js';
import { VerificationPageFilter } from './verification-page.filter.js';
import { type Guesser, type PendingRequest, VerificationService } from './verification.service.js';
import { VerificationSessions } from './verification-session.js';
import { type VerificationUser, VerificationUserResolver } from './verification-user.resolver.js';
import {
  type VerificationPage,
  type VerificationStatus,
  VerificationView,
} from './verification.view.js';

const STATUSES: ReadonlySet<string> = new Set<VerificationStatus>([
  'approved',
  'denied',
  'expired',
  'used',
  'invalid',
]);

/**
 * The verification page (RFC 8628 §3.3): code entry, consent, decision and status pages, mounted at the path
 * of `verificationUri` (relative to the issuer's path). Every form action, link, redirect and the session
 * cookie's path carry the issuer's path, as the browser sees it: `/auth/device/approved` for issuer
 * `https://example.com/auth`, whether the host serves the module under `/auth` or a proxy strips it.
 *
 * - `GET  <path>`          code entry form; `?user_code=` pre-fills only (§3.3.1), never approves
 * - `POST <path>`          submitted code → consent page (or the entry form again with "not valid")
 * - `POST <path>/decision` approve / deny → 303 to a fixed status page
 * - `GET  <path>/<status>` approved, denied, expired, used, invalid
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
    this.base = options.issuerPath + (path === '/' ? '' : path);
    this.sessions = new VerificationSessions(
      v.sessionKey,
      v.cookieName,
      this.base || '/',
      v.sessionTtlMs,
    );
    this.issuerOrigin = new URL(options.issuer).origin;
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
    const session = this.sessions.ensure(req, res, user.id, this.clock.now());
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
    const { user, form, csrf, who } = await this.guard(req, res);
    if (!user) return;
    const typed = form.get('user_code') ?? '';
    try {
      const pending = await this.service.findPending(typed, who);
      this.send(res, 200, this.consentPage(user, csrf, pending));
    } catch (e) {
      if (!(e instanceof UserCodeDecisionError)) throw e;
      if (e.problem !== 'invalid') return this.toStatus(res, statusOf(e));
      this.send(res, 400, this.entryPage(user, csrf, typed.slice(0, 32), 'invalid'));
    }
  }

  @Post('decision')
  async decide(@Req() req: HttpRequest, @Res() res: HttpResponse): Promise<void> {
    const { user, form, csrf, who } = await this.guard(req, res);
    if (!user) return;
    const code = form.get('user_code') ?? '';
    const decision = form.get('decision');
    if (decision !== 'approve' && decision !== 'deny')
      throw new RefusedPageError(this.start(), 400);
    try {
      if (decision === 'deny') {
        await this.service.deny(code, user.id, who);
        return this.toStatus(res, 'denied');
      }
      const pending = await this.service.findPending(code, who);
      const kept = pending.scopes.filter((s, i) => form.get(`scope_${i}`) === s);
      if (pending.scopes.length > 0 && kept.length === 0) {
        return this.send(res, 400, this.consentPage(user, csrf, pending, [], 'no_scope'));
      }
      await this.service.approve(code, user.id, kept, who);
      this.toStatus(res, 'approved');
    } catch (e) {
      if (!(e instanceof UserCodeDecisionError)) throw e;
      this.toStatus(res, statusOf(e));
    }
  }

  @Get(':status')
  status(@Param('status') status: string, @Res() res: HttpResponse): void {
    setPageSecurityHeaders(res, this.formActions);
    const known = STATUSES.has(status);
    this.send(res, known ? 200 : 404, {
      kind: 'status',
      status: known ? (status as VerificationStatus) : 'invalid',
      startOver: this.start(),
    });
  }

  /**
   * The checks of every POST, in order: headers; cross-site refusal; form parsing; sign-in (anonymous → login,
   * back to the same code); the session's CSRF token (constant time); the guessing budget (429, before any
   * lookup). Returns `user: null` when it already answered with a redirect.
   */
  private async guard(
    req: HttpRequest,
    res: HttpResponse,
  ): Promise<{ user: VerificationUser | null; form: FormParams; csrf: string; who: Guesser }> {
    setPageSecurityHeaders(res, this.formActions);
    const origins = [this.issuerOrigin, ownOrigin(req)].filter((o): o is string => o !== null);
    if (isCrossSiteRequest(req, origins)) throw new RefusedPageError(this.start());
    let form: FormParams;
    try {
      form = await parseForm(req);
    } catch {
      throw new RefusedPageError(this.start(), 400);
    }
    const user = await this.users.resolve(req);
    const none = { user: null, form, csrf: '', who: { ip: null, sessionId: '' } };
    if (!user) {
      this.toLogin(res, this.service.display(form.get('user_code')) ?? '');
      return none;
    }
    const now = this.clock.now();
    const session = this.sessions.read(req, user.id, now);
    if (!this.sessions.checkCsrf(session, form.get('csrf_token'))) {
      const fresh = this.sessions.ensure(req, res, user.id, now);
      throw new VerificationPageError(403, this.entryPage(user, fresh.csrf, '', 'csrf'));
    }
    const who: Guesser = { ip: req.ip ?? null, sessionId: session!.sid };
    const wait = await this.service.retryAfterSeconds(who);
    if (wait > 0) throw new TooManyAttemptsPageError(wait);
    return { user, form, csrf: session!.csrf, who };
  }

  private entryPage(
    user: VerificationUser,
    csrfToken: string,
    userCode: string,
    error?: 'invalid' | 'csrf',
  ): VerificationPage {
    return { kind: 'entry', action: this.start(), csrfToken, userCode, error, user };
  }

  private consentPage(
    user: VerificationUser,
    csrfToken: string,
    p: PendingRequest,
    kept: string[] = p.scopes,
    error?: 'no_scope',
  ): VerificationPage {
    return {
      kind: 'consent',
      action: `${this.base}/decision`,
      csrfToken,
      userCode: p.userCode,
      clientName: p.client?.displayName || p.record.clientId,
      scopes: p.scopes.map((scope, i) => ({
        scope,
        field: `scope_${i}`,
        checked: kept.includes(scope),
      })),
      requestedAt: p.record.createdAt,
      requestIp: p.record.requestIp,
      requestUserAgent: p.record.requestUserAgent,
      error,
      user,
    };
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
    const back = userCode
      ? `${this.start()}?user_code=${encodeURIComponent(userCode)}`
      : this.start();
    const sep = loginUrl.includes('?') ? '&' : '?';
    seeOther(res, `${loginUrl}${sep}${returnToParameter}=${encodeURIComponent(back)}`);
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
    default:
      return 'invalid';
  }
}
