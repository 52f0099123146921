import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/**
 * The parts of a request the module reads, common to Express's `Request` and Fastify's `FastifyRequest`, so the
 * endpoints run unchanged on `@nestjs/platform-express` and `@nestjs/platform-fastify`.
 */
export interface HttpRequest {
  readonly headers: IncomingHttpHeaders;
  /** Client address; both frameworks honour their own `trust proxy` setting. */
  readonly ip?: string;
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
 * both have `header(name, value)`, `status(code)` and `send(object)` (which serialises JSON).
 */
export interface HttpResponse {
  header(name: string, value: string): unknown;
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

/** Whether a response has already been sent. */
export function responseSent(res: HttpResponse): boolean {
  return res.headersSent === true || res.sent === true;
}
