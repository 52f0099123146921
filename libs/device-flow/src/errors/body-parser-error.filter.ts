import { type ArgumentsHost, Catch, HttpException, Inject } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { DEVICE_FLOW_ROUTES } from '../device-flow.constants.js';
import type { DeviceFlowRoutes } from '../device-flow.routes.js';
import { type HttpRequest, requestPath } from '../http/http-exchange.js';
import { OAuthExceptionFilter } from './oauth-exception.filter.js';

/**
 * The host app's body parsers run before any controller, so their errors (malformed JSON, oversize body,
 * unsupported charset) never reach a controller-scoped filter. This app-wide filter renders those errors as
 * OAuth JSON on the module's own endpoints, and leaves every other route to Nest's default handling.
 */
@Catch(HttpException)
export class BodyParserErrorFilter extends BaseExceptionFilter {
  private readonly paths: ReadonlySet<string>;
  private readonly oauth = new OAuthExceptionFilter();

  constructor(@Inject(DEVICE_FLOW_ROUTES) routes: DeviceFlowRoutes) {
    super();
    this.paths = new Set(Object.values(routes));
  }

  override catch(exception: HttpException, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<HttpRequest | undefined>();
    if (req && this.paths.has(requestPath(req))) return this.oauth.catch(exception, host);
    return super.catch(exception, host);
  }
}
