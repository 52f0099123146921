import { type ArgumentsHost, Catch, HttpException, Inject } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Request } from 'express';
import { DEVICE_FLOW_ROUTES, DEVICE_FLOW_VERIFICATION_PATH } from '../device-flow.constants.js';
import type { DeviceFlowRoutes } from '../device-flow.routes.js';
import { VerificationPageFilter } from '../verification/verification-page.filter.js';
import { VerificationView } from '../verification/verification.view.js';
import { OAuthExceptionFilter } from './oauth-exception.filter.js';

/**
 * The host app's body parsers run before any controller, so their errors (malformed JSON, oversize body,
 * unsupported charset) never reach a controller-scoped filter. This app-wide filter renders those errors as
 * OAuth JSON on the module's own endpoints, as a page on the verification page's paths (never JSON there), and
 * leaves every other route to Nest's default handling.
 */
@Catch(HttpException)
export class BodyParserErrorFilter extends BaseExceptionFilter {
  private readonly paths: ReadonlySet<string>;
  private readonly oauth = new OAuthExceptionFilter();

  private readonly pages: VerificationPageFilter;

  constructor(
    @Inject(DEVICE_FLOW_ROUTES) routes: DeviceFlowRoutes,
    @Inject(DEVICE_FLOW_VERIFICATION_PATH) private readonly pagePath: string | null,
    @Inject(VerificationView) view: VerificationView,
  ) {
    super();
    this.paths = new Set(Object.values(routes));
    this.pages = new VerificationPageFilter(pagePath, view);
  }

  override catch(exception: HttpException, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<Request | undefined>();
    if (req && this.paths.has(req.path)) return this.oauth.catch(exception, host);
    if (req && this.isPage(req.path)) return this.pages.catch(exception, host);
    return super.catch(exception, host);
  }

  /** Whether a request path is one of the verification page's (as Express matches: any case, trailing slash). */
  private isPage(requestPath: string): boolean {
    const p = this.pagePath?.toLowerCase() ?? null;
    if (p === null) return false;
    const path = requestPath.toLowerCase().replace(/(.)\/+$/, '$1');
    if (p === '/') return path === '/' || path === '/decision';
    return path === p || path.startsWith(p + '/');
  }
}
