import { createHmac, randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { normalizePath } from '../http/module-paths.js';

/** A budget of events per window. @see RFC 8628 §5.1 */
export interface RateLimit {
  /** Events allowed per window. */
  limit: number;
  /** Window length, seconds. */
  windowSeconds: number;
}

/** Options of the verification page (RFC 8628 §3.3), under `verification` in the module options. */
export interface VerificationOptions {
  /**
   * Where anonymous users are sent to sign in (default `/login`): a path on the issuer (under the issuer's
   * path, if it has one: `/login` with issuer `https://example.com/auth` is `/auth/login`) or an absolute
   * http(s) URL. The page appends `return_to=<path>`, a same-origin path (with the issuer's path) back to the
   * same code; validate it with `safeReturnTo()` before redirecting.
   */
  loginUrl?: string;
  /** Name of the query parameter carrying the return path (default `return_to`). */
  returnToParameter?: string;
  /**
   * Where signed-in users sign out (no default: without it the pages offer no sign-out). When set, the entry and
   * consent pages show "Not you? Sign out" beside "Signed in as …": a form POSTing to this URL, with the
   * `returnToParameter` field holding the path back to the same code (validate it with `safeReturnTo()`), so a
   * person on a shared browser can switch accounts before approving. A path on the issuer (under the issuer's
   * path, as `loginUrl`), or an absolute URL on the issuer's origin: the form needs the session cookie and a
   * same-origin request, and sends a path on this server. The endpoint must refuse cross-site POSTs, or
   * another site could sign users out.
   */
  logoutUrl?: string;
  /**
   * HMAC key (≥ 32 characters) signing the page's session cookie. Default: derived from `hashSecret`; without
   * either, a random key per process (sessions then do not survive a restart or span instances).
   */
  sessionSecret?: string;
  /** Name of the session cookie (default `device_flow_session`). */
  cookieName?: string;
  /** Session lifetime, seconds (default 3600). */
  sessionTtl?: number;
  /** Failed user-code entries allowed per client IP (default 20 per 15 minutes). */
  perIp?: RateLimit;
  /** Failed user-code entries allowed per session (default 10 per 15 minutes). */
  perSession?: RateLimit;
  /**
   * Failed user-code entries allowed per signed-in user, whatever the address or session (default 20 per 15
   * minutes): one account rotating addresses and sessions cannot spend the global budget, which would lock the
   * page for everyone.
   */
  perUser?: RateLimit;
  /** Failed user-code entries allowed across all users (default 900 per 15 minutes: 1 per second). */
  global?: RateLimit;
}

/** Verification options after defaults. */
export interface ResolvedVerificationOptions {
  /** Where the page redirects anonymous users: a path (with the issuer's path in front) or an absolute URL. */
  loginUrl: string;
  /** Where the pages' sign-out form posts (a path with the issuer's path in front, or an absolute URL); null: none. */
  logoutUrl: string | null;
  returnToParameter: string;
  sessionKey: Buffer;
  cookieName: string;
  sessionTtlMs: number;
  perIp: RateLimit;
  perSession: RateLimit;
  perUser: RateLimit;
  global: RateLimit;
}

/** Default budgets. The global one matches the 1 guess/s the user code strength check assumes (§5.1). */
export const DEFAULT_VERIFICATION_LIMITS = {
  perIp: { limit: 20, windowSeconds: 900 },
  perSession: { limit: 10, windowSeconds: 900 },
  perUser: { limit: 20, windowSeconds: 900 },
  global: { limit: 900, windowSeconds: 900 },
} as const;

/** Default budget of device code issuance per client and IP. */
export const DEFAULT_ISSUANCE_LIMIT: RateLimit = { limit: 30, windowSeconds: 600 };

/** Default budget of failed client secret verifications per client IP. @see RFC 6749 §10.10 */
export const DEFAULT_CLIENT_AUTHENTICATION_LIMIT: RateLimit = { limit: 20, windowSeconds: 900 };

/**
 * Applies defaults to the verification options; `fail` throws a configuration error. `issuerPath` (the
 * issuer's path, `''` when none) goes in front of a `loginUrl` given as a path.
 */
export function resolveVerificationOptions(
  o: VerificationOptions | undefined,
  hashSecret: string | undefined,
  fail: (m: string) => never,
  issuerPath = '',
  issuerOrigin?: string,
): ResolvedVerificationOptions {
  const v = o ?? {};
  const loginUrl = pageUrl('verification.loginUrl', v.loginUrl ?? '/login', issuerPath, fail);
  const logoutUrl =
    v.logoutUrl === undefined
      ? null
      : pageUrl('verification.logoutUrl', v.logoutUrl, issuerPath, fail);
  // The sign-out form posts a path on this server back, and needs the session's (SameSite) cookie and a
  // same-origin request, which a form sent to another site has neither of.
  if (
    logoutUrl !== null &&
    /^https?:/.test(logoutUrl) &&
    new URL(logoutUrl).origin !== issuerOrigin
  )
    fail(
      `verification.logoutUrl must be on the issuer's origin (a path, or a URL on ${issuerOrigin ?? 'it'}), got ${logoutUrl}`,
    );
  const returnToParameter = v.returnToParameter ?? 'return_to';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(returnToParameter))
    fail('verification.returnToParameter must be 1-64 letters, digits, _ . or -');
  const cookieName = v.cookieName ?? 'device_flow_session';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cookieName))
    fail('verification.cookieName must be 1-64 letters, digits, _ or -');
  if (v.sessionSecret !== undefined && v.sessionSecret.length < 32)
    fail('verification.sessionSecret must be at least 32 characters');
  const sessionTtl = v.sessionTtl ?? 3600;
  if (!Number.isInteger(sessionTtl) || sessionTtl < 60)
    fail('verification.sessionTtl must be a whole number of seconds, at least 60');
  return {
    loginUrl,
    logoutUrl,
    returnToParameter,
    sessionKey: sessionKey(v.sessionSecret, hashSecret),
    cookieName,
    sessionTtlMs: sessionTtl * 1000,
    perIp: rateLimit('verification.perIp', v.perIp, DEFAULT_VERIFICATION_LIMITS.perIp, fail),
    perSession: rateLimit(
      'verification.perSession',
      v.perSession,
      DEFAULT_VERIFICATION_LIMITS.perSession,
      fail,
    ),
    perUser: rateLimit(
      'verification.perUser',
      v.perUser,
      DEFAULT_VERIFICATION_LIMITS.perUser,
      fail,
    ),
    global: rateLimit('verification.global', v.global, DEFAULT_VERIFICATION_LIMITS.global, fail),
  };
}

/**
 * A page the verification flow sends browsers to (sign-in, sign-out): a path on this server (the issuer's path
 * goes in front) or an absolute http(s) URL; never protocol-relative (`//host`), never another scheme.
 */
function pageUrl(
  name: string,
  url: unknown,
  issuerPath: string,
  fail: (m: string) => never,
): string {
  if (typeof url !== 'string' || !/^(\/(?![/\\])|https?:\/\/)/.test(url))
    fail(`${name} must be a path starting with / or an http(s) URL, got ${String(url)}`);
  if (/[\s\\]/.test(url) || (!url.startsWith('/') && !URL.canParse(url)))
    fail(`${name} is not a valid URL: ${url}`);
  // Its origin goes into the pages' CSP (form-action): a host must be a plain DNS name or IP address.
  if (
    !url.startsWith('/') &&
    !/^([a-z0-9-]+\.)*[a-z0-9-]+$|^\[[0-9a-f:.]+\]$/.test(new URL(url).hostname)
  )
    fail(`${name} has a host that is not a DNS name or IP address: ${url}`);
  return url.startsWith('/') ? issuerPath + url : url;
}

/** Validates a {@link RateLimit}, or returns the default. */
export function rateLimit(
  name: string,
  value: RateLimit | undefined,
  fallback: RateLimit,
  fail: (m: string) => never,
): RateLimit {
  const r = value ?? fallback;
  if (
    !Number.isInteger(r.limit) ||
    r.limit < 1 ||
    !Number.isInteger(r.windowSeconds) ||
    r.windowSeconds < 1
  )
    fail(`${name} needs a whole positive limit and windowSeconds`);
  return { limit: r.limit, windowSeconds: r.windowSeconds };
}

/**
 * The path of the verification page on this server: the path of `verificationUri` when it is on the issuer's
 * origin, relative to the issuer's own path if any (the path the page is mounted at, under the host's global
 * prefix or behind a proxy that strips the issuer's path); null when it points at another host, whose page the
 * integrator serves.
 */
export function verificationPath(issuer: string, verificationUri = '/device'): string | null {
  if (verificationUri.startsWith('/'))
    return verificationUri.replace(/[?#].*$/, '').replace(/(.)\/+$/, '$1');
  const i = new URL(issuer);
  const v = new URL(verificationUri);
  if (v.origin !== i.origin) return null;
  const base = i.pathname.replace(/\/+$/, '');
  const path =
    base && v.pathname.startsWith(base + '/') ? v.pathname.slice(base.length) : v.pathname;
  return path.replace(/\/+$/, '') || '/';
}

/**
 * Why users following `verificationUri` would not find the page mounted at `mountedAt`, or null when they will:
 * the URI is on the issuer's origin but at another path (`forRootAsync` mounts at `/device` unless told, whatever
 * its factory's `verificationUri`; `verificationPath` may differ from it). A warning, not an error: the host may
 * serve or redirect that path itself (a short vanity URL, say).
 */
export function verificationPageMismatch(
  issuer: string,
  verificationUri: string,
  mountedAt: string,
): string | null {
  const advertised = verificationPath(issuer, verificationUri);
  if (advertised === null || normalizePath(advertised) === normalizePath(mountedAt)) return null;
  return (
    `verificationUri ${verificationUri} is not where the verification page is mounted (${mountedAt}): unless ` +
    `your app serves or redirects ${advertised}, users sent there find nothing — set verificationPath to ` +
    `${advertised}, or verificationUri to the page's path`
  );
}

function sessionKey(secret: string | undefined, hashSecret: string | undefined): Buffer {
  if (secret) return Buffer.from(secret, 'utf8');
  if (hashSecret)
    return createHmac('sha256', hashSecret)
      .update('nest-device-flow/verification-session')
      .digest();
  new Logger('DeviceFlow').warn(
    'verification: no sessionSecret or hashSecret; using a random session key per process ' +
      '(sessions end on restart and are not shared between instances)',
  );
  return randomBytes(32);
}
