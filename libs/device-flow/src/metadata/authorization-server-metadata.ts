import { allowAnyOrigin } from '../http/cors-headers.js';
import { Inject, Injectable } from '@nestjs/common';
import { DEVICE_CODE_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE } from '../clients/client.repository.js';
import { DEVICE_FLOW_OPTIONS, DEVICE_FLOW_ROUTES } from '../device-flow.constants.js';
import type { ResolvedDeviceFlowOptions } from '../device-flow.options.js';
import type { DeviceFlowRoutes } from '../device-flow.routes.js';
import type { HttpResponse } from '../http/http-exchange.js';

/** Client authentication methods of every endpoint that authenticates clients. @see RFC 8414 §2 */
const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'];

/**
 * The authorization server metadata document, built once at start-up, and how it is sent. `issuer` is the
 * issuer identifier exactly as configured (§3.3: identical to the one the client built the metadata URL from);
 * endpoint URLs are the issuer without its trailing slash plus each route.
 *
 * `scopes_supported` is the configured list (by default the static clients' scopes), left out when empty.
 *
 * @see RFC 8414 §2, §3; RFC 8628 §4 (`device_authorization_endpoint`); RFC 7662 §4 and RFC 7009 §3
 * (introspection and revocation endpoints in the metadata, registered by RFC 8414 §7.1.2)
 */
@Injectable()
export class AuthorizationServerMetadata {
  /** The metadata document. */
  readonly document: Readonly<Record<string, unknown>>;

  constructor(
    @Inject(DEVICE_FLOW_OPTIONS) options: ResolvedDeviceFlowOptions,
    @Inject(DEVICE_FLOW_ROUTES) routes: DeviceFlowRoutes,
  ) {
    const url = (route: string) => options.issuer + route;
    this.document = {
      issuer: options.issuerIdentifier,
      device_authorization_endpoint: url(routes.deviceAuthorization),
      token_endpoint: url(routes.token),
      ...(options.jwt ? { jwks_uri: url(routes.jwks) } : {}),
      ...(options.scopesSupported.length ? { scopes_supported: options.scopesSupported } : {}),
      grant_types_supported: [DEVICE_CODE_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE],
      token_endpoint_auth_methods_supported: AUTH_METHODS,
      introspection_endpoint: url(routes.introspection),
      introspection_endpoint_auth_methods_supported: AUTH_METHODS,
      revocation_endpoint: url(routes.revocation),
      revocation_endpoint_auth_methods_supported: AUTH_METHODS,
      response_types_supported: [],
    };
  }

  /** Caching: public, five minutes (the document changes only with the configuration); any origin may read it. */
  setHeaders(res: HttpResponse): void {
    res.header('Cache-Control', 'public, max-age=300');
    allowAnyOrigin(res);
  }
}
