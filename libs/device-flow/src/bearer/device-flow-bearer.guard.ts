import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DEVICE_FLOW_OPTIONS } from '../device-flow.constants.js';
import type { ResolvedDeviceFlowOptions } from '../device-flow.options.js';
import { parseScope } from '../grant/scope.js';
import { type HttpRequest, type HttpResponse, repeatedHeader } from '../http/http-exchange.js';
import { TokenLookup } from '../token/token-lookup.js';
import { type AuthenticatedGrant, GRANT_REQUEST_KEY } from './authenticated-grant.js';
import { BearerTokenError } from './bearer-token.error.js';
import { REQUIRED_SCOPES } from './require-scopes.decorator.js';

/** `Authorization: Bearer b64token`. @see RFC 6750 §2.1 */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** The request, carrying the grant the guard hands to `@CurrentGrant()`. */
type GuardedRequest = HttpRequest & { [GRANT_REQUEST_KEY]?: AuthenticatedGrant };

/**
 * Protects host routes with the access tokens of the device flow, opaque or JWT:
 * `@UseGuards(DeviceFlowBearerGuard)`, plus `@RequireScopes(...)` and `@CurrentGrant()`.
 *
 * - No `Authorization: Bearer` header: 401 with `WWW-Authenticate: Bearer realm="…"` and no error code.
 * - A malformed header, or a token in the query string: 400 `invalid_request`.
 * - An unknown, expired or revoked token (revocation endpoint, device removed, refresh reuse, kill switch
 *   with `revokeTokens`), or a JWT whose signature, issuer, audience or type is wrong: 401 `invalid_token`.
 * - A token lacking a required scope: 403 `insufficient_scope` with `scope="…"`.
 *
 * Tokens are accepted only in the `Authorization` header (RFC 6750 §2.1); the form-body and query methods
 * (§2.2, §2.3) are not supported.
 *
 * @see RFC 6750 §2.1, §3, §3.1
 */
@Injectable()
export class DeviceFlowBearerGuard implements CanActivate {
  constructor(
    @Inject(TokenLookup) private readonly lookup: TokenLookup,
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(DEVICE_FLOW_OPTIONS) private readonly options: ResolvedDeviceFlowOptions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const req = http.getRequest<GuardedRequest>();
    try {
      req[GRANT_REQUEST_KEY] = await this.authenticate(req, this.requiredScopes(context));
      return true;
    } catch (e) {
      if (e instanceof BearerTokenError) {
        const res = http.getResponse<HttpResponse>();
        res.header('WWW-Authenticate', e.challenge);
        res.header('Cache-Control', 'no-store');
      }
      throw e;
    }
  }

  private async authenticate(req: HttpRequest, required: string[]): Promise<AuthenticatedGrant> {
    const realm = this.options.bearerRealm;
    const header = req.headers.authorization;
    const query = req.query;
    if (typeof query === 'object' && query !== null && 'access_token' in query)
      throw new BearerTokenError(
        realm,
        'invalid_request',
        'send the token in the Authorization header',
      );
    if (typeof header !== 'string' || !/^Bearer(\s|$)/i.test(header))
      throw new BearerTokenError(realm, null);
    // One token, sent one way (RFC 6750 §2): Node.js would keep the first of two Authorization headers.
    if (repeatedHeader(req, 'authorization'))
      throw new BearerTokenError(realm, 'invalid_request', 'more than one Authorization header');
    const match = BEARER.exec(header);
    if (!match || match[1].length > 8192)
      throw new BearerTokenError(realm, 'invalid_request', 'malformed Authorization header');
    const record = await this.lookup.activeAccessToken(match[1]);
    if (!record)
      throw new BearerTokenError(
        realm,
        'invalid_token',
        'the access token is invalid, expired or revoked',
      );
    const scopes = parseScope(record.scope || undefined);
    if (required.some((s) => !scopes.includes(s)))
      throw new BearerTokenError(
        realm,
        'insufficient_scope',
        'the access token lacks a required scope',
        required.join(' '),
      );
    return {
      clientId: record.clientId,
      subject: record.subject,
      scopes,
      grantId: record.grantId,
      expiresAt: record.expiresAt,
    };
  }

  private requiredScopes(context: ExecutionContext): string[] {
    const scopes = this.reflector.getAllAndMerge<string[]>(REQUIRED_SCOPES, [
      context.getClass(),
      context.getHandler(),
    ]);
    return [...new Set(scopes ?? [])];
  }
}
