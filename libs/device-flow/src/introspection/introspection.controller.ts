import { All, Controller, HttpCode, Inject, Post, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ClientAuthenticator } from '../clients/client-authenticator.js';
import { MethodNotAllowedError } from '../errors/oauth.errors.js';
import { OAuthExceptionFilter } from '../errors/oauth-exception.filter.js';
import { DeviceFlowApiTag, IntrospectionDocs, WrongMethodDocs } from '../openapi/api-docs.js';
import { parseForm } from '../http/form-body.parser.js';
import { setNoStore } from '../http/no-store.js';
import type { IntrospectionResponse } from './introspection-response.js';
import { IntrospectionService } from './introspection.service.js';

/**
 * Token introspection endpoint: parse, authenticate the client, answer.
 *
 * @see RFC 7662 §2.1 (request), §2.2 (response), §2.3 (errors)
 */
@Controller()
@DeviceFlowApiTag()
@UseFilters(OAuthExceptionFilter)
export class IntrospectionController {
  constructor(
    @Inject(ClientAuthenticator) private readonly clients: ClientAuthenticator,
    @Inject(IntrospectionService) private readonly service: IntrospectionService,
  ) {}

  @IntrospectionDocs()
  @Post()
  @HttpCode(200)
  async introspect(
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<IntrospectionResponse> {
    setNoStore(res);
    const form = await parseForm(req);
    const client = await this.clients.authenticate(req, form);
    return this.service.introspect(client, form.require('token'), form.get('token_type_hint'));
  }

  @All()
  @WrongMethodDocs()
  wrongMethod(): never {
    throw new MethodNotAllowedError('POST');
  }
}
