import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { DeviceAuthorizationController } from './authorization/device-authorization.controller.js';
import { DeviceAuthorizationService } from './authorization/device-authorization.service.js';
import { IssuanceLimit } from './authorization/issuance-limit.js';
import { Clock, SystemClock } from './clock/clock.js';
import { CachingClientRepository } from './clients/caching-client.repository.js';
import { ClientAuthenticator } from './clients/client-authenticator.js';
import { ClientRepository } from './clients/client.repository.js';
import { ClientSeeder } from './clients/client-seeder.js';
import { CorsPolicy, StaticCorsPolicy } from './clients/cors-policy.js';
import { CorsHeaders } from './http/cors-headers.js';
import { CodeHasher, createCodeHasher } from './codes/code-hasher.js';
import { RandomUserCodeGenerator, UserCodeGenerator } from './codes/user-code.generator.js';
import {
  DEVICE_FLOW_DATA_SOURCE,
  DEVICE_FLOW_OPTIONS,
  DEVICE_FLOW_REDIS,
  DEVICE_FLOW_ROUTES,
  DEVICE_FLOW_VERIFICATION_PATH,
} from './device-flow.constants.js';
import {
  type DEVICE_FLOW_ASYNC_OPTIONS_TYPE,
  DEVICE_FLOW_MODULE_OPTIONS,
  type DEVICE_FLOW_OPTIONS_TYPE,
  DeviceFlowConfigurableModule,
} from './device-flow.module-definition.js';
import {
  DeviceFlowConfigurationError,
  type ResolvedDeviceFlowOptions,
  resolveDeviceFlowOptions,
} from './device-flow.options.js';
import { resolveRoutes } from './device-flow.routes.js';
import { BodyParserErrorFilter } from './errors/body-parser-error.filter.js';
import { DeviceFlowPaths } from './http/module-paths.js';
import { GlobalPrefixCheck } from './http/global-prefix-check.js';
import { WorkInFlight } from './persistence/work-in-flight.js';
import { DeviceGrantService } from './grant/device-grant.service.js';
import { FastifyFormContent } from './http/fastify-form-content.js';
import { routedController } from './http/routed-controller.js';
import { AuthorizationServerMetadata } from './metadata/authorization-server-metadata.js';
import { MetadataController } from './metadata/metadata.controller.js';
import { WellKnownMetadataRoute } from './metadata/well-known-metadata.route.js';
import { DeviceCodeRepository } from './persistence/device-code.repository.js';
import { InMemoryClientRepository } from './persistence/memory/in-memory-client.repository.js';
import { InMemoryDeviceCodeRepository } from './persistence/memory/in-memory-device-code.repository.js';
import { InMemoryTokenRepository } from './persistence/memory/in-memory-token.repository.js';
import { DeviceFlowPurger } from './persistence/purge.service.js';
import { DeviceFlowRedis } from './persistence/redis/redis-connection.js';
import { RedisAttemptLimiter } from './persistence/redis/redis-attempt.limiter.js';
import { RedisDeviceCodeRepository } from './persistence/redis/redis-device-code.repository.js';
import { TokenRepository } from './persistence/token.repository.js';
import { TypeOrmUnitOfWork } from './persistence/typeorm/typeorm-unit-of-work.js';
import { CompensatingUnitOfWork, UnitOfWork } from './persistence/unit-of-work.js';
import { DeviceFlowStorage } from './persistence/typeorm/owned-data-source.js';
import { TypeOrmClientRepository } from './persistence/typeorm/typeorm-client.repository.js';
import { TypeOrmDeviceCodeRepository } from './persistence/typeorm/typeorm-device-code.repository.js';
import { TypeOrmTokenRepository } from './persistence/typeorm/typeorm-token.repository.js';
import { DeviceCodeGrant } from './token/device-code.grant.js';
import { RefreshTokenGrant } from './token/refresh-token.grant.js';
import { TokenService } from './token/token.service.js';
import { TokenController } from './token/token.controller.js';
import { InMemoryAttemptLimiter } from './persistence/memory/in-memory-attempt.limiter.js';
import { TypeOrmAttemptLimiter } from './persistence/typeorm/typeorm-attempt.limiter.js';
import { AttemptLimiter } from './verification/attempt-limiter.js';
import { DefaultVerificationView } from './verification/default-verification.view.js';
import { VerificationController } from './verification/verification.controller.js';
import { VerificationService } from './verification/verification.service.js';
import {
  RequestUserResolver,
  VerificationUserResolver,
} from './verification/verification-user.resolver.js';
import { VerificationView } from './verification/verification.view.js';
import { verificationPath } from './verification/verification.options.js';
import { TokenIssuer } from './token/token-issuer.js';
import { TokenLookup } from './token/token-lookup.js';
import { OpaqueTokenIssuer } from './token/opaque-token.issuer.js';
import { JwtTokenIssuer } from './jwt/jwt-token.issuer.js';
import { JwksController } from './jwt/jwks.controller.js';
import { DeviceFlowEvents, InProcessDeviceFlowEvents } from './events/device-flow-events.js';
import { DeviceGrantRepository } from './persistence/device-grant.repository.js';
import { KillSwitchRepository } from './persistence/kill-switch.repository.js';
import { InMemoryDeviceGrantRepository } from './persistence/memory/in-memory-device-grant.repository.js';
import { InMemoryKillSwitchRepository } from './persistence/memory/in-memory-kill-switch.repository.js';
import { TypeOrmDeviceGrantRepository } from './persistence/typeorm/typeorm-device-grant.repository.js';
import { TypeOrmKillSwitchRepository } from './persistence/typeorm/typeorm-kill-switch.repository.js';
import { DeviceGrantKillSwitch } from './management/kill-switch.js';
import { DeviceManagementService } from './management/device-management.service.js';
import { IntrospectionController } from './introspection/introspection.controller.js';
import { IntrospectionService } from './introspection/introspection.service.js';
import { RevocationController } from './revocation/revocation.controller.js';
import { RevocationService } from './revocation/revocation.service.js';
import { DeviceFlowBearerGuard } from './bearer/device-flow-bearer.guard.js';
import { VerificationQrController } from './verification/verification-qr.controller.js';
import { VerificationQrCode } from './verification/verification-qr.service.js';

type Options = ResolvedDeviceFlowOptions;

/** A provider built from the resolved options. */
function fromOptions<T>(
  token: symbol | (abstract new (...a: never[]) => unknown),
  factory: (o: Options) => T,
): Provider {
  return { provide: token, useFactory: factory, inject: [DEVICE_FLOW_OPTIONS] };
}

/** A repository provider: in memory, or TypeORM on the module's DataSource. */
function repository<T>(
  token: symbol,
  memory: () => T,
  typeorm: (s: DeviceFlowStorage) => T,
): Provider {
  return {
    provide: token,
    useFactory: (o: Options, s: DeviceFlowStorage | null) =>
      o.storage === 'memory' || !s ? memory() : typeorm(s),
    inject: [DEVICE_FLOW_OPTIONS, DEVICE_FLOW_DATA_SOURCE],
  };
}

/** The default providers; anything in `providers` (extras) with the same token replaces one of these. */
const DEFAULT_PROVIDERS: Provider[] = [
  {
    provide: DEVICE_FLOW_OPTIONS,
    useFactory: resolveDeviceFlowOptions,
    inject: [DEVICE_FLOW_MODULE_OPTIONS],
  },
  fromOptions(Clock, (o) => o.clock ?? new SystemClock()),
  fromOptions(CodeHasher, (o) => createCodeHasher(o.hashSecret)),
  fromOptions(UserCodeGenerator, (o) => new RandomUserCodeGenerator(o.userCode)),
  WorkInFlight,
  {
    provide: DEVICE_FLOW_DATA_SOURCE,
    useFactory: (o: Options, inFlight: WorkInFlight) =>
      o.storage === 'memory'
        ? null
        : o.dataSource
          ? DeviceFlowStorage.shared(o.dataSource)
          : DeviceFlowStorage.owned(o.database, inFlight),
    inject: [DEVICE_FLOW_OPTIONS, WorkInFlight],
  },
  {
    provide: DEVICE_FLOW_REDIS,
    useFactory: (o: Options, inFlight: WorkInFlight) =>
      o.storage === 'redis' ? DeviceFlowRedis.connect(o.redis, inFlight) : null,
    inject: [DEVICE_FLOW_OPTIONS, WorkInFlight],
  },
  {
    provide: DeviceCodeRepository,
    useFactory: (o: Options, s: DeviceFlowStorage | null, r: DeviceFlowRedis | null) =>
      r
        ? new RedisDeviceCodeRepository(r.client, {
            keyPrefix: o.redis.keyPrefix,
            retentionMs: o.purge.retention * 1000,
          })
        : o.storage === 'memory' || !s
          ? new InMemoryDeviceCodeRepository()
          : new TypeOrmDeviceCodeRepository(s.dataSource),
    inject: [DEVICE_FLOW_OPTIONS, DEVICE_FLOW_DATA_SOURCE, DEVICE_FLOW_REDIS],
  },
  repository<UnitOfWork>(
    UnitOfWork,
    () => new CompensatingUnitOfWork(),
    (s) => new TypeOrmUnitOfWork(s.dataSource),
  ),
  repository<TokenRepository>(
    TokenRepository,
    () => new InMemoryTokenRepository(),
    (s) => new TypeOrmTokenRepository(s.dataSource),
  ),
  repository<ClientRepository>(
    ClientRepository,
    () => new InMemoryClientRepository(),
    (s) => new TypeOrmClientRepository(s.dataSource),
  ),
  {
    provide: CachingClientRepository,
    useFactory: (store: ClientRepository, clock: Clock, o: Options) =>
      new CachingClientRepository(store, clock, o.clientCacheTtlMs),
    inject: [ClientRepository, Clock, DEVICE_FLOW_OPTIONS],
  },
  {
    provide: AttemptLimiter,
    useFactory: (
      o: Options,
      s: DeviceFlowStorage | null,
      r: DeviceFlowRedis | null,
      hasher: CodeHasher,
    ) =>
      r
        ? new RedisAttemptLimiter(r.client, o.redis.keyPrefix, hasher)
        : o.storage === 'memory' || !s
          ? new InMemoryAttemptLimiter()
          : new TypeOrmAttemptLimiter(s.dataSource, hasher),
    inject: [DEVICE_FLOW_OPTIONS, DEVICE_FLOW_DATA_SOURCE, DEVICE_FLOW_REDIS, CodeHasher],
  },
  { provide: VerificationUserResolver, useClass: RequestUserResolver },
  { provide: VerificationView, useFactory: () => new DefaultVerificationView() },
  VerificationService,
  IssuanceLimit,
  repository<DeviceGrantRepository>(
    DeviceGrantRepository,
    () => new InMemoryDeviceGrantRepository(),
    (s) => new TypeOrmDeviceGrantRepository(s.dataSource),
  ),
  repository<KillSwitchRepository>(
    KillSwitchRepository,
    () => new InMemoryKillSwitchRepository(),
    (s) => new TypeOrmKillSwitchRepository(s.dataSource),
  ),
  fromOptions(TokenIssuer, (o) =>
    o.jwt
      ? new JwtTokenIssuer(o.issuerIdentifier, o.jwt.audience, o.jwt.keys)
      : new OpaqueTokenIssuer(),
  ),
  { provide: DeviceFlowEvents, useClass: InProcessDeviceFlowEvents },
  fromOptions(
    CorsPolicy,
    (o) =>
      new StaticCorsPolicy(o.clients.map((c) => [c.clientId, c.allowedOrigins ?? []] as const)),
  ),
  CorsHeaders,
  ClientAuthenticator,
  ClientSeeder,
  DeviceFlowPurger,
  TokenService,
  TokenLookup,
  DeviceGrantKillSwitch,
  DeviceManagementService,
  IntrospectionService,
  RevocationService,
  DeviceFlowBearerGuard,
  DeviceGrantService,
  DeviceAuthorizationService,
  DeviceCodeGrant,
  RefreshTokenGrant,
  VerificationQrCode,
  AuthorizationServerMetadata,
  WellKnownMetadataRoute,
  DeviceFlowPaths,
  GlobalPrefixCheck,
  { provide: APP_FILTER, useClass: BodyParserErrorFilter },
  FastifyFormContent,
];

/** What the module exports to the host app. */
const EXPORTS = [
  DEVICE_FLOW_OPTIONS,
  DeviceFlowPaths,
  DeviceGrantService,
  DeviceAuthorizationService,
  TokenService,
  DeviceFlowPurger,
  TokenLookup,
  TokenIssuer,
  DeviceManagementService,
  DeviceFlowEvents,
  DeviceFlowBearerGuard,
  IntrospectionService,
  RevocationService,
  VerificationQrCode,
  DeviceCodeRepository,
  TokenRepository,
  UnitOfWork,
  ClientRepository,
  CachingClientRepository,
  CorsPolicy,
  DeviceGrantRepository,
  KillSwitchRepository,
  UserCodeGenerator,
  CodeHasher,
  Clock,
  AttemptLimiter,
  VerificationService,
  VerificationView,
];

/**
 * OAuth 2.0 Device Authorization Grant (RFC 8628) for NestJS.
 *
 * ```ts
 * DeviceFlowModule.forRoot({ issuer: 'https://auth.example.com', clients: [{ clientId: 'tv-app' }] })
 * ```
 *
 * Every part is a provider token with a default (TypeORM or in-memory) that `providers` can replace.
 */
@Module({})
export class DeviceFlowModule extends DeviceFlowConfigurableModule {
  /** Configures the module with static options. */
  static override forRoot(options: typeof DEVICE_FLOW_OPTIONS_TYPE): DynamicModule {
    return withDefaults(super.forRoot(options), options, mountPath(options));
  }

  /** Configures the module with options from a factory, class or existing provider. */
  static override forRootAsync(options: typeof DEVICE_FLOW_ASYNC_OPTIONS_TYPE): DynamicModule {
    return withDefaults(
      super.forRootAsync(options),
      options,
      options.verificationPath === false ? null : (options.verificationPath ?? '/device'),
    );
  }
}

/** Where `forRoot` mounts the verification page: `verificationPath`, else the path of `verificationUri`. */
function mountPath(options: typeof DEVICE_FLOW_OPTIONS_TYPE): string | null {
  if (options.verificationPath === false) return null;
  if (options.verificationPath !== undefined) return options.verificationPath;
  try {
    return verificationPath(options.issuer, options.verificationUri);
  } catch {
    return null; // an invalid issuer or URI fails option validation with a clear message
  }
}

function withDefaults(
  definition: DynamicModule,
  extras: { routes?: typeof DEVICE_FLOW_OPTIONS_TYPE.routes; providers?: Provider[] },
  pagePath: string | null,
): DynamicModule {
  if (pagePath !== null && !/^\/[A-Za-z0-9._~\-/]*$/.test(pagePath))
    throw new DeviceFlowConfigurationError(
      `verificationPath must be a path like /device, got ${String(pagePath)}`,
    );
  const routes = resolveRoutes(extras.routes, pagePath);
  return {
    ...definition,
    controllers: [
      routedController(DeviceAuthorizationController, routes.deviceAuthorization),
      routedController(TokenController, routes.token),
      routedController(MetadataController, routes.metadata),
      ...(pagePath ? [routedController(VerificationController, pagePath)] : []),
      routedController(IntrospectionController, routes.introspection),
      routedController(RevocationController, routes.revocation),
      routedController(JwksController, routes.jwks),
      routedController(VerificationQrController, routes.verificationQr),
    ],
    providers: [
      ...(definition.providers ?? []),
      { provide: DEVICE_FLOW_ROUTES, useValue: routes },
      { provide: DEVICE_FLOW_VERIFICATION_PATH, useValue: pagePath },
      ...DEFAULT_PROVIDERS,
      ...(extras.providers ?? []),
    ],
    exports: [...(definition.exports ?? []), ...EXPORTS],
  };
}
