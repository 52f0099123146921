/**
 * nest-device-flow: OAuth 2.0 Device Authorization Grant (RFC 8628) for NestJS.
 * This file is the public API; import only from here.
 */
export { DeviceFlowModule } from './device-flow.module.js';
export {
  DEVICE_FLOW_MODULE_OPTIONS,
  type DeviceFlowAsyncOptions,
  type DeviceFlowModuleExtras,
  type DeviceFlowOptionsFactory,
  type DeviceFlowRootOptions,
} from './device-flow.module-definition.js';
export {
  type DeviceFlowModuleOptions,
  type JwtAccessTokenOptions,
  type ResolvedDeviceFlowOptions,
  type StaticClientOptions,
  type UserCodeOptions,
  type DeviceFlowStorageKind,
  type PurgeOptions,
  DeviceFlowConfigurationError,
  resolveDeviceFlowOptions,
} from './device-flow.options.js';
export { type DeviceFlowRoutes, DEFAULT_ROUTES } from './device-flow.routes.js';
export { issuerBaseUrl, issuerPath, issuerMetadataUrl } from './metadata/issuer-url.js';
export {
  DEVICE_FLOW_OPTIONS,
  DEVICE_FLOW_DATA_SOURCE,
  DEVICE_FLOW_REDIS,
} from './device-flow.constants.js';

export { Clock, SystemClock, ManualClock } from './clock/clock.js';
export { UserCodeGenerator, RandomUserCodeGenerator } from './codes/user-code.generator.js';
export {
  BASE20,
  DIGITS,
  type UserCodeFormat,
  formatUserCode,
  normalizeUserCode,
  userCodeEntropyBits,
} from './codes/user-code.format.js';
export { CodeHasher, randomCode, constantTimeEqual } from './codes/code-hasher.js';
export { hashClientSecret, verifyClientSecret } from './codes/secret-hash.js';

export {
  ClientRepository,
  type ClientRecord,
  DEVICE_CODE_GRANT_TYPE,
  REFRESH_TOKEN_GRANT_TYPE,
} from './clients/client.repository.js';
export {
  CachingClientRepository,
  CLIENT_CACHE_MAX_ENTRIES,
} from './clients/caching-client.repository.js';
export { CorsPolicy, StaticCorsPolicy, NoCorsPolicy } from './clients/cors-policy.js';
export {
  DeviceCodeRepository,
  type DeviceCodeRecord,
  type DeviceCodeStatus,
  type DeviceCodeChanges,
  type PendingPollOutcome,
  UserCodeCollisionError,
} from './persistence/device-code.repository.js';
export {
  TokenRepository,
  type TokenRecord,
  type TokenKind,
} from './persistence/token.repository.js';
export {
  DeviceGrantRepository,
  type DeviceGrantRecord,
} from './persistence/device-grant.repository.js';
export {
  KillSwitchRepository,
  type KillSwitchRecord,
  type KillSwitchState,
  ALL_CLIENTS,
} from './persistence/kill-switch.repository.js';
export { InMemoryDeviceGrantRepository } from './persistence/memory/in-memory-device-grant.repository.js';
export { InMemoryKillSwitchRepository } from './persistence/memory/in-memory-kill-switch.repository.js';
export { TypeOrmDeviceGrantRepository } from './persistence/typeorm/typeorm-device-grant.repository.js';
export { TypeOrmKillSwitchRepository } from './persistence/typeorm/typeorm-kill-switch.repository.js';
export { DeviceGrantEntity } from './persistence/typeorm/device-grant.entity.js';
export { KillSwitchEntity } from './persistence/typeorm/kill-switch.entity.js';
export { InMemoryDeviceCodeRepository } from './persistence/memory/in-memory-device-code.repository.js';
export { InMemoryTokenRepository } from './persistence/memory/in-memory-token.repository.js';
export { InMemoryClientRepository } from './persistence/memory/in-memory-client.repository.js';
export { TypeOrmDeviceCodeRepository } from './persistence/typeorm/typeorm-device-code.repository.js';
export { TypeOrmTokenRepository } from './persistence/typeorm/typeorm-token.repository.js';
export { SHUTDOWN_WAIT_MS, WorkInFlight } from './persistence/work-in-flight.js';
export { TypeOrmClientRepository } from './persistence/typeorm/typeorm-client.repository.js';
export { TypeOrmUnitOfWork } from './persistence/typeorm/typeorm-unit-of-work.js';
export {
  UnitOfWork,
  CompensatingUnitOfWork,
  TransactionContext,
} from './persistence/unit-of-work.js';
export {
  RedisDeviceCodeRepository,
  type RedisDeviceCodeRepositoryOptions,
} from './persistence/redis/redis-device-code.repository.js';
export {
  DeviceFlowRedis,
  type DeviceFlowRedisOptions,
  type RedisClient,
} from './persistence/redis/redis-connection.js';
export { RedisAttemptLimiter } from './persistence/redis/redis-attempt.limiter.js';
export { DeviceFlowPurger, type PurgeResult } from './persistence/purge.service.js';
export {
  DEVICE_FLOW_ENTITIES,
  DEVICE_FLOW_MIGRATIONS,
  DEVICE_FLOW_MIGRATIONS_TABLE,
} from './persistence/typeorm/entities.js';
export { DeviceCodeEntity } from './persistence/typeorm/device-code.entity.js';
export { TokenEntity } from './persistence/typeorm/token.entity.js';
export { ClientEntity } from './persistence/typeorm/client.entity.js';

export { DeviceGrantService, SLOW_DOWN_INCREMENT } from './grant/device-grant.service.js';
export { UserCodeDecisionError, type UserCodeProblem } from './grant/user-code-decision.error.js';
export {
  DeviceAuthorizationService,
  type RequestOrigin,
} from './authorization/device-authorization.service.js';
export type { DeviceAuthorizationResponse } from './authorization/device-authorization-response.js';
export { TokenService, type GrantContext } from './token/token.service.js';
export {
  TokenIssuer,
  type AccessTokenClaims,
  type MintedAccessToken,
} from './token/token-issuer.js';
export { OpaqueTokenIssuer } from './token/opaque-token.issuer.js';
export { TokenLookup, type TokenTypeHint } from './token/token-lookup.js';
export { JwtTokenIssuer, AT_JWT_TYPE } from './jwt/jwt-token.issuer.js';
export {
  type JwtAlgorithm,
  type JwtKeyOptions,
  type JwtKey,
  type JsonWebKeySet,
  type KeyMaterial,
  resolveJwtKeys,
} from './jwt/jwt-keys.js';
export { IntrospectionService } from './introspection/introspection.service.js';
export type { IntrospectionResponse } from './introspection/introspection-response.js';
export { RevocationService } from './revocation/revocation.service.js';
export { DeviceFlowBearerGuard } from './bearer/device-flow-bearer.guard.js';
export { RequireScopes, REQUIRED_SCOPES } from './bearer/require-scopes.decorator.js';
export { CurrentGrant } from './bearer/current-grant.decorator.js';
export { type AuthenticatedGrant, GRANT_REQUEST_KEY } from './bearer/authenticated-grant.js';
export { BearerTokenError, type BearerErrorCode } from './bearer/bearer-token.error.js';
export {
  DeviceManagementService,
  type AuthorizedDevice,
  type DisableDeviceGrantOptions,
} from './management/device-management.service.js';
export { DeviceGrantKillSwitch } from './management/kill-switch.js';
export {
  DeviceFlowEvents,
  InProcessDeviceFlowEvents,
  type DeviceFlowEventListener,
} from './events/device-flow-events.js';
export type * from './events/device-flow-event.js';
export type { TokenResponse } from './token/token-response.js';
export type { TokenGrant } from './token/token-grant.js';

export { buildVerificationUriComplete } from './authorization/verification-uri.js';
export { VerificationQrCode } from './verification/verification-qr.service.js';
export { qrCodeSvg } from './verification/qr-code.svg.js';
export { DEVICE_FLOW_API_TAG, CLIENT_SECRET_BASIC_SCHEME } from './openapi/api-docs.js';

export * from './errors/oauth.errors.js';
export { isTransient, OAuthExceptionFilter } from './errors/oauth-exception.filter.js';

export { DEVICE_FLOW_VERIFICATION_PATH } from './device-flow.constants.js';
export {
  type VerificationOptions,
  type ResolvedVerificationOptions,
  type RateLimit,
  DEFAULT_VERIFICATION_LIMITS,
  DEFAULT_ISSUANCE_LIMIT,
  verificationPath,
} from './verification/verification.options.js';
export {
  AttemptLimiter,
  type AttemptBucket,
  type AttemptKeyHasher,
  takeAttempt,
  releaseAttempt,
  reserveAttempts,
  releaseAttempts,
  type AttemptReservation,
} from './verification/attempt-limiter.js';
export { InMemoryAttemptLimiter } from './persistence/memory/in-memory-attempt.limiter.js';
export { TypeOrmAttemptLimiter } from './persistence/typeorm/typeorm-attempt.limiter.js';
export { AttemptEntity } from './persistence/typeorm/attempt.entity.js';
export {
  VerificationUserResolver,
  type VerificationUser,
  RequestUserResolver,
} from './verification/verification-user.resolver.js';
export {
  VerificationView,
  NO_DECISION,
  type VerificationPage,
  type VerificationPageContext,
  type VerificationStatus,
  type ConsentScope,
  type SignOutForm,
} from './verification/verification.view.js';
export {
  DefaultVerificationView,
  type DefaultVerificationViewOptions,
  type VerificationTexts,
  DEFAULT_VERIFICATION_TEXTS,
} from './verification/default-verification.view.js';
export { escapeHtml, html, SafeHtml } from './verification/html.js';
export {
  setPageSecurityHeaders,
  isCrossSiteRequest,
  safeReturnTo,
} from './verification/page-security.js';
export {
  VerificationSessions,
  type VerificationNotice,
  type VerificationSession,
} from './verification/verification-session.js';
export {
  type HttpRequest,
  type HttpResponse,
  isSecureRequest,
  seeOther,
  sendHtml,
} from './http/http-exchange.js';
export { readCookie, setCookie, serializeCookie, type CookieAttributes } from './http/cookie.js';
export { DeviceFlowPaths } from './http/module-paths.js';
export { clientIp, normaliseIp, onSameNetwork, rateLimitAddress } from './http/request-origin.js';
export {
  VerificationPageError,
  TooManyAttemptsPageError,
  RefusedPageError,
} from './verification/verification.errors.js';
export { VerificationService, type Guesser } from './verification/verification.service.js';
export { IssuanceLimit } from './authorization/issuance-limit.js';
