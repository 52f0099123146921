import type { HttpRequest, HttpResponse } from '../http/http-exchange.js';

/**
 * Headers every verification (and login) page carries: a CSP that allows no script and no framing, an
 * X-Frame-Options fallback, Cross-Origin-Opener-Policy (no window handle for a site that opened the page), no
 * caching (pages carry codes and CSRF tokens) and no Referer to other origins (the URL may hold a user code).
 * `same-origin`, not `no-referrer`: under `no-referrer` browsers send `Origin: null` on the page's own form
 * posts, and over plain HTTP on a host other than loopback they send no Fetch Metadata either (not a secure
 * context), so every post there — sign-in, code entry, decision — was refused as cross-site. `formActions`
 * lists origins besides 'self' that forms may post or redirect to (an external login page).
 *
 * @see RFC 8628 §5.4 (remote phishing), RFC 6749 §10.13 (clickjacking)
 */
export function setPageSecurityHeaders(
  res: HttpResponse,
  formActions: readonly string[] = [],
): void {
  res.header(
    'Content-Security-Policy',
    [
      "default-src 'none'",
      "style-src 'self'",
      "img-src 'self' data:",
      `form-action 'self'${formActions.map((o) => ' ' + o).join('')}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join('; '),
  );
  res.header('X-Frame-Options', 'DENY');
  // A page another site opened (window.open) is cut off from its opener: no handle to navigate it to a
  // look-alike or to probe it. Browsers apply it in secure contexts only (HTTPS, loopback).
  res.header('Cross-Origin-Opener-Policy', 'same-origin');
  res.header('X-Content-Type-Options', 'nosniff');
  res.header('Referrer-Policy', 'same-origin');
  res.header('Cache-Control', 'no-store');
  res.header('Pragma', 'no-cache');
}

/**
 * True when a state-changing request did not come from one of `origins` (the issuer's and the request's own
 * origin). Fetch Metadata decides when the browser sends it: anything but `Sec-Fetch-Site: same-origin` is
 * refused. Otherwise the `Origin` header must be one of `origins`; `Origin: null` (sandboxed frames, pages
 * under `Referrer-Policy: no-referrer`) is refused. Fetch Metadata is sent only to secure contexts (HTTPS,
 * loopback): over plain HTTP elsewhere the `Origin` header decides, which is why the pages' own policy is
 * `same-origin` (see {@link setPageSecurityHeaders}). Requests carrying neither header (non-browser clients,
 * very old browsers) still need the CSRF token.
 */
export function isCrossSiteRequest(
  req: Pick<HttpRequest, 'headers'>,
  origins: readonly string[],
): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) return site !== 'same-origin';
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  return !origins.includes(origin);
}

/** The request's own origin, from `req.protocol` (honours `trust proxy`) and the Host header. */
export function ownOrigin(req: HttpRequest): string | null {
  const host = req.headers.host;
  return host ? `${req.protocol ?? 'http'}://${host}` : null;
}

/**
 * A return path that is safe to redirect to after login: a same-origin relative path (`/…`, not `//…` or
 * `/\…`, no scheme, no control characters, at most 512 characters). Anything else gives `fallback`, so login
 * can never be turned into an open redirect. The path comes back as the browser will resolve it: dot segments
 * removed (`/auth/../other` → `/other`, also when percent-encoded as `%2e%2e`), so that a caller checking its
 * prefix (say, that it stays under the issuer's path) checks where the user will land.
 *
 * @see RFC 3986 §5.2.4 (remove dot segments)
 */
export function safeReturnTo(value: unknown, fallback = '/'): string {
  if (typeof value !== 'string' || value.length > 512) return fallback;
  if (!/^\/(?![/\\])[\x21-\x7e]*$/.test(value)) return fallback;
  if (value.includes('\\')) return fallback;
  if (!/\.|%2e/i.test(value)) return value; // no dot segment possible: as it is
  const url = new URL(value, 'http://return-to.invalid');
  const resolved = url.pathname + url.search + url.hash;
  // `/a/..//host` resolves to `//host`, which a Location header would take for another host; and the URL
  // serializer percent-encodes some characters, so the length is checked again.
  return /^\/(?![/\\])/.test(resolved) && resolved.length <= 512 ? resolved : fallback;
}
