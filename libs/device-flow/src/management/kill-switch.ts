import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../clock/clock.js';
import {
  ALL_CLIENTS,
  type KillSwitchRecord,
  KillSwitchRepository,
  type KillSwitchState,
} from '../persistence/kill-switch.repository.js';

/**
 * How long a kill switch lookup is reused for the hot paths (device authorization, pending polls, showing the
 * consent page), ms. Engaging or releasing the switch through this process clears the cache at once; another
 * instance sees the change within this time.
 */
export const KILL_SWITCH_CACHE_MS = 1000;

/** Clients whose lookups are kept at most; beyond, the cache starts over (bounded memory). */
const MAX_CACHED_CLIENTS = 10_000;

/** How a kill switch treats one device code. */
export type KillSwitchVerdict =
  /** No switch touches the code. */
  | 'live'
  /** A switch covering its client is engaged: RFC 8628 §3.5 `unauthorized_client` for now. */
  | 'disabled'
  /** A switch covering its client was engaged after the code was issued and released since: dead for good. */
  | 'killed';

/**
 * The verdict of `state` on a device code issued at `issuedAt` (ms). A code issued at or before the latest
 * release of a switch covering its client was issued before that switch was released — before it was engaged,
 * or while it was (by an instance whose cache had not seen it yet) — so the switch killed it, and releasing the
 * switch does not bring it back.
 */
export function killSwitchVerdict(state: KillSwitchState, issuedAt: number): KillSwitchVerdict {
  if (state.engaged) return 'disabled';
  if (state.lastReleasedAt !== null && issuedAt <= state.lastReleasedAt) return 'killed';
  return 'live';
}

/**
 * Reads the admin kill switch: whether the device grant is disabled for a client (or for all), and which of
 * its codes a released switch killed. Checked on every device authorization request, poll and user decision.
 * Changing it is {@link DeviceManagementService.disableDeviceGrant}'s job.
 */
@Injectable()
export class DeviceGrantKillSwitch {
  /** Recent lookups per client: the switches' state, and until when (clock ms) it is reused. */
  private readonly seen = new Map<string, { state: KillSwitchState; until: number }>();
  /** Lookups in flight per client, shared by every request that misses the cache meanwhile. */
  private readonly loading = new Map<string, Promise<KillSwitchState>>();
  /** Bumped by {@link forget}: a lookup started before it neither fills the cache nor is shared after it. */
  private generation = 0;

  constructor(
    @Inject(KillSwitchRepository) private readonly switches: KillSwitchRepository,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** The engaged switch covering `clientId` (its own or the global one), or null. Always read from storage. */
  async engagedFor(clientId: string): Promise<KillSwitchRecord | null> {
    return (await this.stateFor(clientId)).engaged;
  }

  /**
   * The switches covering `clientId` (its own and the global one): the engaged one and the latest release.
   * Always read from storage; for decisions that change state (approval, redemption).
   */
  stateFor(clientId: string): Promise<KillSwitchState> {
    return this.switches.findState([clientId, ALL_CLIENTS]);
  }

  /**
   * {@link stateFor}, looked up at most once per client every {@link KILL_SWITCH_CACHE_MS}: for the paths that
   * must stay one database statement. Requests that miss the cache while a lookup is in flight wait for that
   * one rather than each starting its own (under load, every connection would otherwise read the switch at
   * the moment its cached state runs out).
   */
  recentState(clientId: string): Promise<KillSwitchState> {
    const now = this.clock.now();
    const seen = this.seen.get(clientId);
    if (seen !== undefined && seen.until > now) return Promise.resolve(seen.state);
    const inFlight = this.loading.get(clientId);
    if (inFlight !== undefined) return inFlight;
    const generation = this.generation;
    const lookup = this.stateFor(clientId).then(
      (state) => {
        if (this.loading.get(clientId) === lookup) this.loading.delete(clientId);
        if (generation === this.generation) {
          if (this.seen.size >= MAX_CACHED_CLIENTS) this.seen.clear();
          this.seen.set(clientId, { state, until: now + KILL_SWITCH_CACHE_MS });
        }
        return state;
      },
      (error: unknown) => {
        if (this.loading.get(clientId) === lookup) this.loading.delete(clientId);
        throw error;
      },
    );
    this.loading.set(clientId, lookup);
    return lookup;
  }

  /** Whether a switch covering `clientId` is engaged, through the cache of {@link recentState}. */
  async recentlyEngaged(clientId: string): Promise<boolean> {
    return (await this.recentState(clientId)).engaged !== null;
  }

  /** Drops every cached lookup: called when this process engages or releases a switch. */
  forget(): void {
    this.generation++;
    this.seen.clear();
    this.loading.clear();
  }
}
