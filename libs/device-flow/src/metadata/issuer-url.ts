import { DEFAULT_ROUTES } from '../device-flow.routes.js';

/**
 * The issuer URL without any trailing slash: every endpoint URL is this plus a route path, so an issuer
 * configured as `https://auth.example.com/` still gives `https://auth.example.com/oauth/token`, never `//`.
 * The issuer identifier itself (metadata `issuer`, JWT `iss`) stays exactly as configured (RFC 8414 §3.3).
 */
export function issuerBaseUrl(issuer: string): string {
  return issuer.replace(/\/+$/, '');
}

/**
 * The path of an issuer identifier without its trailing slash: `''` for `https://auth.example.com(/)`,
 * `/auth` for `https://auth.example.com/auth(/)`. The module's routes, the verification page and every link and
 * redirect it emits live under this path, so the host serves the module there: a global prefix
 * (`app.setGlobalPrefix(issuerPath(issuer))`) or a reverse proxy that strips it.
 *
 * @see RFC 8414 §2 (an issuer may have a path), §3.1 (any terminating `/` removed)
 */
export function issuerPath(issuer: string): string {
  return new URL(issuerBaseUrl(issuer)).pathname.replace(/\/+$/, '');
}

/**
 * Where a client fetches the issuer's metadata: the well-known URI inserted between the host and the issuer's
 * path, so `https://auth.example.com/auth` → `https://auth.example.com/.well-known/oauth-authorization-server/auth`
 * (and `https://auth.example.com` → `https://auth.example.com/.well-known/oauth-authorization-server`).
 *
 * @see RFC 8414 §3.1
 */
export function issuerMetadataUrl(issuer: string, wellKnown = DEFAULT_ROUTES.metadata): string {
  return new URL(issuerBaseUrl(issuer)).origin + wellKnown + issuerPath(issuer);
}
