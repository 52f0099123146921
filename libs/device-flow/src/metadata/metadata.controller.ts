import { All, Controller, Get, Inject, Res, UseFilters } from '@nestjs/common';
import type { Response } from 'express';
import { DEVICE_CODE_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE } from '../clients/client.repository.js';
import { DEVICE_FLOW_OPTIONS, DEVICE_FLOW_ROUTES } from '../device-flow.constants.js';
import type { ResolvedDeviceFlowOptions } from '../device-flow.options.js';
import type { DeviceFlowRoutes } from '../device-flow.routes.js';
import { MethodNotAllowedError } from '../errors/oauth.errors.js';
import { OAuthExceptionFilter } from '../errors/oauth-exception.filter.js';
import { DeviceFlowApiTag, MetadataDocs, WrongMethodDocs } from '../openapi/api-docs.js';

/** Client authentication methods of every endpoint that authenticates clients. @see RFC 8414 §2 */
const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'];

/**
 * Authorization server metadata, built once at start-up.
 *
 * @see RFC 8414 §2, §3; RFC 8628 §4 (`device_authorization_endpoint`); RFC 7662 §4 and RFC 7009 §3
 * (introspection and revocation endpoints in the metadata, registered by RFC 8414 §7.1.2)
 */
@Controller()
@DeviceFlowApiTag()
@UseFilters(OAuthExceptionFilter)
export class MetadataController {
  private readonly metadata: Record<string, unknown>;

  constructor(
    @Inject(DEVICE_FLOW_OPTIONS) options: ResolvedDeviceFlowOptions,
    @Inject(DEVICE_FLOW_ROUTES) routes: DeviceFlowRoutes,
  ) {
    this.metadata = {
      issuer: options.issuer,
      device_authorization_endpoint: options.issuer + routes.deviceAuthorization,
      token_endpoint: options.issuer + routes.token,
      ...(options.jwt ? { jwks_uri: options.issuer + routes.jwks } : {}),
      grant_types_supported: [DEVICE_CODE_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE],
      token_endpoint_auth_methods_supported: AUTH_METHODS,
      introspection_endpoint: options.issuer + routes.introspection,
      introspection_endpoint_auth_methods_supported: AUTH_METHODS,
      revocation_endpoint: options.issuer + routes.revocation,
      revocation_endpoint_auth_methods_supported: AUTH_METHODS,
      response_types_supported: [],
    };
  }

  @MetadataDocs()
  @Get()
  get(@Res({ passthrough: true }) res: Response): Record<string, unknown> {
    res.setHeader('Cache-Control', 'public, max-age=300');
    return this.metadata;
  }

  @All()
  @WrongMethodDocs()
  wrongMethod(): never {
    throw new MethodNotAllowedError('GET');
  }
}
