import { isAbort } from './errors.js';
import type { OAuthErrorResponse } from './types.js';

/** The `fetch` the client uses; injectable for tests and custom agents. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** How the client authenticates at the endpoints. @see RFC 6749 §2.3.1 */
export interface ClientCredentials {
  clientId: string;
  /** Present for a confidential client. */
  clientSecret?: string;
  /** `client_secret_basic` (default, every server must support it) or `client_secret_post`. */
  authMethod?: 'client_secret_basic' | 'client_secret_post';
}

/** What one HTTP exchange came to, classified for the protocol logic. */
export type HttpOutcome =
  | { type: 'ok'; status: number; body: unknown }
  | { type: 'oauth_error'; status: number; error: OAuthErrorResponse }
  | { type: 'http_error'; status: number; text: string }
  /** 5xx, 429, a network failure or a request timeout: worth retrying later. */
  | {
      type: 'retryable';
      reason: string;
      status?: number;
      error?: OAuthErrorResponse;
      retryAfterMs?: number;
      cause?: unknown;
    };

/** Options of one request. */
export interface RequestOptions {
  fetch: FetchLike;
  signal?: AbortSignal;
  /** Real-time limit on one request (connect + response), so a hung connection counts as a network error. */
  requestTimeoutMs: number;
  userAgent?: string;
}

/** Longest response body read; real ones are under a kilobyte. */
const MAX_BODY_CHARS = 64 * 1024;

/**
 * POSTs an `application/x-www-form-urlencoded` body with client authentication.
 *
 * @see RFC 6749 §2.3.1 (client password), §3.2 (token endpoint), RFC 8628 §3.1
 */
export function postForm(
  url: string,
  params: Record<string, string | undefined>,
  credentials: ClientCredentials,
  options: RequestOptions,
): Promise<HttpOutcome> {
  const body = new URLSearchParams();
  const headers: Record<string, string> = {
    'Content-Type': 'application/x-www-form-urlencoded',
    Accept: 'application/json',
  };
  const { clientId, clientSecret, authMethod = 'client_secret_basic' } = credentials;
  if (clientSecret !== undefined && authMethod === 'client_secret_basic') {
    // §2.3.1: id and secret are form-urlencoded before being joined and base64-encoded.
    const pair = `${formEncode(clientId)}:${formEncode(clientSecret)}`;
    headers.Authorization = `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
  } else {
    body.set('client_id', clientId);
    if (clientSecret !== undefined) body.set('client_secret', clientSecret);
  }
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') body.set(k, v);
  // Never follow a redirect with credentials or codes in the body.
  return send(url, { method: 'POST', headers, body: body.toString(), redirect: 'error' }, options);
}

/** GETs a JSON document (e.g. RFC 8414 metadata); redirects are followed, the issuer check still applies. */
export function getJson(url: string, options: RequestOptions): Promise<HttpOutcome> {
  return send(url, { method: 'GET', headers: { Accept: 'application/json' } }, options);
}

async function send(url: string, init: RequestInit, options: RequestOptions): Promise<HttpOutcome> {
  const timeout = AbortSignal.timeout(options.requestTimeoutMs);
  const signal = options.signal ? anySignal(options.signal, timeout) : timeout;
  const headers = { ...(init.headers as Record<string, string>) };
  if (options.userAgent) headers['User-Agent'] = options.userAgent;
  let res: Response;
  let text: string;
  try {
    res = await options.fetch(url, { ...init, headers, signal });
    text = (await res.text()).slice(0, MAX_BODY_CHARS);
  } catch (e) {
    // The caller's own abort propagates; everything else (refused, reset, DNS, timeout) is retryable.
    if (options.signal?.aborted && isAbort(e, options.signal)) throw options.signal.reason;
    const reason = timeout.aborted ? 'request timed out' : networkReason(e);
    return { type: 'retryable', reason, cause: e };
  }
  return classify(res, text);
}

function classify(res: Response, text: string): HttpOutcome {
  const json = parseJson(text);
  const error = asOAuthError(json);
  if (res.status >= 500 || res.status === 429) {
    return {
      type: 'retryable',
      reason: `HTTP ${res.status}${error ? ` ${error.error}` : ''}`,
      status: res.status,
      ...(error ? { error } : {}),
      ...retryAfter(res.headers.get('retry-after')),
    };
  }
  if (res.status >= 200 && res.status < 300) {
    return json === undefined
      ? { type: 'http_error', status: res.status, text: text.slice(0, 200) }
      : { type: 'ok', status: res.status, body: json };
  }
  if (error) return { type: 'oauth_error', status: res.status, error };
  return { type: 'http_error', status: res.status, text: text.slice(0, 200) };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The body as an RFC 6749 §5.2 error, or undefined when it is not one. */
function asOAuthError(json: unknown): OAuthErrorResponse | undefined {
  if (!json || typeof json !== 'object') return undefined;
  const { error, error_description, error_uri } = json as Record<string, unknown>;
  if (typeof error !== 'string' || !/^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/.test(error))
    return undefined;
  return {
    error,
    ...(typeof error_description === 'string' ? { error_description } : {}),
    ...(typeof error_uri === 'string' ? { error_uri } : {}),
  };
}

/** `Retry-After` in delta-seconds (the only form OAuth servers use in practice), capped at 5 minutes. */
function retryAfter(header: string | null): { retryAfterMs?: number } {
  if (!header || !/^\d{1,6}$/.test(header.trim())) return {};
  return { retryAfterMs: Math.min(Number(header.trim()), 300) * 1000 };
}

/** Network errors raised before the request left (no connection was made): the server cannot have seen it. */
const NEVER_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * Whether a request that got no HTTP answer may still have reached the server (the connection dropped or timed
 * out after it was sent), as opposed to one that never left (refused, no such host, no route).
 */
export function mayHaveBeenReceived(outcome: HttpOutcome & { type: 'retryable' }): boolean {
  if (outcome.status !== undefined) return false;
  const code = (outcome.cause as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return !(typeof code === 'string' && NEVER_SENT.has(code));
}

function networkReason(e: unknown): string {
  const cause = (e as { cause?: { code?: unknown; message?: unknown } })?.cause;
  if (cause && typeof cause.code === 'string') return `network error (${cause.code})`;
  return `network error (${e instanceof Error ? e.message : String(e)})`;
}

/** Aborts when either signal does (`AbortSignal.any` where present: Node ≥ 20.3). */
function anySignal(a: AbortSignal, b: AbortSignal): AbortSignal {
  if (typeof AbortSignal.any === 'function') return AbortSignal.any([a, b]);
  const controller = new AbortController();
  for (const s of [a, b]) {
    if (s.aborted) controller.abort(s.reason);
    else s.addEventListener('abort', () => controller.abort(s.reason), { once: true });
  }
  return controller.signal;
}

function formEncode(s: string): string {
  return new URLSearchParams({ s }).toString().slice(2);
}
