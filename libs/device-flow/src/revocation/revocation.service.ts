import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../clock/clock.js';
import type { ClientRecord } from '../clients/client.repository.js';
import { DEVICE_FLOW_OPTIONS } from '../device-flow.constants.js';
import type { ResolvedDeviceFlowOptions } from '../device-flow.options.js';
import { InvalidRequestError } from '../errors/oauth.errors.js';
import { DeviceFlowEvents } from '../events/device-flow-events.js';
import { DeviceGrantRepository } from '../persistence/device-grant.repository.js';
import { TokenRepository } from '../persistence/token.repository.js';
import { TokenLookup } from '../token/token-lookup.js';
import { TokenService } from '../token/token.service.js';

/**
 * Revokes a token for an authenticated client.
 *
 * - An access token: that token dies (opaque or JWT — the bearer guard and introspection check the stored
 *   `jti`).
 * - A refresh token: the whole grant dies — every access and refresh token of it — and the device leaves the
 *   user's device list (RFC 7009 §2.1: "SHOULD also invalidate all access tokens based on the same
 *   authorization grant").
 * - A refresh token already spent by a rotation (or revoked) but not expired: the whole grant dies, as when it
 *   comes back to the token endpoint (RFC 9700 §4.14.2). A client revoking it believes it is its current
 *   token, so whoever rotated it — a thief, typically — must not keep the tokens that rotation gave.
 * - An unknown or expired token: nothing happens and the answer is still 200 (§2.2).
 * - Another client's token: refused with `invalid_request`, unless the caller is in `privilegedClients`
 *   (§2.1: the server "verifies whether the token was issued to the client making the revocation request").
 *
 * @see RFC 7009 §2
 */
@Injectable()
export class RevocationService {
  constructor(
    @Inject(DEVICE_FLOW_OPTIONS) private readonly options: ResolvedDeviceFlowOptions,
    @Inject(TokenLookup) private readonly lookup: TokenLookup,
    @Inject(TokenRepository) private readonly tokens: TokenRepository,
    @Inject(DeviceGrantRepository) private readonly grants: DeviceGrantRepository,
    @Inject(DeviceFlowEvents) private readonly events: DeviceFlowEvents,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(TokenService) private readonly tokenService: TokenService,
  ) {}

  async revoke(client: ClientRecord, token: string, hint: string | undefined): Promise<void> {
    const record =
      (await this.lookup.activeToken(token, hint)) ?? (await this.lookup.spentRefreshToken(token));
    if (!record) return;
    if (
      record.clientId !== client.clientId &&
      !this.options.privilegedClients.includes(client.clientId)
    )
      throw new InvalidRequestError('the token was not issued to this client');
    const now = this.clock.now();
    if (record.revokedAt !== null) {
      await this.tokenService.revokeReusedGrant(record, now);
      return;
    }
    const whole = record.kind === 'refresh';
    if (whole) {
      await this.grants.revoke(record.grantId, now);
      await this.tokens.revokeGrant(record.grantId, now);
    } else if (!(await this.tokens.revoke(record.id, now))) return;
    this.events.emit({
      type: 'token.revoked',
      at: now,
      clientId: record.clientId,
      grantId: record.grantId,
      subject: record.subject,
      what: whole ? 'grant' : 'token',
      reason: 'revocation_endpoint',
    });
  }
}
