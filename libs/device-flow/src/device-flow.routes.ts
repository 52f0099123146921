import { DeviceFlowConfigurationError } from './device-flow-configuration.error.js';
import { normalizePath } from './http/module-paths.js';

/** Paths of the module's HTTP endpoints. Given synchronously (`forRoot({ routes })`), so they work with
 *  `forRootAsync` too. */
export interface DeviceFlowRoutes {
  /** Device authorization endpoint (RFC 8628 §3.1). Default `/oauth/device_authorization`. */
  deviceAuthorization: string;
  /** Token endpoint (RFC 6749 §3.2). Default `/oauth/token`. */
  token: string;
  /** Authorization server metadata (RFC 8414 §3). Default `/.well-known/oauth-authorization-server`. */
  metadata: string;
  /** Token introspection endpoint (RFC 7662 §2). Default `/oauth/introspect`. */
  introspection: string;
  /** Token revocation endpoint (RFC 7009 §2). Default `/oauth/revoke`. */
  revocation: string;
  /** JSON Web Key Set of the JWT signing keys (RFC 7517 §5). Default `/oauth/jwks`. */
  jwks: string;
  /** SVG QR code of `verification_uri_complete` for a user code (RFC 8628 §3.3.1). Default `/oauth/device_qr`. */
  verificationQr: string;
}

/** The default route paths. */
export const DEFAULT_ROUTES: DeviceFlowRoutes = {
  deviceAuthorization: '/oauth/device_authorization',
  token: '/oauth/token',
  metadata: '/.well-known/oauth-authorization-server',
  introspection: '/oauth/introspect',
  revocation: '/oauth/revoke',
  jwks: '/oauth/jwks',
  verificationQr: '/oauth/device_qr',
};

/**
 * Fills in defaults and checks each path, and that no two routes — nor a route and the verification page
 * (`pagePath`, and its own routes below it: `decision` for POST, any one segment for GET) — are one path: the
 * platforms would serve one of them and silently shadow the other (paths compared as the module matches
 * them, in any letter case and without a trailing slash).
 */
export function resolveRoutes(
  routes: Partial<DeviceFlowRoutes> | undefined,
  pagePath: string | null = null,
): DeviceFlowRoutes {
  const out = { ...DEFAULT_ROUTES, ...routes };
  const seen = new Map<string, string>();
  const page = pagePath === null ? null : normalizePath(pagePath);
  for (const [name, path] of Object.entries(out)) {
    if (typeof path !== 'string' || !/^\/[A-Za-z0-9._~\-/]*$/.test(path)) {
      throw new DeviceFlowConfigurationError(
        `routes.${name} must be a path like /oauth/token, got ${String(path)}`,
      );
    }
    const key = normalizePath(path);
    const twin = seen.get(key);
    if (twin !== undefined)
      throw new DeviceFlowConfigurationError(
        `routes.${name} and routes.${twin} are the same path (${path}): give each endpoint its own`,
      );
    seen.set(key, name);
    if (page !== null && (key === page || shadowsPage(name as keyof DeviceFlowRoutes, key, page)))
      throw new DeviceFlowConfigurationError(
        `routes.${name} (${path}) is ${key === page ? 'the path of' : 'a page of'} the verification page ` +
          `(${pagePath}): move the endpoint, or the page with verificationPath`,
      );
  }
  return out;
}

/** The endpoints served with GET (the others take POST). */
const GET_ROUTES: ReadonlySet<keyof DeviceFlowRoutes> = new Set([
  'metadata',
  'jwks',
  'verificationQr',
]);

/**
 * Whether endpoint `name` at `path` meets one of the page's own routes below `page`: with GET, any path one
 * segment below it (`consent`, `style.css`, the status pages); with POST, `decision`.
 */
function shadowsPage(name: keyof DeviceFlowRoutes, path: string, page: string): boolean {
  const prefix = page === '/' ? '/' : `${page}/`;
  if (!path.startsWith(prefix)) return false;
  const rest = path.slice(prefix.length);
  return GET_ROUTES.has(name) ? !rest.includes('/') : rest === 'decision';
}
