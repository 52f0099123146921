import { type ArgumentsHost, Catch, HttpException, Inject } from '@nestjs/common';
import { BaseExceptionFilter, HttpAdapterHost } from '@nestjs/core';
import { type HttpRequest, requestPath } from '../http/http-exchange.js';
import {
  DEVICE_FLOW_OPTIONS,
  DEVICE_FLOW_ROUTES,
  DEVICE_FLOW_VERIFICATION_PATH,
} from '../device-flow.constants.js';
import type { ResolvedDeviceFlowOptions } from '../device-flow.options.js';
import type { DeviceFlowRoutes } from '../device-flow.routes.js';
import { VerificationPageFilter } from '../verification/verification-page.filter.js';
import { VerificationView } from '../verification/verification.view.js';
import { OAuthExceptionFilter } from './oauth-exception.filter.js';

/**
 * OAuth endpoint paths of every module instance, per application (one {@link HttpAdapterHost} per Nest app).
 * Nest applies only the first global filter that matches an exception, so with two `DeviceFlowModule`
 * instances (different `routes`) in one app each filter must know both sets; other apps in the same process
 * are not affected.
 */
const OAUTH_PATHS = new WeakMap<HttpAdapterHost, Set<string>>();

/** Express matches routes case-insensitively and ignores one trailing slash; compare the same way. */
function normalizePath(path: string): string {
  return path.toLowerCase().replace(/\/+$/, '') || '/';
}

/**
 * The host app's body parsers run before any controller, so their errors (malformed JSON, oversize body,
 * unsupported charset) never reach a controller-scoped filter. This app-wide filter renders those errors as
 * OAuth JSON on the module's own endpoints (also under a global prefix), as a page on the verification page's
 * paths (never JSON there), and leaves every other route to Nest's default handling.
 *
 * @see RFC 6749 §5.2
 */
@Catch(HttpException)
export class BodyParserErrorFilter extends BaseExceptionFilter {
  private readonly oauth = new OAuthExceptionFilter();
  private readonly paths: Set<string>;
  private readonly pages: VerificationPageFilter;

  constructor(
    @Inject(DEVICE_FLOW_ROUTES) routes: DeviceFlowRoutes,
    @Inject(DEVICE_FLOW_VERIFICATION_PATH) private readonly pagePath: string | null,
    @Inject(VerificationView) view: VerificationView,
    @Inject(HttpAdapterHost) app: HttpAdapterHost,
    @Inject(DEVICE_FLOW_OPTIONS) private readonly options: ResolvedDeviceFlowOptions,
  ) {
    super();
    this.paths = OAUTH_PATHS.get(app) ?? new Set();
    OAUTH_PATHS.set(app, this.paths);
    for (const path of Object.values(routes)) this.paths.add(normalizePath(path));
    this.pages = new VerificationPageFilter(pagePath, view, options);
  }

  override catch(exception: HttpException, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<HttpRequest | undefined>();
    const path = req ? requestPath(req) : '';
    if (req && this.isOAuthPath(path)) return this.oauth.catch(exception, host);
    if (req && this.isPage(path)) return this.pages.catch(exception, host);
    return super.catch(exception, host);
  }

  /** Whether a request path is one of the OAuth endpoints of any module instance in this app. */
  private isOAuthPath(requestPath: string): boolean {
    const path = normalizePath(requestPath);
    for (const p of this.paths) if (path === p || path.endsWith(p)) return true;
    return false;
  }

  /**
   * Whether a request path is one of the verification page's (as Express matches: any case, trailing slash),
   * as mounted or under the issuer's path (a global prefix; a proxy that strips the path leaves it as mounted).
   */
  private isPage(requestPath: string): boolean {
    if (this.pagePath === null) return false;
    const path = requestPath.toLowerCase().replace(/(.)\/+$/, '$1');
    const page = this.pagePath.toLowerCase();
    const bases = this.options.issuerPath ? ['', this.options.issuerPath.toLowerCase()] : [''];
    return bases.some((base) =>
      page === '/'
        ? path === (base || '/') || path === `${base}/decision`
        : path === base + page || path.startsWith(base + page + '/'),
    );
  }
}
