import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Logger,
} from '@nestjs/common';
import {
  type HttpRequest,
  type HttpResponse,
  requestPath,
  responseSent,
} from '../http/http-exchange.js';
import {
  contentEncodingError,
  formContentTypeError,
  MAX_FORM_BODY_BYTES,
} from '../http/form-body.parser.js';
import { setNoStore } from '../http/no-store.js';
import {
  HostRefusalError,
  InvalidRequestError,
  OAuthError,
  RequestTooLargeError,
  ServerError,
  TemporarilyUnavailableError,
} from './oauth.errors.js';

/**
 * Failures that mean "the database is away" (connection level) or "try again" (a deadlock or lock wait the
 * database broke by rolling this request's work back), not "the request is bad".
 */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  '57P01', // PostgreSQL admin_shutdown
  '57P03', // PostgreSQL cannot_connect_now
  '57P02', // PostgreSQL crash_shutdown
  '08006', // PostgreSQL connection_failure
  '08001', // PostgreSQL unable to connect
  '3D000', // PostgreSQL invalid_catalog_name: connecting to a database that is not there (dropped, renamed)
  'ER_BAD_DB_ERROR', // MySQL/MariaDB 1049: the same, "Unknown database"
  'ER_CON_COUNT_ERROR',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'SQLITE_BUSY',
  '40P01', // PostgreSQL deadlock_detected
  '40001', // PostgreSQL serialization_failure
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
]);

/**
 * The one place OAuth errors become HTTP responses: `{"error","error_description"}` JSON with
 * `Cache-Control: no-store` and `X-Content-Type-Options: nosniff`, never Nest's default error shape and never a
 * stack trace.
 *
 * - {@link OAuthError}s render as themselves.
 * - Errors raised before the handler by a body parser (malformed JSON, oversize body, bad charset) become
 *   `invalid_request`; another client error raised there by the host (a gateway's 401, a throttler's 429)
 *   keeps its status ({@link HostRefusalError}).
 * - Anything else is logged and answered `server_error` (500), or `temporarily_unavailable` (503 with
 *   `Retry-After`) when the cause is a lost database connection.
 *
 * @see RFC 6749 §5.2
 */
@Catch()
export class OAuthExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('DeviceFlow');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const res = http.getResponse<HttpResponse>();
    const error = this.toOAuthError(exception, http.getRequest<HttpRequest>());
    if (responseSent(res)) return;
    setNoStore(res);
    // `error_description` may echo what the request sent (a scope, a parameter's name): never sniffed as HTML.
    res.header('X-Content-Type-Options', 'nosniff');
    for (const name in error.headers) res.header(name, error.headers[name]);
    res.status(error.status).send(error.toJSON());
  }

  /** Maps any thrown value to the OAuth error to render. */
  toOAuthError(exception: unknown, req?: HttpRequest): OAuthError {
    if (exception instanceof OAuthError) return exception;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status === 404) return new InvalidRequestError('no such endpoint');
      if (isBodyRefusalStatus(status)) return rejectedBody(exception, req);
      // Another client error before the handler ran: the host's own (a gateway's 401, a throttler's 429).
      if (status > 400 && status < 500) return new HostRefusalError(status);
    }
    if (isTransient(exception)) {
      this.logger.error(
        `${req?.method ?? ''} ${req ? requestPath(req) : ''}: storage unavailable: ${describe(exception)}`,
        // A released query runner is a lost PostgreSQL connection — or, on another driver, a bug: keep its
        // stack to tell them apart.
        released(exception) ? (exception as Error).stack : undefined,
      );
      return new TemporarilyUnavailableError();
    }
    this.logger.error(
      `${req?.method ?? ''} ${req ? requestPath(req) : ''}: unexpected error`,
      exception instanceof Error ? exception.stack : String(exception),
    );
    return new ServerError();
  }
}

/**
 * A body the platform's own parser refused before the handler ran (Express's body-parser, Fastify's content
 * type parsers), answered as {@link parseForm} answers the same request on the other platform: the content type
 * and encoding are judged from the headers, the rest from what the platform said.
 */
function rejectedBody(exception: HttpException, req: HttpRequest | undefined): OAuthError {
  // Only what a body parser answers (400, 413, 415) is judged by the body's headers; another 4xx (a host guard's
  // 403 on a GET endpoint, say) is not about the body.
  const status = exception.getStatus();
  const aboutBody = isBodyRefusalStatus(status);
  const fromHeaders =
    aboutBody &&
    req &&
    (formContentTypeError(req.headers['content-type']) ??
      contentEncodingError(req.headers['content-encoding']));
  if (fromHeaders) return fromHeaders;
  if (isTooLargeRefusal(exception, req)) return new RequestTooLargeError('request body too large');
  if (parameterCountRefused(exception)) return new InvalidRequestError('too many parameters');
  if (/prototype/i.test(exception.message)) {
    return new InvalidRequestError('parameter malformed: __proto__');
  }
  return new InvalidRequestError('malformed request body');
}

/**
 * Whether a status is one a platform's body parser answers with (400 malformed, 413 too large, 415 media type,
 * charset or encoding) — as opposed to a host middleware's or guard's 401, 403 or 429, which are not about the
 * body and pass through as they are.
 */
export function isBodyRefusalStatus(status: number): boolean {
  return status === 400 || status === 413 || status === 415;
}

/**
 * Whether a body the platform refused is one {@link parseForm} would call too large (413): the platform said so
 * for its size, or the request announced more than {@link MAX_FORM_BODY_BYTES} (checked first by the module's
 * parser, whatever else is wrong with the body). Express's body-parser answers 413 for too many parameters too,
 * which the module's parser, counting them in any body under its size limit, answers 400.
 */
export function isTooLargeRefusal(exception: HttpException, req: HttpRequest | undefined): boolean {
  if (req && Number(req.headers['content-length']) > MAX_FORM_BODY_BYTES) return true;
  return exception.getStatus() === 413 && !parameterCountRefused(exception);
}

/** body-parser's "too many parameters" (its `parameterLimit`), kept by Nest as the exception's cause. */
function parameterCountRefused(exception: HttpException): boolean {
  return (exception.cause as { type?: unknown } | undefined)?.type === 'parameters.too.many';
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * SQLite's "database is locked" in all its extended codes (better-sqlite3 reports the extended one):
 * `SQLITE_BUSY`, and `SQLITE_BUSY_SNAPSHOT` — another process sharing the file wrote since this connection's
 * read began, so its write cannot go on — `SQLITE_BUSY_RECOVERY`, `SQLITE_BUSY_TIMEOUT`. Retrying works.
 *
 * @see https://www.sqlite.org/rescode.html#busy
 */
function isSqliteBusy(code: string): boolean {
  return code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_');
}

/**
 * True when the error (or its driver cause) says the storage backend is unreachable or not answering — what the
 * module answers with 503 `temporarily_unavailable` and `Retry-After`. Exported for host routes that use the
 * same stores (the demo's login and API) and should answer an outage the same way.
 */
export function isTransient(e: unknown): boolean {
  for (const cur of causes(e)) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && (TRANSIENT_CODES.has(code) || isSqliteBusy(code))) return true;
    const name = (cur as { name?: unknown }).name;
    if (
      name === 'ConnectionIsNotSetError' ||
      name === 'CannotExecuteNotConnectedError' ||
      // TypeORM releases a PostgreSQL query runner when its connection fails (the client's `error` event, e.g.
      // the backend was terminated); the transaction's next statement then fails with this, not a driver error.
      released(cur) ||
      name === 'MaxRetriesPerRequestError' // ioredis: Redis is away
    )
      return true;
    const message = cur instanceof Error ? cur.message : '';
    if (
      /Connection terminated|connection is closed|Connection lost|database system is shutting down|terminating connection|Stream isn't writeable|timeout exceeded when trying to connect|Command timed out|Query read timeout/i.test(
        message,
      )
    )
      return true;
  }
  return false;
}

/** Whether TypeORM refused a statement because its query runner was released (see {@link isTransient}). */
function released(e: unknown): boolean {
  return (e as { name?: unknown } | null)?.name === 'QueryRunnerAlreadyReleasedError';
}

/** Whether the database broke a deadlock by failing this statement (its transaction rolled back). */
export function isDeadlock(e: unknown): boolean {
  for (const cur of causes(e)) {
    const code = (cur as { code?: unknown }).code;
    if (code === '40P01' || code === 'ER_LOCK_DEADLOCK') return true;
  }
  return false;
}

/** An error and the errors it wraps (a TypeORM `driverError`, a `cause`), at most four deep. */
function* causes(e: unknown): Generator<unknown> {
  for (let cur: unknown = e, depth = 0; cur && depth < 4; depth++) {
    yield cur;
    cur =
      (cur as { driverError?: unknown; cause?: unknown }).driverError ??
      (cur as { cause?: unknown }).cause;
  }
}
