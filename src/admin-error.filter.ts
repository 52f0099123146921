import { STATUS_CODES } from 'node:http';
import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Inject,
  Logger,
  Module,
} from '@nestjs/common';
import { FILTER_CATCH_EXCEPTIONS } from '@nestjs/common/constants.js';
import { APP_FILTER, ApplicationConfig, BaseExceptionFilter, HttpAdapterHost } from '@nestjs/core';
import type { HttpRequest } from '../libs/device-flow/src/index.js';
import {
  ADMIN_BODY_INVALID,
  ADMIN_BODY_MEDIA_TYPE,
  ADMIN_BODY_TOO_LARGE,
} from './admin-requests.js';

/** The admin API's error body (as its guard's 403 and its 404 always were). */
export interface AdminErrorBody {
  error: string;
  error_description: string;
}

/**
 * Every error on the admin API's paths as `{"error","error_description"}` JSON with `Cache-Control: no-store`,
 * the same on Express and Fastify: refusals and validation errors as thrown, unknown routes as `not_found`,
 * failures as `server_error` (logged, no details), and what the platforms' body parsers reject before any
 * controller runs (malformed JSON, `null` or `"x"` on Express, an empty body on Fastify, too large, another
 * media type) as the admin API's own 400, 413 or 415 — which is why this is a global filter.
 *
 * Nest hands an exception to one global filter only, trying the last registered first. This one is registered
 * after the module's (AppModule imports {@link AdminErrorsModule} after `DeviceFlowModule`), so everywhere else
 * it passes the exception on to the filter Nest would have picked without it: the module's (OAuth JSON on its
 * endpoints, pages on the verification page), or Nest's default.
 */
@Catch()
export class AdminErrorFilter extends BaseExceptionFilter {
  private readonly logger = new Logger('AdminApi');

  constructor(
    @Inject(ApplicationConfig) private readonly config: ApplicationConfig,
    @Inject(HttpAdapterHost) private readonly adapter: HttpAdapterHost,
  ) {
    super();
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    const req =
      host.getType() === 'http' ? host.switchToHttp().getRequest<HttpRequest>() : undefined;
    if (!req || !this.isAdminPath(req)) return this.passOn(exception, host);
    const { status, body } = adminError(exception);
    if (status >= 500) this.logger.error(exception);
    const http = this.adapter.httpAdapter;
    const res: unknown = host.switchToHttp().getResponse();
    if (http.isHeadersSent(res)) return void http.end(res);
    http.setHeader(res, 'Cache-Control', 'no-store');
    http.reply(res, body, status);
  }

  /** `/admin` and below, as mounted or under the global prefix (the issuer's path); any case, as Express routes. */
  private isAdminPath(req: HttpRequest): boolean {
    const url = req.originalUrl ?? req.url ?? '';
    const path = url.split('?')[0].toLowerCase().replace(/\/+$/, '');
    const prefix = this.config
      .getGlobalPrefix()
      .toLowerCase()
      .replace(/^\/+|\/+$/g, '');
    return ['', prefix ? `/${prefix}` : ''].some(
      (base) => path === `${base}/admin` || path.startsWith(`${base}/admin/`),
    );
  }

  /**
   * To the global filter registered before this one whose `@Catch(...)` takes the exception — Nest's own choice
   * had this filter not been there.
   */
  private passOn(exception: unknown, host: ArgumentsHost): void {
    const filters = this.config.getGlobalFilters();
    const at = filters.indexOf(this);
    const next = (at < 0 ? filters : filters.slice(0, at))
      .filter((f) => f !== this)
      .reverse()
      .find((f) => catches(f, exception));
    if (next) return void next.catch(exception, host);
    super.catch(exception, host);
  }
}

/** Registers {@link AdminErrorFilter} app-wide; import it after `DeviceFlowModule` (see the filter). */
@Module({ providers: [{ provide: APP_FILTER, useClass: AdminErrorFilter }] })
export class AdminErrorsModule {}

/** Whether a filter's `@Catch(...)` takes this exception (none listed: every exception). */
function catches(filter: ExceptionFilter, exception: unknown): boolean {
  const types: (abstract new (...args: never[]) => unknown)[] =
    Reflect.getMetadata(FILTER_CATCH_EXCEPTIONS, Object.getPrototypeOf(filter)) ??
    Reflect.getMetadata(FILTER_CATCH_EXCEPTIONS, filter.constructor) ??
    [];
  return types.length === 0 || types.some((type) => exception instanceof type);
}

/** The status and admin error body of an exception. */
function adminError(exception: unknown): { status: number; body: AdminErrorBody } {
  const status = statusOf(exception);
  if (status >= 500)
    return { status, body: { error: 'server_error', error_description: 'internal error' } };
  const thrown = exception instanceof HttpException ? exception.getResponse() : undefined;
  if (isAdminErrorBody(thrown)) return { status, body: thrown };
  return { status, body: describe(status, exception) };
}

/** What a client error the admin API did not raise itself (the platform's router or body parser) means. */
function describe(status: number, exception: unknown): AdminErrorBody {
  switch (status) {
    case 400:
      // Before any controller: a body the JSON parser refused, or (Express) a path that is not valid UTF-8.
      return invalid(
        (exception as { cause?: unknown }).cause instanceof URIError
          ? 'malformed URL'
          : ADMIN_BODY_INVALID,
      );
    case 404:
      return { error: 'not_found', error_description: 'no such admin route' };
    case 413:
      return invalid(ADMIN_BODY_TOO_LARGE);
    case 415:
      return invalid(ADMIN_BODY_MEDIA_TYPE);
    default:
      return invalid((STATUS_CODES[status] ?? 'bad request').toLowerCase());
  }
}

function invalid(description: string): AdminErrorBody {
  return { error: 'invalid_request', error_description: description };
}

/** An HttpException's status, a platform client error's (`statusCode` 4xx), or 500. */
function statusOf(exception: unknown): number {
  if (exception instanceof HttpException) return exception.getStatus();
  const code = (exception as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' && code >= 400 && code < 500 ? code : 500;
}

function isAdminErrorBody(value: unknown): value is AdminErrorBody {
  const v = value as Partial<AdminErrorBody> | null | undefined;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.error === 'string' &&
    typeof v.error_description === 'string'
  );
}
