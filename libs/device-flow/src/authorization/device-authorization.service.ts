import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../clock/clock.js';
import {
  allowsRefresh,
  type ClientRecord,
  DEVICE_CODE_GRANT_TYPE,
} from '../clients/client.repository.js';
import { CodeHasher } from '../codes/code-hasher.js';
import { deviceCodeKey, newDeviceCode } from '../codes/device-code.js';
import { formatUserCode } from '../codes/user-code.format.js';
import { UserCodeGenerator } from '../codes/user-code.generator.js';
import { DEVICE_FLOW_OPTIONS } from '../device-flow.constants.js';
import type { ResolvedDeviceFlowOptions } from '../device-flow.options.js';
import { InvalidScopeError, ServerError, UnauthorizedClientError } from '../errors/oauth.errors.js';
import { DeviceFlowEvents } from '../events/device-flow-events.js';
import { assertScopesAllowed, formatScope, parseScope } from '../grant/scope.js';
import { DeviceGrantKillSwitch } from '../management/kill-switch.js';
import {
  DeviceCodeRepository,
  UserCodeCollisionError,
} from '../persistence/device-code.repository.js';
import type { DeviceAuthorizationResponse } from './device-authorization-response.js';
import { buildVerificationUriComplete } from './verification-uri.js';
import { timeOrderedId } from '../codes/time-ordered-id.js';

/** How many fresh user codes to try before giving up on a collision streak. */
const MAX_USER_CODE_ATTEMPTS = 8;

/** Where the device's request came from, shown to the user on the consent page (RFC 8628 §5.4). */
export interface RequestOrigin {
  /** The client's IP address, when known. */
  ip: string | null;
  /** The `User-Agent` header, when sent. */
  userAgent: string | null;
}

/**
 * Issues device and user codes. The device code carries 256 random bits; both codes are stored only as
 * hashes; a user code that collides with a stored one is replaced by a new one.
 *
 * @see RFC 8628 §3.1, §3.2, §6.1
 */
@Injectable()
export class DeviceAuthorizationService {
  /**
   * `verification_uri_complete` around the user code, built once. Display codes hold only A–Z, 0–9, `-` and
   * spaces (options validation), so form-encoding one is turning spaces into `+`.
   */
  private readonly completeUri: readonly [string, string];

  constructor(
    @Inject(DEVICE_FLOW_OPTIONS) private readonly options: ResolvedDeviceFlowOptions,
    @Inject(DeviceCodeRepository) private readonly codes: DeviceCodeRepository,
    @Inject(UserCodeGenerator) private readonly userCodes: UserCodeGenerator,
    @Inject(CodeHasher) private readonly hasher: CodeHasher,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(DeviceGrantKillSwitch) private readonly killSwitch: DeviceGrantKillSwitch,
    @Inject(DeviceFlowEvents) private readonly events: DeviceFlowEvents,
  ) {
    const marker = 'USERCODE0MARKER';
    const complete = new URL(options.verificationUri);
    complete.searchParams.set('user_code', marker);
    const [before, after] = complete.toString().split(marker);
    this.completeUri = [before, after];
  }

  /**
   * Starts a device authorization for an authenticated client: {@link check}, then {@link issue}. Not limited
   * by `issuanceLimit` (the endpoint counts each request between the two).
   */
  async authorize(
    client: ClientRecord,
    scope: string | undefined,
    origin: RequestOrigin,
  ): Promise<DeviceAuthorizationResponse> {
    return this.issue(client, await this.check(client, scope), origin);
  }

  /**
   * Checks a device authorization request of an authenticated client without issuing anything: the client may
   * use the grant, no kill switch covers it, and it may have the requested scope. Returns the requested scopes,
   * less the `offlineAccessScope` when the client is not allowed the `refresh_token` grant: offline access is a
   * refresh token, which such a client never gets, so the request for it is ignored rather than offered on the
   * consent page as a choice that changes nothing (the token response's `scope` then shows it was not granted);
   * asked for alone, it is `invalid_scope`. Throws the OAuth error to answer otherwise.
   *
   * @see RFC 8628 §3.1, §3.2; RFC 6749 §3.3, §5.2 (`unauthorized_client`, `invalid_scope`);
   *   OpenID Connect Core 1.0 §11 (offline access requests are ignored where they cannot apply)
   */
  async check(client: ClientRecord, scope: string | undefined): Promise<string[]> {
    if (!client.grantTypes.includes(DEVICE_CODE_GRANT_TYPE)) {
      throw new UnauthorizedClientError('client is not allowed the device authorization grant');
    }
    if (await this.killSwitch.recentlyEngaged(client.clientId)) {
      throw new UnauthorizedClientError(
        'the device authorization grant is disabled for this client',
      );
    }
    const scopes = parseScope(scope);
    assertScopesAllowed(scopes, client.scopes);
    const offline = this.options.offlineAccessScope;
    if (offline === null || allowsRefresh(client) || !scopes.includes(offline)) return scopes;
    const kept = scopes.filter((s) => s !== offline);
    // Nothing else asked for: no scope could be granted, and a token response without `scope` would say
    // everything asked for was (RFC 6749 §5.1).
    if (kept.length === 0) {
      throw new InvalidScopeError(
        `${offline} needs the refresh_token grant, which this client is not allowed`,
      );
    }
    return kept;
  }

  /** Issues a device code and a user code for a request {@link check} accepted, with its requested `scopes`. */
  async issue(
    client: ClientRecord,
    scopes: readonly string[],
    origin: RequestOrigin,
  ): Promise<DeviceAuthorizationResponse> {
    const { expiresIn, interval } = this.options;
    for (let attempt = 0; attempt < MAX_USER_CODE_ATTEMPTS; attempt++) {
      const userCode = this.userCodes.generate();
      const now = this.clock.now();
      const deviceCode = newDeviceCode(now);
      const id = timeOrderedId(now);
      const requestIp = origin.ip?.slice(0, 64) ?? null;
      const requestUserAgent = origin.userAgent?.slice(0, 512) ?? null;
      try {
        await this.codes.create({
          id,
          deviceCodeHash: deviceCodeKey(this.hasher, deviceCode),
          userCodeHash: this.hasher.hash(userCode),
          clientId: client.clientId,
          scope: formatScope(scopes),
          status: 'pending',
          subject: null,
          grantedScope: null,
          interval,
          lastPolledAt: null,
          expiresAt: now + expiresIn * 1000,
          createdAt: now,
          decidedAt: null,
          requestIp,
          requestUserAgent,
        });
      } catch (e) {
        if (e instanceof UserCodeCollisionError) continue;
        throw e;
      }
      this.events.emit({
        type: 'device_code.issued',
        at: now,
        clientId: client.clientId,
        deviceCodeId: id,
        scope: formatScope(scopes),
        ip: requestIp,
        userAgent: requestUserAgent,
      });
      return this.response(deviceCode, userCode);
    }
    throw new ServerError('could not allocate a unique user code');
  }

  /** The §3.2 response; `verification_uri_complete` carries the display form of the code. */
  private response(deviceCode: string, userCode: string): DeviceAuthorizationResponse {
    const display = formatUserCode(userCode, this.options.userCode);
    const { verificationUri, verificationUriComplete, expiresIn, interval } = this.options;
    return {
      device_code: deviceCode,
      user_code: display,
      verification_uri: verificationUri,
      ...(verificationUriComplete
        ? { verification_uri_complete: buildVerificationUriComplete(verificationUri, display) }
        : {}),
      expires_in: expiresIn,
      interval,
    };
  }
}
