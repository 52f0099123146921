import { Inject, Injectable } from '@nestjs/common';
import { type ClientRecord, DEVICE_CODE_GRANT_TYPE } from '../clients/client.repository.js';
import { DeviceGrantService } from '../grant/device-grant.service.js';
import type { FormParams } from '../http/form-body.parser.js';
import type { TokenGrant } from './token-grant.js';
import type { TokenResponse } from './token-response.js';

/**
 * `grant_type=urn:ietf:params:oauth:grant-type:device_code`: the device polls with its `device_code`.
 *
 * @see RFC 8628 §3.4 (request), §3.5 (response)
 */
@Injectable()
export class DeviceCodeGrant implements TokenGrant {
  readonly grantType = DEVICE_CODE_GRANT_TYPE;

  constructor(@Inject(DeviceGrantService) private readonly grants: DeviceGrantService) {}

  handle(client: ClientRecord, form: FormParams): Promise<TokenResponse> {
    return this.grants.poll(client, form.require('device_code'));
  }
}
