import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../clock/clock.js';
import { ClientRepository } from '../clients/client.repository.js';
import { DeviceFlowEvents } from '../events/device-flow-events.js';
import { parseScope } from '../grant/scope.js';
import { visibleText } from '../verification/html.js';
import { DeviceGrantKillSwitch } from './kill-switch.js';
import {
  type DeviceGrantRecord,
  DeviceGrantRepository,
} from '../persistence/device-grant.repository.js';
import {
  ALL_CLIENTS,
  type KillSwitchRecord,
  KillSwitchRepository,
} from '../persistence/kill-switch.repository.js';
import { TokenRepository } from '../persistence/token.repository.js';

/** A device a user authorised, as shown on a "your devices" page. Times are ms since the epoch. */
export interface AuthorizedDevice {
  /** The grant id: pass it to {@link DeviceManagementService.removeDevice}. */
  grantId: string;
  clientId: string;
  /** The client's display name, without invisible characters (its id when the client is gone or nameless). */
  clientName: string;
  scopes: string[];
  /** When the device asked, when the user approved, when it first and last collected tokens. */
  requestedAt: number;
  approvedAt: number | null;
  authorizedAt: number;
  lastUsedAt: number;
  /** When its authorisation lapses unless it refreshes again. */
  expiresAt: number;
  /** Where the device's request came from (RFC 8628 §5.4). */
  ip: string | null;
  /** What the device said it is (its `User-Agent`, unverified), without characters that reorder or hide text. */
  userAgent: string | null;
}

/** Options of {@link DeviceManagementService.disableDeviceGrant}. */
export interface DisableDeviceGrantOptions {
  /** Free text kept with the switch (e.g. an incident number). */
  reason?: string;
  /** Also revoke every live grant (access and refresh tokens) of the client(s). Default false. */
  revokeTokens?: boolean;
}

/**
 * Device management: the devices a user authorised, removing one, and the admin kill switch.
 *
 * Removing a device revokes its grant: every access token (opaque or JWT, by its stored `jti`) and refresh
 * token of it is rejected at once by the bearer guard, introspection and the token endpoint.
 *
 * The kill switch (for one client or all) makes new device authorization requests fail with
 * `unauthorized_client`; pending and approved-but-uncollected codes of the client die too, for good: while the
 * switch is engaged their polls answer `unauthorized_client`, once it is released `expired_token` (RFC 8628
 * §3.5: the session has concluded, the device may start over), and neither the verification page nor
 * {@link DeviceGrantService.approve} can approve them. Releasing the switch lets the client start new device
 * authorizations only. Tokens already issued keep working unless `revokeTokens` is given, because a switch
 * meant to stop a phishing wave should not by default log out every legitimate device — but after a confirmed
 * compromise, pass `revokeTokens: true`.
 *
 * @see RFC 7009 §2.1 (revoking a grant's tokens together); RFC 8628 §5.4
 */
@Injectable()
export class DeviceManagementService {
  constructor(
    @Inject(DeviceGrantRepository) private readonly grants: DeviceGrantRepository,
    @Inject(TokenRepository) private readonly tokens: TokenRepository,
    @Inject(KillSwitchRepository) private readonly switches: KillSwitchRepository,
    @Inject(ClientRepository) private readonly clients: ClientRepository,
    @Inject(DeviceFlowEvents) private readonly events: DeviceFlowEvents,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(DeviceGrantKillSwitch) private readonly killSwitch: DeviceGrantKillSwitch,
  ) {}

  /** The devices `subject` has authorised and not removed, whose tokens have not lapsed, newest first. */
  async listDevices(subject: string): Promise<AuthorizedDevice[]> {
    const grants = await this.grants.findActiveBySubject(subject, this.clock.now());
    const names = new Map<string, string>();
    for (const id of new Set(grants.map((g) => g.clientId))) {
      // As the consent page shows it: the user tells devices apart by it.
      names.set(id, visibleText((await this.clients.findById(id))?.displayName ?? '') || id);
    }
    return grants.map((g) => toDevice(g, names.get(g.clientId) ?? g.clientId));
  }

  /**
   * Removes one of `subject`'s devices: its access and refresh tokens stop working at once. Returns false
   * when the grant is unknown, another user's, or already removed.
   */
  async removeDevice(subject: string, grantId: string): Promise<boolean> {
    const grant = await this.grants.findById(grantId);
    if (!grant || grant.subject !== subject) return false;
    return this.revokeGrant(grant, 'device_removed');
  }

  /**
   * The admin kill switch: disables the device grant for `clientId`, or for every client when it is null.
   * Returns how many grants were revoked (0 unless `revokeTokens`).
   */
  async disableDeviceGrant(
    clientId: string | null,
    options: DisableDeviceGrantOptions = {},
  ): Promise<number> {
    const now = this.clock.now();
    const target = clientId ?? ALL_CLIENTS;
    await this.switches.engage({ target, disabledAt: now, reason: options.reason ?? null });
    this.killSwitch.forget();
    let revoked = 0;
    if (options.revokeTokens) {
      for (const grant of await this.grants.findActiveByClient(clientId)) {
        if (await this.revokeGrant(grant, 'kill_switch')) revoked++;
      }
    }
    this.events.emit({
      type: 'kill_switch.changed',
      at: now,
      clientId: target,
      disabled: true,
      revokedGrants: revoked,
    });
    return revoked;
  }

  /**
   * Releases the kill switch for `clientId` (or the global one when null). The global switch and a
   * client's own switch are separate: releasing one leaves the other. Returns whether one was engaged.
   * The release time is kept: device codes issued until now stay dead, only new device authorizations work.
   */
  async enableDeviceGrant(clientId: string | null): Promise<boolean> {
    const target = clientId ?? ALL_CLIENTS;
    const now = this.clock.now();
    const released = await this.switches.release(target, now);
    this.killSwitch.forget();
    if (released) {
      this.events.emit({
        type: 'kill_switch.changed',
        at: now,
        clientId: target,
        disabled: false,
        revokedGrants: 0,
      });
    }
    return released;
  }

  /** Every engaged kill switch (`target` is a client id or `*`). */
  listKillSwitches(): Promise<KillSwitchRecord[]> {
    return this.switches.list();
  }

  private async revokeGrant(
    grant: DeviceGrantRecord,
    reason: 'device_removed' | 'kill_switch',
  ): Promise<boolean> {
    const now = this.clock.now();
    // Mark first, then revoke: a refresh racing with this either sees the mark (TokenService.issue checks it
    // after saving) or saved its tokens before the revocation below, which then kills them. The tokens are
    // revoked even when the mark was already there, so retrying after a failure finishes the job.
    const applied = await this.grants.revoke(grant.id, now);
    await this.tokens.revokeGrant(grant.id, now);
    if (applied) {
      this.events.emit({
        type: 'token.revoked',
        at: now,
        clientId: grant.clientId,
        grantId: grant.id,
        subject: grant.subject,
        what: 'grant',
        reason,
      });
    }
    return applied;
  }
}

function toDevice(g: DeviceGrantRecord, clientName: string): AuthorizedDevice {
  return {
    grantId: g.id,
    clientId: g.clientId,
    clientName,
    scopes: parseScope(g.scope || undefined),
    requestedAt: g.requestedAt,
    approvedAt: g.approvedAt,
    authorizedAt: g.createdAt,
    lastUsedAt: g.lastUsedAt,
    expiresAt: g.expiresAt,
    ip: g.requestIp,
    // The device chose it: shown without what would reorder or hide its text, as on the consent page.
    userAgent: g.requestUserAgent === null ? null : visibleText(g.requestUserAgent) || null,
  };
}
