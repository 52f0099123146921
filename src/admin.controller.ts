import {
  Body,
  type CanActivate,
  Controller,
  Delete,
  type ExecutionContext,
  ForbiddenException,
  Get,
  HttpCode,
  Inject,
  Injectable,
  NotFoundException,
  Param,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import {
  type AuthorizedDevice,
  constantTimeEqual,
  DeviceManagementService,
  type HttpRequest,
  type KillSwitchRecord,
} from '../libs/device-flow/src/index.js';

/** Injection token of the demo admin secret. */
export const DEMO_ADMIN_SECRET = Symbol('DEMO_ADMIN_SECRET');

/**
 * The demo's stand-in for a real admin login: the `X-Demo-Admin-Token` header must equal `DEMO_ADMIN_TOKEN`.
 * An empty `DEMO_ADMIN_TOKEN` turns the admin API off. Not for production: put your own admin
 * authentication in front of `DeviceManagementService`.
 */
@Injectable()
export class DemoAdminGuard implements CanActivate {
  constructor(@Inject(DEMO_ADMIN_SECRET) private readonly secret: string) {}

  canActivate(context: ExecutionContext): boolean {
    const presented = context.switchToHttp().getRequest<HttpRequest>().headers[
      'x-demo-admin-token'
    ];
    if (!this.secret || typeof presented !== 'string' || !constantTimeEqual(presented, this.secret))
      throw new ForbiddenException({
        error: 'forbidden',
        error_description: 'admin token required',
      });
    return true;
  }
}

/** Body of `POST /admin/kill-switch` (JSON). */
interface KillSwitchBody {
  /** The client to disable; omitted → every client. */
  client_id?: unknown;
  reason?: unknown;
  revoke_tokens?: unknown;
}

/** The demo's admin API: any user's devices, and the kill switch. */
@Controller('admin')
@UseGuards(DemoAdminGuard)
export class AdminController {
  constructor(
    @Inject(DeviceManagementService) private readonly management: DeviceManagementService,
  ) {}

  @Get('users/:subject/devices')
  devices(@Param('subject') subject: string): Promise<AuthorizedDevice[]> {
    return this.management.listDevices(subject);
  }

  @Delete('users/:subject/devices/:grantId')
  @HttpCode(204)
  async remove(
    @Param('subject') subject: string,
    @Param('grantId') grantId: string,
  ): Promise<void> {
    if (!(await this.management.removeDevice(subject, grantId)))
      throw new NotFoundException({ error: 'not_found', error_description: 'no such device' });
  }

  @Get('kill-switch')
  switches(): Promise<KillSwitchRecord[]> {
    return this.management.listKillSwitches();
  }

  /** Engages the kill switch for `client_id`, or for every client. */
  @Post('kill-switch')
  @HttpCode(200)
  async disable(@Body() body: KillSwitchBody = {}): Promise<{ revokedGrants: number }> {
    const clientId = typeof body.client_id === 'string' && body.client_id ? body.client_id : null;
    const revokedGrants = await this.management.disableDeviceGrant(clientId, {
      reason: typeof body.reason === 'string' ? body.reason.slice(0, 512) : undefined,
      revokeTokens: body.revoke_tokens === true || body.revoke_tokens === 'true',
    });
    return { revokedGrants };
  }

  /** Releases the kill switch for `?client_id=…`, or the global one. */
  @Delete('kill-switch')
  @HttpCode(204)
  async enable(@Query('client_id') clientId?: string): Promise<void> {
    await this.management.enableDeviceGrant(clientId || null);
  }
}
