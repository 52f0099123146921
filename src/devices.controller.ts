import {
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import {
  type AuthenticatedGrant,
  type AuthorizedDevice,
  CurrentGrant,
  DeviceFlowBearerGuard,
  DeviceManagementService,
  RequireScopes,
} from '../libs/device-flow/src/index.js';
import { pathParam } from './admin-requests.js';
import { NoStoreInterceptor } from './no-store.interceptor.js';

/**
 * The demo's protected API, for holders of a device flow access token: who am I (scope `read`), and the
 * devices of the token's user, which they may remove. Personal data (IP addresses, user agents): never cached.
 */
@Controller('api')
@UseGuards(DeviceFlowBearerGuard)
@UseInterceptors(NoStoreInterceptor)
export class DevicesController {
  constructor(
    @Inject(DeviceManagementService) private readonly management: DeviceManagementService,
  ) {}

  /** The token's grant. Requires scope `read`. */
  @Get('me')
  @RequireScopes('read')
  me(@CurrentGrant() grant: AuthenticatedGrant): AuthenticatedGrant {
    return grant;
  }

  /** The devices the token's user has authorised. */
  @Get('devices')
  devices(@CurrentGrant() grant: AuthenticatedGrant): Promise<AuthorizedDevice[]> {
    return this.management.listDevices(grant.subject);
  }

  /** Removes one of the user's devices (possibly the calling one): its tokens stop working at once. */
  @Delete('devices/:grantId')
  @HttpCode(204)
  async remove(
    @CurrentGrant() grant: AuthenticatedGrant,
    @Param('grantId') grantId: string,
  ): Promise<void> {
    if (!(await this.management.removeDevice(grant.subject, pathParam('grantId', grantId))))
      throw new NotFoundException({ error: 'not_found', error_description: 'no such device' });
  }
}
