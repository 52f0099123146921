import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/**
 * The parts of a request the module reads, common to Express's `Request` and Fastify's `FastifyRequest`, so the
 * endpoints and the verification page run unchanged on `@nestjs/platform-express` and
 * `@nestjs/platform-fastify`.
 */
export interface HttpRequest {
  readonly headers: IncomingHttpHeaders;
  /** Client address; both frameworks honour their own `trust proxy` setting. */
  readonly ip?: string;
  /** `http` or `https`; both frameworks honour their own `trust proxy` setting (`X-Forwarded-Proto`). */
  readonly protocol?: string;
  /** The parsed query string (both frameworks parse it before any handler). */
  readonly query?: unknown;
  /** The parsed body (Express, or Fastify's content-type parser), when a body parser ran. */
  readonly body?: unknown;
  /** The unparsed body, when the app was created with `rawBody: true`. */
  readonly rawBody?: unknown;
  readonly method?: string;
  readonly url?: string;
  /** Express only: the URL before any router rewrote `url`. */
  readonly originalUrl?: string;
  /** Fastify only: the Node.js request underneath. */
  readonly raw?: IncomingMessage;
}

/**
 * The parts of a response the module writes, common to Express's `Response` and Fastify's `FastifyReply`:
 * both have `header(name, value)`, `status(code)` and `send(body)` (which serialises an object as JSON and
 * sends a string as it is). Everything else (content types, redirects, cookies) is built on these three, so
 * no framework-specific call (`res.redirect`, `res.cookie`, `reply.type`) is needed.
 */
export interface HttpResponse {
  header(name: string, value: string): unknown;
  /** A header set so far, by the module or by host middleware before it (both frameworks have it). */
  getHeader?(name: string): unknown;
  status(code: number): { send(body: unknown): unknown };
  /** Express. */
  readonly headersSent?: boolean;
  /** Fastify. */
  readonly sent?: boolean;
}

/** The request's path without the query string. */
export function requestPath(req: HttpRequest): string {
  const url = req.originalUrl ?? req.url ?? '';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** The readable Node.js request stream (Express's request is one; Fastify wraps it). */
export function requestStream(req: HttpRequest): IncomingMessage {
  return req.raw ?? (req as unknown as IncomingMessage);
}

/**
 * Whether the request carried the header `name` (lower case) more than once. Node.js keeps only the first of
 * some repeated headers (`Authorization` among them), so a request with two credentials would otherwise be
 * judged by one of them.
 */
export function repeatedHeader(req: HttpRequest, name: string): boolean {
  const raw: readonly string[] = requestStream(req).rawHeaders ?? [];
  let seen = 0;
  for (let i = 0; i < raw.length; i += 2)
    if (raw[i].toLowerCase() === name && ++seen > 1) return true;
  return false;
}

/** Whether the request came over TLS (directly, or through a proxy the framework trusts). */
export function isSecureRequest(req: HttpRequest): boolean {
  return req.protocol === 'https';
}

/** Whether a response has already been sent. */
export function responseSent(res: HttpResponse): boolean {
  return res.headersSent === true || res.sent === true;
}

/**
 * Adds `field` to the response's `Vary` header, keeping what host middleware put there before (compression's
 * `Accept-Encoding`, say): a cache must key on every request header the answer depends on. Nothing is added
 * when the field, or `*`, is there already.
 *
 * @see RFC 9110 §12.5.5
 */
export function addVary(res: HttpResponse, field: string): void {
  const current = res.getHeader?.('Vary');
  const list = Array.isArray(current) ? current.join(', ') : current == null ? '' : String(current);
  const present = list
    .split(',')
    .map((f) => f.trim().toLowerCase())
    .filter((f) => f !== '');
  if (present.includes('*') || present.includes(field.toLowerCase())) return;
  res.header('Vary', present.length === 0 ? field : `${list.trim()}, ${field}`);
}

/** Sends an HTML document (UTF-8) with the given status. */
export function sendHtml(res: HttpResponse, status: number, document: string): void {
  res.header('Content-Type', 'text/html; charset=utf-8');
  res.status(status).send(document);
}

/**
 * Redirects with `303 See Other`, the status that makes the browser follow with a GET whatever the method of
 * the request was (a form POST must never be replayed at the target). `location` is sent as given: callers
 * build it from fixed paths or from {@link safeReturnTo}, never from raw request input.
 */
export function seeOther(res: HttpResponse, location: string): void {
  res.header('Location', location);
  res.status(303).send('');
}
