import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../clock/clock.js';
import {
  ALL_CLIENTS,
  type KillSwitchRecord,
  KillSwitchRepository,
} from '../persistence/kill-switch.repository.js';

/**
 * How long a kill switch lookup is reused for the hot paths (device authorization, pending polls, showing the
 * consent page), ms. Engaging or releasing the switch through this process clears the cache at once; another
 * instance sees the change within this time.
 */
export const KILL_SWITCH_CACHE_MS = 1000;

/** Clients whose lookups are kept at most; beyond, the cache starts over (bounded memory). */
const MAX_CACHED_CLIENTS = 10_000;

/**
 * Reads the admin kill switch: whether the device grant is disabled for a client (or for all). Checked on
 * every device authorization request, poll and user decision. Changing it is
 * {@link DeviceManagementService.disableDeviceGrant}'s job.
 */
@Injectable()
export class DeviceGrantKillSwitch {
  /** Recent lookups per client: engaged or not, and until when (clock ms) the answer is reused. */
  private readonly seen = new Map<string, { engaged: boolean; until: number }>();

  constructor(
    @Inject(KillSwitchRepository) private readonly switches: KillSwitchRepository,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** The engaged switch covering `clientId` (its own or the global one), or null. Always read from storage. */
  engagedFor(clientId: string): Promise<KillSwitchRecord | null> {
    return this.switches.findAny([clientId, ALL_CLIENTS]);
  }

  /**
   * Whether a switch covers `clientId`, looked up at most once per client every {@link KILL_SWITCH_CACHE_MS}:
   * for the paths that must stay one database statement. Decisions that change state (approval, redemption,
   * refresh) use {@link engagedFor}.
   */
  async recentlyEngaged(clientId: string): Promise<boolean> {
    const now = this.clock.now();
    const seen = this.seen.get(clientId);
    if (seen !== undefined && seen.until > now) return seen.engaged;
    const engaged = (await this.engagedFor(clientId)) !== null;
    if (this.seen.size >= MAX_CACHED_CLIENTS) this.seen.clear();
    this.seen.set(clientId, { engaged, until: now + KILL_SWITCH_CACHE_MS });
    return engaged;
  }

  /** Drops every cached lookup: called when this process engages or releases a switch. */
  forget(): void {
    this.seen.clear();
  }
}
