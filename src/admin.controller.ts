import {
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
  Req,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import {
  type AuthorizedDevice,
  constantTimeEqual,
  DeviceManagementService,
  type HttpRequest,
  type KillSwitchRecord,
} from '../libs/device-flow/src/index.js';
import type { IncomingMessage } from 'node:http';
import { parseKillSwitchRequest, parseReleaseQuery, pathParam } from './admin-requests.js';
import { DEMO_ADMIN_TOKEN } from './demo.config.js';
import { NoStoreInterceptor } from './no-store.interceptor.js';

/** Injection token of the demo admin secret. */
export const DEMO_ADMIN_SECRET = Symbol('DEMO_ADMIN_SECRET');

/**
 * The demo's stand-in for a real admin login: the `X-Demo-Admin-Token` header must equal `DEMO_ADMIN_TOKEN`.
 * An empty `DEMO_ADMIN_TOKEN` turns the admin API off. The built-in default token is public (it is in the
 * README), so while it is in use the admin API answers only requests made on this machine
 * ({@link fromThisMachine}: loopback socket, loopback `Host`, no proxy header) — whatever `TRUST_PROXY` says.
 * Not for production: put your own admin authentication in front of `DeviceManagementService`.
 */
@Injectable()
export class DemoAdminGuard implements CanActivate {
  constructor(@Inject(DEMO_ADMIN_SECRET) private readonly secret: string) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<HttpRequest>();
    const presented = req.headers['x-demo-admin-token'];
    if (!this.secret || typeof presented !== 'string' || !constantTimeEqual(presented, this.secret))
      throw new ForbiddenException({
        error: 'forbidden',
        error_description: 'admin token required',
      });
    if (this.secret === DEMO_ADMIN_TOKEN && !fromThisMachine(req))
      throw new ForbiddenException({
        error: 'forbidden',
        error_description:
          'the default admin token is accepted only from this machine; set DEMO_ADMIN_TOKEN to use the admin API remotely',
      });
    return true;
  }
}

/** Headers a proxy (or a CDN) adds to a request it forwards: with any of them, the caller is not this machine. */
const PROXY_HEADERS = [
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-real-ip',
  'via',
  'true-client-ip',
  'cf-connecting-ip',
  'x-client-ip',
];

/** `localhost`, a 127/8 address or `[::1]`, with an optional port: what a local client puts in `Host`. */
const LOOPBACK_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d{1,5})?$/i;

/**
 * A request made on this machine: its socket is a loopback address, its `Host` names this machine (so a page
 * whose DNS name was rebound to 127.0.0.1 — same-origin for a browser there — is not) and it carries no header
 * a proxy adds, over HTTP/1.1 or later. A proxy that sends none of them and `Host: localhost` (or a plain TCP
 * relay: `ssh -L`, `socat`) is indistinguishable from a local client: hence the start-up warning and the
 * README's advice to set `DEMO_ADMIN_TOKEN` before exposing the demo or putting a proxy in front of it.
 */
export function fromThisMachine(req: HttpRequest): boolean {
  if (PROXY_HEADERS.some((name) => req.headers[name] !== undefined)) return false;
  const host = req.headers.host;
  if (typeof host !== 'string' || !LOOPBACK_HOST.test(host)) return false;
  const node = req.raw ?? (req as unknown as IncomingMessage);
  // HTTP/1.0 is what nginx's `proxy_pass` speaks by default (with `Host: 127.0.0.1:port` and no forwarding
  // header): no client of this machine needs it.
  if (node.httpVersion !== '1.1' && node.httpVersion !== '2.0') return false;
  const address = node.socket?.remoteAddress ?? '';
  return address === '::1' || /^(?:::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/i.test(address);
}

/**
 * The demo's admin API: any user's devices, and the kill switch. Input is checked strictly
 * (`admin-requests.ts`): a malformed request changes nothing — above all it never falls through to "every
 * client". Errors are `{"error","error_description"}` JSON ({@link DemoErrorFilter}); nothing is cached.
 */
@Controller('admin')
@UseGuards(DemoAdminGuard)
@UseInterceptors(NoStoreInterceptor)
export class AdminController {
  constructor(
    @Inject(DeviceManagementService) private readonly management: DeviceManagementService,
  ) {}

  @Get('users/:subject/devices')
  devices(@Param('subject') subject: string): Promise<AuthorizedDevice[]> {
    return this.management.listDevices(pathParam('subject', subject));
  }

  @Delete('users/:subject/devices/:grantId')
  @HttpCode(204)
  async remove(
    @Param('subject') subject: string,
    @Param('grantId') grantId: string,
  ): Promise<void> {
    const removed = await this.management.removeDevice(
      pathParam('subject', subject),
      pathParam('grantId', grantId),
    );
    if (!removed)
      throw new NotFoundException({ error: 'not_found', error_description: 'no such device' });
  }

  @Get('kill-switch')
  switches(): Promise<KillSwitchRecord[]> {
    return this.management.listKillSwitches();
  }

  /** Engages the kill switch for `client_id`, or for every client when the JSON object has no `client_id`. */
  @Post('kill-switch')
  @HttpCode(200)
  async disable(@Req() req: HttpRequest): Promise<{ revokedGrants: number }> {
    const { clientId, reason, revokeTokens } = parseKillSwitchRequest(req);
    const revokedGrants = await this.management.disableDeviceGrant(clientId, {
      reason,
      revokeTokens,
    });
    return { revokedGrants };
  }

  /** Releases the kill switch for `?client_id=…`, or the global one when there is no `client_id`. */
  @Delete('kill-switch')
  @HttpCode(204)
  async enable(@Query() query: unknown): Promise<void> {
    await this.management.enableDeviceGrant(parseReleaseQuery(query));
  }
}
