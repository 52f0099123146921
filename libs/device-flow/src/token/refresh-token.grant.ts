import { Inject, Injectable } from '@nestjs/common';
import { type ClientRecord, REFRESH_TOKEN_GRANT_TYPE } from '../clients/client.repository.js';
import type { FormParams } from '../http/form-body.parser.js';
import type { TokenGrant } from './token-grant.js';
import type { TokenResponse } from './token-response.js';
import { TokenService } from './token.service.js';

/**
 * `grant_type=refresh_token`, with rotation: each refresh token works once.
 *
 * @see RFC 6749 §6; RFC 9700 §4.14.2
 */
@Injectable()
export class RefreshTokenGrant implements TokenGrant {
  readonly grantType = REFRESH_TOKEN_GRANT_TYPE;

  constructor(@Inject(TokenService) private readonly tokens: TokenService) {}

  handle(client: ClientRecord, form: FormParams): Promise<TokenResponse> {
    return this.tokens.refresh(client, form.require('refresh_token'), form.get('scope'));
  }
}
