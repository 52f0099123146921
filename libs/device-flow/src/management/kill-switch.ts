import { Inject, Injectable } from '@nestjs/common';
import {
  ALL_CLIENTS,
  type KillSwitchRecord,
  KillSwitchRepository,
} from '../persistence/kill-switch.repository.js';

/**
 * Reads the admin kill switch: whether the device grant is disabled for a client (or for all). Checked on
 * every device authorization request, poll and user decision. Changing it is
 * {@link DeviceManagementService.disableDeviceGrant}'s job.
 */
@Injectable()
export class DeviceGrantKillSwitch {
  constructor(@Inject(KillSwitchRepository) private readonly switches: KillSwitchRepository) {}

  /** The engaged switch covering `clientId` (its own or the global one), or null. */
  engagedFor(clientId: string): Promise<KillSwitchRecord | null> {
    return this.switches.findAny([clientId, ALL_CLIENTS]);
  }
}
