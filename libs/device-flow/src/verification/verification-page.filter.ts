import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Inject,
  Logger,
  Optional,
} from '@nestjs/common';
import { DEVICE_FLOW_OPTIONS, DEVICE_FLOW_VERIFICATION_PATH } from '../device-flow.constants.js';
import type { ResolvedDeviceFlowOptions } from '../device-flow.options.js';
import { isTransient } from '../errors/oauth-exception.filter.js';
import {
  type HttpRequest,
  type HttpResponse,
  requestPath,
  responseSent,
  sendHtml,
} from '../http/http-exchange.js';
import { setPageSecurityHeaders } from './page-security.js';
import {
  PageMethodNotAllowedError,
  RefusedPageError,
  VerificationPageError,
} from './verification.errors.js';
import { VerificationView } from './verification.view.js';

/**
 * The one place verification page errors become responses: always an HTML page from the
 * {@link VerificationView} with the page security headers — never JSON, never a stack trace. A request at fault
 * gets its status with the error page's `reason` (`not_found` for 404, `method_not_allowed` for 405 with
 * `Allow`, `bad_request` for other 4xx); unexpected errors are logged and shown as a generic error page (500, or 503 with `Retry-After`
 * when storage is away).
 * Its links (stylesheet, "start over") carry the issuer's path, as the page's own do.
 */
@Catch()
export class VerificationPageFilter implements ExceptionFilter {
  private readonly logger = new Logger('DeviceFlow');

  constructor(
    @Inject(DEVICE_FLOW_VERIFICATION_PATH) private readonly path: string | null,
    @Inject(VerificationView) private readonly view: VerificationView,
    @Optional()
    @Inject(DEVICE_FLOW_OPTIONS)
    private readonly options: Pick<ResolvedDeviceFlowOptions, 'issuerPath'> | null = null,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<HttpResponse>();
    const req = host.switchToHttp().getRequest<HttpRequest>();
    if (responseSent(res)) return;
    const error = this.toPageError(exception, req);
    setPageSecurityHeaders(res);
    for (const [name, value] of Object.entries(error.headers)) res.header(name, value);
    const base = this.base();
    sendHtml(
      res,
      error.status,
      this.view.render(error.page, { stylesheetUrl: `${base}/style.css` }),
    );
  }

  /** The "request refused" page ({@link RefusedPageError}) with `status`, its link back to the entry form. */
  refused(status: 400 | 413): RefusedPageError {
    return new RefusedPageError(this.base() || '/', status);
  }

  private toPageError(exception: unknown, req: HttpRequest): VerificationPageError {
    const startOver = this.base() || '/';
    if (exception instanceof VerificationPageError) {
      // "Too many attempts" is raised where the page's path is not known: its link back is added here.
      const page = exception.page;
      if (page.kind === 'locked' && page.startOver === undefined)
        return new VerificationPageError(
          exception.status,
          { ...page, startOver },
          exception.headers,
        );
      return exception;
    }
    if (exception instanceof PageMethodNotAllowedError) {
      return new VerificationPageError(
        405,
        { kind: 'error', startOver, reason: 'method_not_allowed' },
        { Allow: exception.allowHeader },
      );
    }
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      const status = exception.getStatus();
      const reason =
        status === 404 ? 'not_found' : status === 405 ? 'method_not_allowed' : 'bad_request';
      return new VerificationPageError(status, { kind: 'error', startOver, reason });
    }
    if (isTransient(exception)) {
      this.logger.error(`${req.method} ${requestPath(req)}: storage unavailable`);
      return new VerificationPageError(503, { kind: 'error', startOver }, { 'Retry-After': '5' });
    }
    this.logger.error(
      `${req.method} ${requestPath(req)}: unexpected error`,
      exception instanceof Error ? exception.stack : String(exception),
    );
    return new VerificationPageError(500, { kind: 'error', startOver });
  }

  /** The page's path as the browser sees it (issuer's path + mount path), `''` at the root. */
  private base(): string {
    const path = this.path ?? '/';
    return (this.options?.issuerPath ?? '') + (path === '/' ? '' : path);
  }
}
