import { allowAnyOrigin } from '../http/cors-headers.js';
import { Controller, Get, Inject, Res, UseFilters } from '@nestjs/common';
import { DEVICE_FLOW_OPTIONS } from '../device-flow.constants.js';
import type { ResolvedDeviceFlowOptions } from '../device-flow.options.js';
import { OAuthExceptionFilter } from '../errors/oauth-exception.filter.js';
import type { HttpResponse } from '../http/http-exchange.js';
import { GetOnlyEndpoint } from '../http/method-not-allowed.js';
import { DeviceFlowApiTag, JwksDocs } from '../openapi/api-docs.js';
import type { JsonWebKeySet } from './jwt-keys.js';

/**
 * The public keys that verify JWT access tokens, advertised as `jwks_uri` in the metadata. Empty when access
 * tokens are opaque. Cached briefly, so a rotated-in key reaches resource servers soon.
 *
 * @see RFC 7517 §5; RFC 8414 §2 (`jwks_uri`); RFC 9068 §4
 */
@Controller()
@DeviceFlowApiTag()
@UseFilters(OAuthExceptionFilter)
export class JwksController extends GetOnlyEndpoint {
  private readonly jwks: JsonWebKeySet;

  constructor(@Inject(DEVICE_FLOW_OPTIONS) options: ResolvedDeviceFlowOptions) {
    super();
    this.jwks = { keys: options.jwt?.keys.map((k) => k.jwk) ?? [] };
  }

  @JwksDocs()
  @Get()
  get(@Res({ passthrough: true }) res: HttpResponse): JsonWebKeySet {
    res.header('Cache-Control', 'public, max-age=300');
    res.header('Content-Type', 'application/jwk-set+json');
    allowAnyOrigin(res);
    return this.jwks;
  }
}
