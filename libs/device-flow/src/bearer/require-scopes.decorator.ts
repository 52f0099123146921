import { SetMetadata } from '@nestjs/common';

/** Metadata key of {@link RequireScopes}. */
export const REQUIRED_SCOPES = 'deviceFlow:requiredScopes';

/**
 * Scopes a route (or every route of a controller) requires, all of them; checked by `DeviceFlowBearerGuard`,
 * which answers 403 `insufficient_scope` naming them when the token lacks one. Class and method scopes add up.
 *
 * ```ts
 * @UseGuards(DeviceFlowBearerGuard)
 * @RequireScopes('read')
 * @Get('me') me(@CurrentGrant() grant: AuthenticatedGrant) { … }
 * ```
 *
 * @see RFC 6750 §3.1 (`insufficient_scope`)
 */
export const RequireScopes = (...scopes: string[]) => SetMetadata(REQUIRED_SCOPES, scopes);
