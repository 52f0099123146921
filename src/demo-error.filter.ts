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
import {
  APP_FILTER,
  ApplicationConfig,
  BaseExceptionFilter,
  HttpAdapterHost,
  ModuleRef,
} from '@nestjs/core';
import { DeviceFlowPaths, type HttpRequest, isTransient } from '../libs/device-flow/src/index.js';
import {
  ADMIN_BODY_ENCODING,
  ADMIN_BODY_INVALID,
  ADMIN_BODY_MEDIA_TYPE,
  ADMIN_BODY_TOO_LARGE,
  AdminRequestError,
  contentEncoded,
} from './admin-requests.js';

/** The demo's error body, outside the module's paths (as the admin guard's 403 and its 404 always were). */
export interface DemoErrorBody {
  error: string;
  error_description: string;
}

/**
 * Every error outside the module's own paths as `{"error","error_description"}` JSON with `Cache-Control:
 * no-store`, the same on Express and Fastify, never Nest's default `{"statusCode",…}` shape: the admin API's
 * refusals and validation errors as thrown, unknown routes as `not_found`, a store that is away as `503
 * temporarily_unavailable` with `Retry-After` (as the module's endpoints answer it), other failures as
 * `server_error` (logged, no details), and what the platforms' body parsers or routers reject before any controller runs (malformed
 * JSON, `null` or `"x"` on Express, an empty body on Fastify, too large, another media type, a path that does
 * not decode) as 400, 413 or 415 — which is why this is a global filter.
 *
 * Nest hands an exception to one global filter only, trying the last registered first. This one is registered
 * after the module's (AppModule imports {@link DemoErrorsModule} after `DeviceFlowModule`), so on the module's
 * paths (its endpoints, the verification page) it passes the exception on to the filter Nest would have picked
 * without it: the module's, which answers OAuth JSON or a page there.
 */
@Catch()
export class DemoErrorFilter extends BaseExceptionFilter {
  private readonly logger = new Logger('Demo');
  /** The module's own paths, looked up app-wide when first needed (the module does not export to this one). */
  private modulePaths: DeviceFlowPaths | undefined;

  constructor(
    @Inject(ApplicationConfig) private readonly config: ApplicationConfig,
    @Inject(HttpAdapterHost) private readonly adapter: HttpAdapterHost,
    @Inject(ModuleRef) private readonly modules: ModuleRef,
  ) {
    super();
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    const req =
      host.getType() === 'http' ? host.switchToHttp().getRequest<HttpRequest>() : undefined;
    if (!req) return this.passOn(exception, host);
    // The client closed the connection while its body was being read (Fastify reports it as an error): there is
    // nobody to answer and nothing went wrong here, so no "ERROR [ExceptionsHandler]" with a stack trace.
    if (isClientAbort(exception, req)) return;
    // Outside the prefix nothing is the module's: the demo serves it under the issuer's path, never stripped.
    const path = this.pathBelowPrefix(req);
    if (path !== null && this.isModulePath(req)) return this.passOn(exception, host);
    const admin = path !== null && (path === '/admin' || path.startsWith('/admin/'));
    // Express's parser inflated or refused a compressed body before any check; Fastify's read it as it was:
    // on the admin API a compressed body is refused alike on both (the admin API's own check does it on Fastify).
    const encodedBody =
      admin &&
      contentEncoded(req) &&
      [400, 415].includes(statusOf(exception)) &&
      !(exception instanceof AdminRequestError);
    // A method a demo route does not serve (GET /logout, PUT /login, POST /api/me): 405 with Allow on both
    // platforms, whether no route took it (Fastify, or Express without a body) or Express's parser refused its
    // body first.
    // A URL that does not decode is refused as such first (400), as on a path no route serves.
    const malformedUrl = !decodes(req.originalUrl ?? req.url ?? '');
    const allow = path === null || malformedUrl ? undefined : demoRouteMethods(path);
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? '');
    const wrongMethod = allow !== undefined && !allow.includes(method) && statusOf(exception) < 500;
    const { status, body } = wrongMethod
      ? { status: 405, body: invalid(`method not allowed; use ${allow.join(' or ')}`) }
      : encodedBody
        ? { status: 415, body: invalid(ADMIN_BODY_ENCODING) }
        : demoError(exception, admin, malformedUrl);
    if (status === 503) this.logger.error(`${req.method} ${req.url ?? ''}: storage unavailable`);
    else if (status >= 500) this.logger.error(exception);
    const http = this.adapter.httpAdapter;
    const res: unknown = host.switchToHttp().getResponse();
    if (http.isHeadersSent(res)) return void http.end(res);
    http.setHeader(res, 'Cache-Control', 'no-store');
    if (wrongMethod)
      http.setHeader(
        res,
        'Allow',
        allow.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])).join(', '),
      );
    if (status === 503) http.setHeader(res, 'Retry-After', String(RETRY_AFTER_SECONDS));
    http.reply(res, body, status);
  }

  /**
   * The request's path below the global prefix (the issuer's path), lower case, without a trailing slash; null
   * when there is a prefix and the path is outside it.
   */
  private pathBelowPrefix(req: HttpRequest): string | null {
    const url = req.originalUrl ?? req.url ?? '';
    const path = url
      .split('?')[0]
      .toLowerCase()
      .replace(/(.)\/+$/, '$1');
    const prefix = this.config
      .getGlobalPrefix()
      .toLowerCase()
      .replace(/^\/+|\/+$/g, '');
    if (!prefix) return path;
    if (path === `/${prefix}` || path.startsWith(`/${prefix}/`))
      return path.slice(prefix.length + 1) || '/';
    return null;
  }

  /** The module's endpoints and its verification page, as the module itself matches them. */
  private isModulePath(req: HttpRequest): boolean {
    this.modulePaths ??= this.modules.get(DeviceFlowPaths, { strict: false });
    return !!this.modulePaths?.owns(req.originalUrl ?? req.url ?? '');
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

/** Registers {@link DemoErrorFilter} app-wide; import it after `DeviceFlowModule` (see the filter). */
@Module({ providers: [{ provide: APP_FILTER, useClass: DemoErrorFilter }] })
export class DemoErrorsModule {}

/** Whether a filter's `@Catch(...)` takes this exception (none listed: every exception). */
function catches(filter: ExceptionFilter, exception: unknown): boolean {
  const types: (abstract new (...args: never[]) => unknown)[] =
    Reflect.getMetadata(FILTER_CATCH_EXCEPTIONS, Object.getPrototypeOf(filter)) ??
    Reflect.getMetadata(FILTER_CATCH_EXCEPTIONS, filter.constructor) ??
    [];
  return types.length === 0 || types.some((type) => exception instanceof type);
}

/**
 * The demo's own routes (below the issuer's path, lower case) and the methods they serve; HEAD wherever GET.
 * Another method on one of them is 405 with `Allow` (RFC 9110 §15.5.6), not the 404 of a path nothing serves.
 */
const DEMO_ROUTES: ReadonlyArray<[path: RegExp, methods: readonly string[]]> = [
  [/^\/$/, ['GET']],
  [/^\/login$/, ['GET', 'POST']],
  [/^\/logout$/, ['POST']],
  [/^\/api\/me$/, ['GET']],
  [/^\/api\/devices$/, ['GET']],
  [/^\/api\/devices\/[^/]+$/, ['DELETE']],
  [/^\/admin\/users\/[^/]+\/devices$/, ['GET']],
  [/^\/admin\/users\/[^/]+\/devices\/[^/]+$/, ['DELETE']],
  [/^\/admin\/kill-switch$/, ['GET', 'POST', 'DELETE']],
];

/** The methods the demo route at `path` serves, or undefined when no demo route is there. */
function demoRouteMethods(path: string): readonly string[] | undefined {
  return DEMO_ROUTES.find(([pattern]) => pattern.test(path))?.[1];
}

/** What a client is told to wait before retrying while a store is unreachable (as the module's endpoints). */
const RETRY_AFTER_SECONDS = 5;

/**
 * The status and error body of an exception; `admin`: on the admin API, whose bodies have their own rules;
 * `malformedUrl`: the request's path does not decode.
 */
function demoError(
  exception: unknown,
  admin: boolean,
  malformedUrl: boolean,
): { status: number; body: DemoErrorBody } {
  const status = statusOf(exception);
  // Express's router matches encoded paths, so no route takes one that does not decode (404); Fastify's refuses
  // it first (400, see fastify-framework-errors.ts). A URL that is not one is the client's error: 400 on both.
  if (status === 404 && malformedUrl) return { status: 400, body: invalid('malformed URL') };
  if (status >= 500 && isTransient(exception)) {
    return {
      status: 503,
      body: {
        error: 'temporarily_unavailable',
        error_description: 'storage is unavailable; try again shortly',
      },
    };
  }
  if (status >= 500)
    return { status, body: { error: 'server_error', error_description: 'internal error' } };
  const thrown = exception instanceof HttpException ? exception.getResponse() : undefined;
  // Shaped already: the admin API's own errors, the module's bearer guard (RFC 6750 §3) on /api.
  if (isDemoErrorBody(thrown)) return { status, body: thrown };
  return { status, body: describe(status, exception, admin) };
}

/** What a client error the demo did not raise itself (the platform's router or body parser) means. */
function describe(status: number, exception: unknown, admin: boolean): DemoErrorBody {
  switch (status) {
    case 400:
      // Before any controller: a body the JSON parser refused, or (Express) a path that is not valid UTF-8.
      if ((exception as { cause?: unknown }).cause instanceof URIError)
        return invalid('malformed URL');
      return invalid(admin ? ADMIN_BODY_INVALID : 'malformed request body');
    case 404:
      return {
        error: 'not_found',
        error_description: admin ? 'no such admin route' : 'no such route',
      };
    case 413:
      return invalid(admin ? ADMIN_BODY_TOO_LARGE : 'request body too large');
    case 415:
      return invalid(admin ? ADMIN_BODY_MEDIA_TYPE : 'unsupported media type');
    default:
      return invalid((STATUS_CODES[status] ?? 'bad request').toLowerCase());
  }
}

/** Whether the path of a request URL percent-decodes to UTF-8 text. */
function decodes(url: string): boolean {
  try {
    decodeURIComponent(url.split('?')[0]);
    return true;
  } catch {
    return false;
  }
}

function invalid(description: string): DemoErrorBody {
  return { error: 'invalid_request', error_description: description };
}

/** An HttpException's status, a platform client error's (`statusCode` 4xx), or 500. */
function statusOf(exception: unknown): number {
  if (exception instanceof HttpException) return exception.getStatus();
  const code = (exception as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' && code >= 400 && code < 500 ? code : 500;
}

function isDemoErrorBody(value: unknown): value is DemoErrorBody {
  const v = value as Partial<DemoErrorBody> | null | undefined;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.error === 'string' &&
    typeof v.error_description === 'string'
  );
}

/**
 * The error Node raises on a request whose client went away before its body had arrived — this request's, not
 * an outgoing request's cut-off response (the same error), which is a failure to answer.
 */
function isClientAbort(exception: unknown, req: HttpRequest): boolean {
  const raw = ((req as HttpRequest & { raw?: unknown }).raw ?? req) as {
    destroyed?: boolean;
    aborted?: boolean;
  };
  return (
    exception instanceof Error &&
    exception.message === 'aborted' &&
    (exception as Error & { code?: string }).code === 'ECONNRESET' &&
    (raw.destroyed === true || raw.aborted === true)
  );
}
