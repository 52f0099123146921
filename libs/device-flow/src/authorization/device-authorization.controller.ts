import { All, Controller, HttpCode, Inject, Post, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ClientAuthenticator } from '../clients/client-authenticator.js';
import { MethodNotAllowedError } from '../errors/oauth.errors.js';
import { OAuthExceptionFilter } from '../errors/oauth-exception.filter.js';
import { DeviceFlowApiTag, DeviceAuthorizationDocs, WrongMethodDocs } from '../openapi/api-docs.js';
import { parseForm } from '../http/form-body.parser.js';
import { setNoStore } from '../http/no-store.js';
import { requestOrigin } from '../http/request-origin.js';
import type { DeviceAuthorizationResponse } from './device-authorization-response.js';
import { DeviceAuthorizationService } from './device-authorization.service.js';
import { IssuanceLimit } from './issuance-limit.js';

/**
 * Device authorization endpoint: parse, authenticate the client, issue codes.
 *
 * @see RFC 8628 §3.1 (request), §3.2 (response)
 */
@Controller()
@DeviceFlowApiTag()
@UseFilters(OAuthExceptionFilter)
export class DeviceAuthorizationController {
  constructor(
    @Inject(ClientAuthenticator) private readonly clients: ClientAuthenticator,
    @Inject(DeviceAuthorizationService) private readonly service: DeviceAuthorizationService,
    @Inject(IssuanceLimit) private readonly limit: IssuanceLimit,
  ) {}

  @DeviceAuthorizationDocs()
  @Post()
  @HttpCode(200)
  async authorize(
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<DeviceAuthorizationResponse> {
    setNoStore(res);
    const form = await parseForm(req);
    const client = await this.clients.authenticate(req, form);
    const origin = requestOrigin(req);
    await this.limit.consume(client.clientId, origin.ip);
    return this.service.authorize(client, form.get('scope'), origin);
  }

  @All()
  @WrongMethodDocs()
  wrongMethod(): never {
    throw new MethodNotAllowedError('POST');
  }
}
