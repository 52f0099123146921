import { Controller, HttpCode, Inject, Post, Req, Res, UseFilters } from '@nestjs/common';
import {
  CLIENT_AUTHENTICATION_PARAMETERS,
  ClientAuthenticator,
} from '../clients/client-authenticator.js';
import { UnauthorizedClientError, UnsupportedGrantTypeError } from '../errors/oauth.errors.js';
import { OAuthExceptionFilter } from '../errors/oauth-exception.filter.js';
import { DeviceFlowApiTag, TokenDocs } from '../openapi/api-docs.js';
import { CorsHeaders } from '../http/cors-headers.js';
import { parseForm } from '../http/form-body.parser.js';
import type { HttpRequest, HttpResponse } from '../http/http-exchange.js';
import { PostOnlyEndpoint } from '../http/method-not-allowed.js';
import { setNoStore } from '../http/no-store.js';
import { DeviceCodeGrant } from './device-code.grant.js';
import { RefreshTokenGrant } from './refresh-token.grant.js';
import type { TokenGrant } from './token-grant.js';
import type { TokenResponse } from './token-response.js';

/**
 * What the token requests of the supported grants carry. @see RFC 8628 §3.4 (device code), RFC 6749 §6 (refresh)
 */
const PARAMETERS = [
  ...CLIENT_AUTHENTICATION_PARAMETERS,
  'grant_type',
  'device_code',
  'refresh_token',
  'scope',
];

/**
 * Token endpoint: parse, authenticate the client, dispatch on `grant_type`.
 *
 * @see RFC 6749 §3.2, §5; RFC 8628 §3.4
 */
@Controller()
@DeviceFlowApiTag()
@UseFilters(OAuthExceptionFilter)
export class TokenController extends PostOnlyEndpoint {
  private readonly grants: ReadonlyMap<string, TokenGrant>;

  constructor(
    @Inject(ClientAuthenticator) private readonly clients: ClientAuthenticator,
    @Inject(CorsHeaders) private readonly cors: CorsHeaders,
    @Inject(DeviceCodeGrant) deviceCode: DeviceCodeGrant,
    @Inject(RefreshTokenGrant) refreshToken: RefreshTokenGrant,
  ) {
    super();
    this.grants = new Map([deviceCode, refreshToken].map((g) => [g.grantType, g]));
  }

  @TokenDocs()
  @Post()
  @HttpCode(200)
  async token(
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<TokenResponse> {
    setNoStore(res);
    const form = await parseForm(req, { recognised: PARAMETERS });
    const grantType = form.require('grant_type');
    const client = await this.clients.authenticate(req, form);
    await this.cors.apply(req, res, client);
    const grant = this.grants.get(grantType);
    if (!grant) throw new UnsupportedGrantTypeError('grant_type is not supported');
    if (!client.grantTypes.includes(grantType)) {
      throw new UnauthorizedClientError('client is not allowed this grant type');
    }
    return grant.handle(client, form);
  }
}
