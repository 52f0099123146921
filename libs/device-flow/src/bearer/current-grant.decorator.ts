import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { type AuthenticatedGrant, GRANT_REQUEST_KEY } from './authenticated-grant.js';

/**
 * The {@link AuthenticatedGrant} of the request's bearer token, as `DeviceFlowBearerGuard` validated it.
 * Undefined on a route the guard does not protect.
 */
export const CurrentGrant = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): AuthenticatedGrant | undefined =>
    ctx.switchToHttp().getRequest<Record<string, unknown>>()[GRANT_REQUEST_KEY] as
      AuthenticatedGrant | undefined,
);
