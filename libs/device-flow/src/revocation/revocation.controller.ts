import { All, Controller, HttpCode, Inject, Post, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ClientAuthenticator } from '../clients/client-authenticator.js';
import { MethodNotAllowedError } from '../errors/oauth.errors.js';
import { OAuthExceptionFilter } from '../errors/oauth-exception.filter.js';
import { DeviceFlowApiTag, RevocationDocs, WrongMethodDocs } from '../openapi/api-docs.js';
import { parseForm } from '../http/form-body.parser.js';
import { setNoStore } from '../http/no-store.js';
import { RevocationService } from './revocation.service.js';

/**
 * Token revocation endpoint: parse, authenticate the client, revoke. Answers 200 with an empty body whether
 * or not the token was known (RFC 7009 §2.2).
 *
 * @see RFC 7009 §2.1, §2.2
 */
@Controller()
@DeviceFlowApiTag()
@UseFilters(OAuthExceptionFilter)
export class RevocationController {
  constructor(
    @Inject(ClientAuthenticator) private readonly clients: ClientAuthenticator,
    @Inject(RevocationService) private readonly service: RevocationService,
  ) {}

  @RevocationDocs()
  @Post()
  @HttpCode(200)
  async revoke(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    setNoStore(res);
    const form = await parseForm(req);
    const client = await this.clients.authenticate(req, form);
    await this.service.revoke(client, form.require('token'), form.get('token_type_hint'));
  }

  @All()
  @WrongMethodDocs()
  wrongMethod(): never {
    throw new MethodNotAllowedError('POST');
  }
}
