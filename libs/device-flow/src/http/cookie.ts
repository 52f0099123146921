import { type HttpRequest, type HttpResponse, isSecureRequest } from './http-exchange.js';

/** Attributes of a cookie set by {@link setCookie}. */
export interface CookieAttributes {
  /** `Path`; `/` unless told. */
  path?: string;
  /** `Max-Age`, in milliseconds (sent in whole seconds); a session cookie when absent. No `Expires`: every
   * browser in use honours `Max-Age`, and it needs no clock. */
  maxAgeMs?: number;
  /** `HttpOnly`; true unless told. */
  httpOnly?: boolean;
  /** `SameSite`; `Lax` unless told. */
  sameSite?: 'Strict' | 'Lax' | 'None';
  /** `Secure`; by default, whether the request came over TLS. */
  secure?: boolean;
}

/** Characters RFC 6265 §4.1.1 allows in a cookie name (a token) and in a cookie value (cookie-octet). */
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const COOKIE_VALUE = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/;

/**
 * One cookie's value from the request's `Cookie` header, or undefined: no cookie parser (Express's
 * `cookie-parser`, `@fastify/cookie`) is needed, so the module works on a plain Express or Fastify app.
 * Percent-encoded values are decoded; a malformed one is treated as absent.
 *
 * @see RFC 6265 §5.4
 */
export function readCookie(req: HttpRequest, name: string): string | undefined {
  const header = req.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * Sets one cookie through a plain `Set-Cookie` header (no `res.cookie`, which Fastify lacks without a plugin).
 * Sets one cookie per response: Express replaces an earlier `Set-Cookie` header where Fastify appends.
 *
 * @see RFC 6265 §4.1
 */
export function setCookie(
  req: HttpRequest,
  res: HttpResponse,
  name: string,
  value: string,
  attributes: CookieAttributes = {},
): void {
  res.header(
    'Set-Cookie',
    serializeCookie(name, value, { secure: isSecureRequest(req), ...attributes }),
  );
}

/** A `Set-Cookie` header value; throws on a name or value RFC 6265 does not allow (a programming error). */
export function serializeCookie(
  name: string,
  value: string,
  attributes: CookieAttributes = {},
): string {
  if (!COOKIE_NAME.test(name)) throw new TypeError(`invalid cookie name: ${name}`);
  if (!COOKIE_VALUE.test(value)) throw new TypeError(`invalid value for cookie ${name}`);
  const parts = [`${name}=${value}`, `Path=${attributes.path ?? '/'}`];
  if (attributes.maxAgeMs !== undefined) {
    parts.push(`Max-Age=${Math.floor(attributes.maxAgeMs / 1000)}`);
  }
  if (attributes.httpOnly !== false) parts.push('HttpOnly');
  if (attributes.secure) parts.push('Secure');
  parts.push(`SameSite=${attributes.sameSite ?? 'Lax'}`);
  return parts.join('; ');
}
