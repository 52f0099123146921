import { Controller, HttpCode, Inject, Post, Req, Res, UseFilters } from '@nestjs/common';
import {
  CLIENT_AUTHENTICATION_PARAMETERS,
  ClientAuthenticator,
} from '../clients/client-authenticator.js';
import { OAuthExceptionFilter } from '../errors/oauth-exception.filter.js';
import { DeviceFlowApiTag, IntrospectionDocs } from '../openapi/api-docs.js';
import { CorsHeaders } from '../http/cors-headers.js';
import { parseForm } from '../http/form-body.parser.js';
import type { HttpRequest, HttpResponse } from '../http/http-exchange.js';
import { PostOnlyEndpoint } from '../http/method-not-allowed.js';
import { setNoStore } from '../http/no-store.js';
import type { IntrospectionResponse } from './introspection-response.js';
import { IntrospectionService } from './introspection.service.js';

/** What an introspection request carries. @see RFC 7662 §2.1 */
const PARAMETERS = [...CLIENT_AUTHENTICATION_PARAMETERS, 'token', 'token_type_hint'];

/**
 * Token introspection endpoint: parse, authenticate the client, answer.
 *
 * @see RFC 7662 §2.1 (request), §2.2 (response), §2.3 (errors)
 */
@Controller()
@DeviceFlowApiTag()
@UseFilters(OAuthExceptionFilter)
export class IntrospectionController extends PostOnlyEndpoint {
  constructor(
    @Inject(ClientAuthenticator) private readonly clients: ClientAuthenticator,
    @Inject(CorsHeaders) private readonly cors: CorsHeaders,
    @Inject(IntrospectionService) private readonly service: IntrospectionService,
  ) {
    super();
  }

  @IntrospectionDocs()
  @Post()
  @HttpCode(200)
  async introspect(
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<IntrospectionResponse> {
    setNoStore(res);
    const form = await parseForm(req, { recognised: PARAMETERS });
    const client = await this.clients.authenticate(req, form);
    await this.cors.apply(req, res, client);
    return this.service.introspect(client, form.require('token'), form.get('token_type_hint'));
  }
}
