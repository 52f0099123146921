import { Controller, Get, Inject, Res, UseFilters } from '@nestjs/common';
import { OAuthExceptionFilter } from '../errors/oauth-exception.filter.js';
import type { HttpResponse } from '../http/http-exchange.js';
import { GetOnlyEndpoint } from '../http/method-not-allowed.js';
import { DeviceFlowApiTag, MetadataDocs } from '../openapi/api-docs.js';
import { AuthorizationServerMetadata } from './authorization-server-metadata.js';

/**
 * Authorization server metadata at `routes.metadata`, relative to the issuer's path like every route: for an
 * issuer with a path (`https://example.com/auth`) that is `/auth/.well-known/oauth-authorization-server`, where
 * many clients look too; {@link WellKnownMetadataRoute} serves the RFC 8414 §3.1 location.
 *
 * @see RFC 8414 §3
 */
@Controller()
@DeviceFlowApiTag()
@UseFilters(OAuthExceptionFilter)
export class MetadataController extends GetOnlyEndpoint {
  constructor(
    @Inject(AuthorizationServerMetadata) private readonly metadata: AuthorizationServerMetadata,
  ) {
    super();
  }

  @MetadataDocs()
  @Get()
  get(@Res({ passthrough: true }) res: HttpResponse): Readonly<Record<string, unknown>> {
    this.metadata.setHeaders(res);
    return this.metadata.document;
  }
}
