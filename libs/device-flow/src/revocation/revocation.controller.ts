import { Controller, HttpCode, Inject, Post, Req, Res, UseFilters } from '@nestjs/common';
import {
  CLIENT_AUTHENTICATION_PARAMETERS,
  ClientAuthenticator,
} from '../clients/client-authenticator.js';
import { OAuthExceptionFilter } from '../errors/oauth-exception.filter.js';
import { DeviceFlowApiTag, RevocationDocs } from '../openapi/api-docs.js';
import { CorsHeaders } from '../http/cors-headers.js';
import { parseForm } from '../http/form-body.parser.js';
import type { HttpRequest, HttpResponse } from '../http/http-exchange.js';
import { PostOnlyEndpoint } from '../http/method-not-allowed.js';
import { setNoStore } from '../http/no-store.js';
import { RevocationService } from './revocation.service.js';

/** What a revocation request carries. @see RFC 7009 §2.1 */
const PARAMETERS = [...CLIENT_AUTHENTICATION_PARAMETERS, 'token', 'token_type_hint'];

/**
 * Token revocation endpoint: parse, authenticate the client, revoke. Answers 200 with an empty body whether
 * or not the token was known (RFC 7009 §2.2).
 *
 * @see RFC 7009 §2.1, §2.2
 */
@Controller()
@DeviceFlowApiTag()
@UseFilters(OAuthExceptionFilter)
export class RevocationController extends PostOnlyEndpoint {
  constructor(
    @Inject(ClientAuthenticator) private readonly clients: ClientAuthenticator,
    @Inject(CorsHeaders) private readonly cors: CorsHeaders,
    @Inject(RevocationService) private readonly service: RevocationService,
  ) {
    super();
  }

  @RevocationDocs()
  @Post()
  @HttpCode(200)
  async revoke(
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<void> {
    setNoStore(res);
    const form = await parseForm(req, { recognised: PARAMETERS });
    const client = await this.clients.authenticate(req, form);
    await this.cors.apply(req, res, client);
    await this.service.revoke(client, form.require('token'), form.get('token_type_hint'));
  }
}
