import { Controller, HttpCode, Inject, Post, Req, Res, UseFilters } from '@nestjs/common';
import {
  CLIENT_AUTHENTICATION_PARAMETERS,
  ClientAuthenticator,
} from '../clients/client-authenticator.js';
import { OAuthExceptionFilter } from '../errors/oauth-exception.filter.js';
import { DeviceFlowApiTag, DeviceAuthorizationDocs } from '../openapi/api-docs.js';
import { CorsHeaders } from '../http/cors-headers.js';
import { parseForm } from '../http/form-body.parser.js';
import type { HttpRequest, HttpResponse } from '../http/http-exchange.js';
import { PostOnlyEndpoint } from '../http/method-not-allowed.js';
import { setNoStore } from '../http/no-store.js';
import { requestOrigin } from '../http/request-origin.js';
import type { DeviceAuthorizationResponse } from './device-authorization-response.js';
import { DeviceAuthorizationService } from './device-authorization.service.js';
import { IssuanceLimit } from './issuance-limit.js';

/** What the device sends. @see RFC 8628 §3.1 */
const PARAMETERS = [...CLIENT_AUTHENTICATION_PARAMETERS, 'scope'];

/**
 * Device authorization endpoint: parse, authenticate the client, check the request, count it against the
 * issuance limit, issue codes. Only a request that passed every check spends the budget: a client sending
 * bad requests (an unknown scope, while disabled) is told why, not locked out of the good ones; a request the
 * server failed to issue codes for gives its count back.
 *
 * @see RFC 8628 §3.1 (request), §3.2 (response)
 */
@Controller()
@DeviceFlowApiTag()
@UseFilters(OAuthExceptionFilter)
export class DeviceAuthorizationController extends PostOnlyEndpoint {
  constructor(
    @Inject(ClientAuthenticator) private readonly clients: ClientAuthenticator,
    @Inject(CorsHeaders) private readonly cors: CorsHeaders,
    @Inject(DeviceAuthorizationService) private readonly service: DeviceAuthorizationService,
    @Inject(IssuanceLimit) private readonly limit: IssuanceLimit,
  ) {
    super();
  }

  @DeviceAuthorizationDocs()
  @Post()
  @HttpCode(200)
  async authorize(
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<DeviceAuthorizationResponse> {
    setNoStore(res);
    const form = await parseForm(req, { recognised: PARAMETERS });
    const client = await this.clients.authenticate(req, form);
    await this.cors.apply(req, res, client);
    const origin = requestOrigin(req);
    const scopes = await this.service.check(client, form.get('scope'));
    await this.limit.consume(client.clientId, origin.ip);
    try {
      return await this.service.issue(client, scopes, origin);
    } catch (e) {
      await this.limit.giveBack(client.clientId, origin.ip);
      throw e;
    }
  }
}
