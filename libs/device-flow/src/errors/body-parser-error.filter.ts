import { type ArgumentsHost, Catch, HttpException, Inject } from '@nestjs/common';
import { BaseExceptionFilter, HttpAdapterHost } from '@nestjs/core';
import { contentEncodingError, formContentTypeError } from '../http/form-body.parser.js';
import { type HttpRequest, requestPath } from '../http/http-exchange.js';
import { DEVICE_FLOW_OPTIONS, DEVICE_FLOW_VERIFICATION_PATH } from '../device-flow.constants.js';
import type { ResolvedDeviceFlowOptions } from '../device-flow.options.js';
import { DeviceFlowPaths, normalizePath } from '../http/module-paths.js';
import { VerificationPageFilter } from '../verification/verification-page.filter.js';
import { PageMethodNotAllowedError } from '../verification/verification.errors.js';
import { VerificationView } from '../verification/verification.view.js';
import {
  isBodyRefusalStatus,
  isTooLargeRefusal,
  OAuthExceptionFilter,
} from './oauth-exception.filter.js';
import { MethodNotAllowedError } from './oauth.errors.js';

/**
 * OAuth endpoint paths of every module instance, per application (one {@link HttpAdapterHost} per Nest app).
 * Nest applies only the first global filter that matches an exception, so with two `DeviceFlowModule`
 * instances (different `routes`) in one app each filter must know both sets; other apps in the same process
 * are not affected.
 */
const OAUTH_PATHS = new WeakMap<HttpAdapterHost, Set<string>>();

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
  private readonly endpoints: Set<string>;
  private readonly pages: VerificationPageFilter;

  constructor(
    @Inject(DeviceFlowPaths) private readonly paths: DeviceFlowPaths,
    @Inject(DEVICE_FLOW_VERIFICATION_PATH) pagePath: string | null,
    @Inject(VerificationView) view: VerificationView,
    @Inject(HttpAdapterHost) app: HttpAdapterHost,
    @Inject(DEVICE_FLOW_OPTIONS) options: ResolvedDeviceFlowOptions,
  ) {
    super();
    this.endpoints = OAUTH_PATHS.get(app) ?? new Set();
    OAUTH_PATHS.set(app, this.endpoints);
    for (const path of paths.endpoints) this.endpoints.add(path);
    this.pages = new VerificationPageFilter(pagePath, view, options);
  }

  override catch(exception: HttpException, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<HttpRequest | undefined>();
    const path = req ? requestPath(req) : '';
    const method = req?.method === 'HEAD' ? 'GET' : req?.method;
    const status = exception.getStatus();
    // What the platform found before any handler ran: no route for the method (404), or a body its parser
    // refused (Express parses every method's body before routing; Fastify only routed ones, by media type).
    // Anything else (a host middleware's 401, 403 or 429) is not about the route or the body: passed on.
    const refusedBody = isBodyRefusalStatus(status);
    const platformRefusal = status === 404 || refusedBody;
    if (req && this.isOAuthPath(path)) {
      // A method the endpoint does not serve is 405 whichever of those the platform found first: the method
      // is checked first on both. (The endpoint's own method not found there means it is not mounted at this
      // path: left as it is.)
      const allow = this.paths.endpointMethod(path);
      const wrongMethod = platformRefusal && allow !== null && method !== allow;
      return this.oauth.catch(wrongMethod ? new MethodNotAllowedError(allow) : exception, host);
    }
    if (req && this.paths.isVerificationPage(path)) {
      // As on the endpoints: a method the page does not serve (PUT /device) is 405 with Allow, first.
      const allow = this.paths.pageMethods(path);
      if (platformRefusal && allow !== null && !allow.includes(method as 'GET' | 'POST'))
        return this.pages.catch(new PageMethodNotAllowedError(allow), host);
      // A form the platform's parser refused (media type, charset, encoding, syntax, size) gets the answer the
      // page's own parser gives whatever the platform: the "request refused" page, 400 (413 when too large).
      if (refusedBody && allow !== null && method === 'POST')
        return this.pages.catch(this.pages.refused(pageRefusalStatus(exception, req)), host);
      return this.pages.catch(exception, host);
    }
    return super.catch(exception, host);
  }

  /**
   * Whether a request path is one of the OAuth endpoints of any module instance in this app, under whatever
   * prefix the host mounts them (the issuer's path, or one of its own).
   */
  private isOAuthPath(requestPath: string): boolean {
    if (this.paths.isEndpoint(requestPath)) return true;
    const path = normalizePath(requestPath);
    for (const p of this.endpoints) if (path === p || path.endsWith(p)) return true;
    return false;
  }
}

/**
 * The status of the "request refused" page for a form the platform refused: 413 when the platform refused it
 * for its size, or when it is a form (right headers) announcing more than the page's parser takes; else 400 —
 * a syntax error in a large body of another media type is not "too large" to the page's parser, which checks
 * the headers first.
 */
function pageRefusalStatus(exception: HttpException, req: HttpRequest): 400 | 413 {
  const wrongHeaders =
    formContentTypeError(req.headers['content-type']) ??
    contentEncodingError(req.headers['content-encoding']);
  return isTooLargeRefusal(exception, wrongHeaders ? undefined : req) ? 413 : 400;
}
