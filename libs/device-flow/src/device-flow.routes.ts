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

/** Fills in defaults and checks each path. */
export function resolveRoutes(routes: Partial<DeviceFlowRoutes> | undefined): DeviceFlowRoutes {
  const out = { ...DEFAULT_ROUTES, ...routes };
  for (const [name, path] of Object.entries(out)) {
    if (typeof path !== 'string' || !/^\/[A-Za-z0-9._~\-/]*$/.test(path)) {
      throw new Error(
        `DeviceFlowModule: routes.${name} must be a path like /oauth/token, got ${String(path)}`,
      );
    }
  }
  return out;
}
