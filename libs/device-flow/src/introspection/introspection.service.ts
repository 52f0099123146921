import { Inject, Injectable } from '@nestjs/common';
import type { ClientRecord } from '../clients/client.repository.js';
import { DEVICE_FLOW_OPTIONS } from '../device-flow.constants.js';
import type { ResolvedDeviceFlowOptions } from '../device-flow.options.js';
import { TokenLookup } from '../token/token-lookup.js';
import type { IntrospectionResponse } from './introspection-response.js';

/**
 * Answers token introspection for an authenticated client. A client sees only its own tokens unless it is
 * listed in `privilegedClients` (a resource server); for anything else the answer is `active: false`, the
 * same as for a revoked, expired or unknown token, so the endpoint reveals nothing about other clients.
 *
 * @see RFC 7662 §2.2, §4 (privacy)
 */
@Injectable()
export class IntrospectionService {
  constructor(
    @Inject(DEVICE_FLOW_OPTIONS) private readonly options: ResolvedDeviceFlowOptions,
    @Inject(TokenLookup) private readonly lookup: TokenLookup,
  ) {}

  async introspect(
    client: ClientRecord,
    token: string,
    hint: string | undefined,
  ): Promise<IntrospectionResponse> {
    const record = await this.lookup.activeToken(token, hint);
    if (!record) return { active: false };
    if (
      record.clientId !== client.clientId &&
      !this.options.privilegedClients.includes(client.clientId)
    )
      return { active: false };
    const jwt = record.kind === 'access' ? this.options.jwt : null;
    return {
      active: true,
      ...(record.scope ? { scope: record.scope } : {}),
      client_id: record.clientId,
      sub: record.subject,
      ...(record.kind === 'access' ? { token_type: 'Bearer' } : {}),
      exp: Math.floor(record.expiresAt / 1000),
      iat: Math.floor(record.createdAt / 1000),
      iss: this.options.issuerIdentifier,
      ...(jwt ? { aud: jwt.audience.length === 1 ? jwt.audience[0] : jwt.audience } : {}),
    };
  }
}
