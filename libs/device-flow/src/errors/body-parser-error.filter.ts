import { type ArgumentsHost, Catch, HttpException, Inject } from '@nestjs/common';
import { BaseExceptionFilter, HttpAdapterHost } from '@nestjs/core';
import type { Request } from 'express';
import { DEVICE_FLOW_ROUTES } from '../device-flow.constants.js';
import type { DeviceFlowRoutes } from '../device-flow.routes.js';
import { OAuthExceptionFilter } from './oauth-exception.filter.js';

/**
 * Paths of every module instance, per application (one {@link HttpAdapterHost} per Nest app). Nest applies
 * only the first global filter that matches an exception, so with two `DeviceFlowModule` instances (different
 * `routes`) in one app each filter must know both sets; other apps in the same process are not affected.
 */
const OAUTH_PATHS = new WeakMap<HttpAdapterHost, Set<string>>();

/** Express matches routes case-insensitively and ignores one trailing slash; compare the same way. */
function normalizePath(path: string): string {
  return path.toLowerCase().replace(/\/+$/, '') || '/';
}

/**
 * The host app's body parsers run before any controller, so their errors (malformed JSON, oversize body,
 * unsupported charset) never reach a controller-scoped filter. This app-wide filter renders those errors as
 * OAuth JSON on the module's own endpoints (also under a global prefix), and leaves every other route to Nest's
 * default handling.
 *
 * @see RFC 6749 §5.2
 */
@Catch(HttpException)
export class BodyParserErrorFilter extends BaseExceptionFilter {
  private readonly oauth = new OAuthExceptionFilter();

  private readonly paths: Set<string>;

  constructor(
    @Inject(DEVICE_FLOW_ROUTES) routes: DeviceFlowRoutes,
    @Inject(HttpAdapterHost) app: HttpAdapterHost,
  ) {
    super();
    this.paths = OAUTH_PATHS.get(app) ?? new Set();
    OAUTH_PATHS.set(app, this.paths);
    for (const path of Object.values(routes)) this.paths.add(normalizePath(path));
  }

  override catch(exception: HttpException, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<Request | undefined>();
    if (req && this.isOAuthPath(req.path)) return this.oauth.catch(exception, host);
    return super.catch(exception, host);
  }

  private isOAuthPath(requestPath: string): boolean {
    const path = normalizePath(requestPath);
    for (const p of this.paths) if (path === p || path.endsWith(p)) return true;
    return false;
  }
}
