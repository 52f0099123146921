import { Logger } from '@nestjs/common';
import type { DataSource, DataSourceOptions } from 'typeorm';
import type { Clock } from './clock/clock.js';
import type { DeviceFlowRedisOptions } from './persistence/redis/redis-connection.js';
import {
  BASE20,
  DIGITS,
  type UserCodeFormat,
  userCodeEntropyBits,
} from './codes/user-code.format.js';
import { SCOPE_TOKEN } from './grant/scope.js';
import { DEVICE_CODE_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE } from './clients/client.repository.js';
import {
  DEFAULT_CLIENT_AUTHENTICATION_LIMIT,
  DEFAULT_ISSUANCE_LIMIT,
  type RateLimit,
  type ResolvedVerificationOptions,
  rateLimit,
  resolveVerificationOptions,
  type VerificationOptions,
} from './verification/verification.options.js';
import {
  generateDevelopmentKey,
  type JwtKey,
  type JwtKeyOptions,
  resolveJwtKeys,
} from './jwt/jwt-keys.js';
import { issuerBaseUrl, issuerPath } from './metadata/issuer-url.js';
import { originProblem } from './clients/cors-policy.js';
import { DeviceFlowConfigurationError } from './device-flow-configuration.error.js';

/** JWT access token settings (`accessTokenFormat: 'jwt'`). @see RFC 9068 */
export interface JwtAccessTokenOptions {
  /**
   * Signing keys; the first with a private key signs, all are published in the JWKS (rotation by `kid`).
   * Omitted: an ES256 key is generated at start-up, for development only (tokens die with the process).
   */
  keys?: JwtKeyOptions[];
  /** The `aud` claim: the resource server(s) the tokens are for. Default: the issuer, as configured. */
  audience?: string | string[];
}

/** A client configured in code; seeded into the {@link ClientRepository} at start-up. */
export interface StaticClientOptions {
  /** The `client_id` (RFC 6749 §2.2): 1-255 printable ASCII characters, unique. */
  clientId: string;
  /** Plain secret (hashed at start-up) for a confidential client. Omit both secret fields for a public one. */
  clientSecret?: string;
  /** Pre-computed `hashClientSecret()` output, so the plain secret need not be in configuration. */
  clientSecretHash?: string;
  /** Shown on the consent page. Defaults to the client id. */
  displayName?: string;
  /** Defaults to the device code grant and `refresh_token`. */
  grantTypes?: string[];
  /** Scopes the client may request. Defaults to none. */
  scopes?: string[];
  /** A disabled client is refused at every endpoint (`invalid_client`). Default false. */
  disabled?: boolean;
  /**
   * Web origins (`https://tv.example`, exactly as browsers send `Origin`) whose pages may read this client's
   * answers (CORS), for a device client that runs in a browser. Default none. Read by the default `CorsPolicy`.
   */
  allowedOrigins?: string[];
}

/** User code settings. @see RFC 8628 §6.1 */
export interface UserCodeOptions {
  /** `base20` (default, `BCDFGHJKLMNPQRSTVWXZ`), `digits`, or a custom alphabet of A-Z / 0-9. */
  charset?: 'base20' | 'digits' | string;
  /** Characters per code: default 8 (base20) / 9 (digits). */
  length?: number;
  /** Display mask, `X` per character: default `XXXX-XXXX` (base20) / `XXX-XXX-XXX` (digits). */
  mask?: string;
}

/** Options of `DeviceFlowModule.forRoot()` / `forRootAsync()`. */
export interface DeviceFlowModuleOptions {
  /**
   * This authorization server's issuer identifier (RFC 8414 §2), e.g. `https://auth.example.com`. Required.
   * Advertised exactly as given (metadata `issuer`, JWT `iss`); endpoint URLs are built without its trailing
   * slash. It may have a path (`https://example.com/auth`): the host then serves the module under that path
   * (a global prefix, or a proxy that strips it), every link and redirect carries it, and the metadata is also
   * served at `/.well-known/oauth-authorization-server/auth` (RFC 8414 §3.1).
   */
  issuer: string;
  /**
   * Where users enter codes: a path on the issuer (default `/device`, under the issuer's path if it has one) or
   * an absolute URL. @see RFC 8628 §3.2
   */
  verificationUri?: string;
  /** Return `verification_uri_complete` (default true). @see RFC 8628 §3.3.1 */
  verificationUriComplete?: boolean;
  /** Device code lifetime in seconds (default 1800). */
  expiresIn?: number;
  /** Minimum polling interval in seconds (default 5, at least 1). */
  interval?: number;
  /** Early-poll allowance for network jitter, ms (default 20 % of `interval`). */
  pollTolerance?: number;
  /** User code format. */
  userCode?: UserCodeOptions;
  /** Access token lifetime in seconds (default 3600). */
  accessTokenTtl?: number;
  /** Refresh token lifetime in seconds (default 30 days). */
  refreshTokenTtl?: number;
  /**
   * The scope that stands for "stay signed in" (default `offline_access`; `false`: none). When a device asks for
   * it and the user unticks it on the consent page, the grant gets no refresh token — the device must come back
   * to the user once its access token expires. Clients that do not ask for it get refresh tokens as their
   * `grantTypes` allow. @see OpenID Connect Core 1.0 §11 (offline access)
   */
  offlineAccessScope?: string | false;
  /** Access token format: `opaque` (default; random, stored as hashes) or `jwt` (RFC 9068). */
  accessTokenFormat?: 'opaque' | 'jwt';
  /** JWT access token settings; used when `accessTokenFormat` is `jwt`. */
  jwt?: JwtAccessTokenOptions;
  /**
   * Clients allowed to introspect and revoke tokens issued to other clients (e.g. a resource server or an
   * admin tool). Every other client sees and revokes only its own tokens. Default none.
   * @see RFC 7662 §4, RFC 7009 §2.1
   */
  privilegedClients?: string[];
  /** `realm` of the bearer guard's `WWW-Authenticate` challenges (default `device-flow`). @see RFC 6750 §3 */
  bearerRealm?: string;
  /** Clients seeded into the client repository at start-up. */
  clients?: StaticClientOptions[];
  /**
   * Scope values advertised in the metadata (`scopes_supported`). Default: every scope of `clients`, in order
   * of first appearance (omitted when they have none); `false` advertises none. Advertising is informational:
   * what a client may request is still its own `scopes`. @see RFC 8414 §2
   */
  scopesSupported?: string[] | false;
  /**
   * Seconds a client read from the repository is reused before being read again, and a client secret verified
   * against its stored hash is taken as verified (default 30; 0 = off).
   */
  clientCacheTtl?: number;
  /**
   * Storage of the default repositories: `typeorm` (default: everything in the database), `redis` (device codes
   * in Redis with native expiry; tokens and clients in the database) or `memory` (development only).
   */
  storage?: DeviceFlowStorageKind;
  /** Redis connection for `storage: 'redis'`: your client, or a URL / ioredis options, and a key prefix. */
  redis?: DeviceFlowRedisOptions;
  /** Purging of expired codes and tokens. */
  purge?: PurgeOptions;
  /** An existing, host-owned TypeORM DataSource that includes `DEVICE_FLOW_ENTITIES`. */
  dataSource?: DataSource;
  /** Or: options for a DataSource the module creates, migrates and closes itself. Default: SQLite file. */
  database?: DataSourceOptions;
  /** Secret key (pepper) for hashing codes and tokens at rest. Strongly recommended; keep it stable. */
  hashSecret?: string;
  /** A clock; defaults to the system clock. Tests inject a manual one. */
  clock?: Clock;
  /** The verification page (RFC 8628 §3.3): login hand-off, session, guessing limits. */
  verification?: VerificationOptions;
  /**
   * Device codes issued per client and IP (default 30 per 10 minutes); past it the device authorization
   * endpoint answers 429 `temporarily_unavailable` with `Retry-After`. @see RFC 8628 §5.4
   */
  issuanceLimit?: RateLimit;
  /**
   * Failed client secret verifications per client IP (default 20 per 15 minutes; an IPv6 client by its /64).
   * Past it, requests that would need a secret verified answer 429 `temporarily_unavailable` with
   * `Retry-After`, before any scrypt runs; secrets verified within `clientCacheTtl` still pass.
   * @see RFC 6749 §10.10 (brute force of client credentials)
   */
  clientAuthenticationLimit?: RateLimit;
}

/** Where the default repositories keep their data. */
export type DeviceFlowStorageKind = 'typeorm' | 'redis' | 'memory';

/** Scheduled purge of expired device codes and tokens. */
export interface PurgeOptions {
  /** Seconds between purges on each instance (default 3600); `false` to purge only by hand. */
  interval?: number | false;
  /**
   * Seconds a code or token is kept after it expires (default 86400), so a replayed device code or refresh
   * token is still recognised as used.
   */
  retention?: number;
}

/** Options after defaults and validation. */
export interface ResolvedDeviceFlowOptions {
  /** The issuer URL without a trailing slash: endpoint URLs are this plus a route path. */
  issuer: string;
  /**
   * The issuer identifier exactly as configured (trailing slash and all): metadata `issuer`, JWT and
   * introspection `iss`. @see RFC 8414 §3.3
   */
  issuerIdentifier: string;
  /**
   * The issuer's path (`''` when it has none, else e.g. `/auth`): where the host serves the module's routes, and
   * the prefix of every path the verification page links or redirects to. @see RFC 8414 §2
   */
  issuerPath: string;
  verificationUri: string;
  verificationUriComplete: boolean;
  expiresIn: number;
  interval: number;
  pollToleranceMs: number;
  userCode: UserCodeFormat;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  /** See {@link DeviceFlowModuleOptions.offlineAccessScope}; null: none. */
  offlineAccessScope: string | null;
  accessTokenFormat: 'opaque' | 'jwt';
  /** Resolved JWT settings; null for opaque tokens. */
  jwt: { keys: JwtKey[]; audience: string[] } | null;
  privilegedClients: string[];
  bearerRealm: string;
  clients: StaticClientOptions[];
  /** `scopes_supported` of the metadata; empty: not advertised. */
  scopesSupported: string[];
  clientCacheTtlMs: number;
  storage: DeviceFlowStorageKind;
  redis: DeviceFlowRedisOptions;
  purge: { interval: number | false; retention: number };
  dataSource?: DataSource;
  database?: DataSourceOptions;
  hashSecret?: string;
  clock?: Clock;
  verification: ResolvedVerificationOptions;
  issuanceLimit: RateLimit;
  clientAuthenticationLimit: RateLimit;
}

export { DeviceFlowConfigurationError } from './device-flow-configuration.error.js';

/** Guesses an attacker may make per second at most, against which user code strength is judged (§5.1). */
const ASSUMED_GUESSES_PER_SECOND = 1;
/** Required margin: a code must survive its lifetime of guessing with probability ≥ 1 − 2^-16. */
const REQUIRED_MARGIN_BITS = 16;

/**
 * Applies defaults and validates options, throwing {@link DeviceFlowConfigurationError} with a fix-it message.
 */
export function resolveDeviceFlowOptions(o: DeviceFlowModuleOptions): ResolvedDeviceFlowOptions {
  const fail = (m: string): never => {
    throw new DeviceFlowConfigurationError(m);
  };
  if (!o || typeof o !== 'object') fail('options are required');
  const issuerIdentifier = parseIssuer(o.issuer, fail);
  const issuer = issuerBaseUrl(issuerIdentifier);
  const basePath = issuerPath(issuerIdentifier);
  const expiresIn = o.expiresIn ?? 1800;
  const interval = o.interval ?? 5;
  if (!Number.isInteger(expiresIn) || expiresIn < 10 || expiresIn > 86400)
    fail(`expiresIn must be a whole number of seconds from 10 to 86400, got ${shown(o.expiresIn)}`);
  if (!Number.isInteger(interval) || interval < 1 || interval > 300)
    fail(`interval must be a whole number of seconds from 1 to 300, got ${shown(o.interval)}`);
  if (expiresIn <= interval)
    fail(
      `expiresIn (${expiresIn} s) must be longer than interval (${interval} s), or no poll can succeed`,
    );
  const pollToleranceMs = o.pollTolerance ?? interval * 200;
  if (!Number.isFinite(pollToleranceMs) || pollToleranceMs < 0 || pollToleranceMs >= interval * 500)
    fail(`pollTolerance must be 0 or more and under half the interval (${interval * 500} ms)`);
  const userCode = resolveUserCode(o.userCode ?? {}, fail);
  const bits = userCodeEntropyBits(userCode);
  const needed = Math.log2(expiresIn * ASSUMED_GUESSES_PER_SECOND) + REQUIRED_MARGIN_BITS;
  if (bits < needed)
    fail(
      `user codes of ${userCode.length} characters from a ${userCode.charset.length}-symbol alphabet carry ` +
        `${bits.toFixed(1)} bits, too weak for an expiresIn of ${expiresIn} s (needs ${needed.toFixed(1)} bits): ` +
        'use a longer code, a larger alphabet or a shorter lifetime (RFC 8628 §5.1)',
    );
  const accessTokenTtl = o.accessTokenTtl ?? 3600;
  const refreshTokenTtl = o.refreshTokenTtl ?? 30 * 86400;
  for (const [name, v] of [
    ['accessTokenTtl', accessTokenTtl],
    ['refreshTokenTtl', refreshTokenTtl],
  ] as const)
    if (!Number.isInteger(v) || v < 1)
      fail(`${name} must be a positive whole number of seconds, got ${shown(v)}`);
  const offlineAccessScope = o.offlineAccessScope ?? 'offline_access';
  if (
    offlineAccessScope !== false &&
    (typeof offlineAccessScope !== 'string' || !SCOPE_TOKEN.test(offlineAccessScope))
  )
    fail(
      `offlineAccessScope must be a scope token (RFC 6749 §3.3) or false, got ${shown(offlineAccessScope)}`,
    );
  const clientCacheTtl = o.clientCacheTtl ?? 30;
  if (!Number.isFinite(clientCacheTtl) || clientCacheTtl < 0 || clientCacheTtl > 3600)
    fail(`clientCacheTtl must be from 0 (off) to 3600 seconds, got ${shown(o.clientCacheTtl)}`);
  const storage = o.storage ?? 'typeorm';
  if (storage !== 'typeorm' && storage !== 'redis' && storage !== 'memory')
    fail(`storage must be 'typeorm', 'redis' or 'memory'`);
  const purgeInterval = o.purge?.interval ?? 3600;
  const retention = o.purge?.retention ?? 86400;
  if (purgeInterval !== false && !(Number.isFinite(purgeInterval) && purgeInterval > 0))
    fail('purge.interval must be a positive number of seconds, or false');
  if (!Number.isInteger(retention) || retention < 0)
    fail('purge.retention must be a whole number of seconds, 0 or more');
  if (o.dataSource && o.database) fail('give either dataSource or database, not both');
  if (storage === 'memory' && (o.dataSource || o.database))
    new Logger('DeviceFlow').warn(
      "storage 'memory' keeps nothing in a database: the database / dataSource option is not used",
    );
  const verificationUri = resolveVerificationUri(o.verificationUri ?? '/device', issuer, fail);
  const clients = o.clients ?? [];
  if (!Array.isArray(clients)) fail('clients must be an array');
  const ids = new Set<string>();
  for (const c of clients) {
    if (!c || typeof c.clientId !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(c.clientId))
      fail('each client needs a clientId of 1-255 printable ASCII characters');
    if (ids.has(c.clientId)) fail(`client ${c.clientId} is listed twice`);
    ids.add(c.clientId);
    if (c.clientSecret !== undefined && c.clientSecretHash !== undefined)
      fail(`client ${c.clientId}: give clientSecret or clientSecretHash, not both`);
    if (c.clientSecret !== undefined && c.clientSecret.length < 8)
      fail(`client ${c.clientId}: clientSecret must be at least 8 characters`);
    if (c.grantTypes !== undefined) {
      if (!Array.isArray(c.grantTypes) || c.grantTypes.length === 0)
        fail(`client ${c.clientId}: grantTypes must be a non-empty list`);
      for (const g of c.grantTypes)
        if (!GRANT_TYPES.includes(g))
          fail(
            `client ${c.clientId}: grant type ${shown(g)} is not one this module serves ` +
              `(${GRANT_TYPES.map((t) => `'${t}'`).join(' or ')})`,
          );
    }
    if (c.allowedOrigins !== undefined && !Array.isArray(c.allowedOrigins))
      fail(`client ${c.clientId}: allowedOrigins must be a list of origins`);
    // A page's code is public: a client whose answers pages may read must not hold a secret or privileges.
    if (
      c.allowedOrigins?.length &&
      (c.clientSecret !== undefined || c.clientSecretHash !== undefined)
    )
      fail(
        `client ${c.clientId}: allowedOrigins is for public clients (a secret in a web page is not a secret)`,
      );
    if (c.allowedOrigins?.length && (o.privilegedClients ?? []).includes(c.clientId))
      fail(`client ${c.clientId}: a privileged client cannot have allowedOrigins`);
    for (const origin of c.allowedOrigins ?? []) {
      const problem = originProblem(origin);
      if (problem)
        fail(`client ${c.clientId}: allowedOrigins entry ${JSON.stringify(origin)} ${problem}`);
    }
    for (const scope of c.scopes ?? [])
      if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope))
        fail(
          `client ${c.clientId}: scope ${JSON.stringify(scope)} is not a valid scope token (RFC 6749 §3.3)`,
        );
  }
  const scopesSupported = resolveScopesSupported(o.scopesSupported, clients, fail);
  if (o.hashSecret !== undefined && o.hashSecret.length < 16)
    fail('hashSecret must be at least 16 characters');
  const accessTokenFormat = o.accessTokenFormat ?? 'opaque';
  if (accessTokenFormat !== 'opaque' && accessTokenFormat !== 'jwt')
    fail(`accessTokenFormat must be 'opaque' or 'jwt'`);
  const jwt = accessTokenFormat === 'jwt' ? resolveJwt(o.jwt ?? {}, issuerIdentifier, fail) : null;
  const privilegedClients = o.privilegedClients ?? [];
  if (!Array.isArray(privilegedClients) || privilegedClients.some((c) => typeof c !== 'string'))
    fail('privilegedClients must be a list of client ids');
  const bearerRealm = o.bearerRealm ?? 'device-flow';
  if (typeof bearerRealm !== 'string' || !/^[\x20\x21\x23-\x5b\x5d-\x7e]{1,128}$/.test(bearerRealm))
    fail('bearerRealm must be 1-128 printable ASCII characters without quotes or backslashes');
  return {
    issuer,
    issuerIdentifier,
    issuerPath: basePath,
    verificationUri,
    verificationUriComplete: o.verificationUriComplete ?? true,
    expiresIn,
    interval,
    pollToleranceMs,
    userCode,
    accessTokenTtl,
    refreshTokenTtl,
    offlineAccessScope: offlineAccessScope === false ? null : offlineAccessScope,
    accessTokenFormat,
    jwt,
    privilegedClients,
    bearerRealm,
    clients,
    scopesSupported,
    clientCacheTtlMs: clientCacheTtl * 1000,
    storage,
    redis: o.redis ?? {},
    purge: { interval: purgeInterval, retention },
    dataSource: o.dataSource,
    database: o.database,
    hashSecret: o.hashSecret,
    clock: o.clock,
    verification: resolveVerificationOptions(
      o.verification,
      o.hashSecret,
      fail,
      basePath,
      new URL(issuer).origin,
    ),
    issuanceLimit: rateLimit('issuanceLimit', o.issuanceLimit, DEFAULT_ISSUANCE_LIMIT, fail),
    clientAuthenticationLimit: rateLimit(
      'clientAuthenticationLimit',
      o.clientAuthenticationLimit,
      DEFAULT_CLIENT_AUTHENTICATION_LIMIT,
      fail,
    ),
  };
}

/** The grant types a client may be given: the device code grant and refresh tokens. */
const GRANT_TYPES: readonly unknown[] = [DEVICE_CODE_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE];

/** An option's value for a message: strings quoted, so that `"600"` (a string from the environment) shows as such. */
function shown(value: unknown): string {
  return typeof value === 'string' ? `${JSON.stringify(value)} (a string)` : String(value);
}

/** `scopesSupported` as given (checked, duplicates dropped), else the static clients' scopes; `false` → none. */
function resolveScopesSupported(
  given: string[] | false | undefined,
  clients: StaticClientOptions[],
  fail: (m: string) => never,
): string[] {
  if (given === false) return [];
  if (given === undefined) return [...new Set(clients.flatMap((c) => c.scopes ?? []))];
  if (!Array.isArray(given)) fail('scopesSupported must be a list of scope tokens, or false');
  for (const scope of given)
    if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope))
      fail(`scopesSupported: ${JSON.stringify(scope)} is not a valid scope token (RFC 6749 §3.3)`);
  return [...new Set(given)];
}

function resolveJwt(
  o: JwtAccessTokenOptions,
  issuer: string,
  fail: (m: string) => never,
): { keys: JwtKey[]; audience: string[] } {
  const audience = o.audience === undefined ? [issuer] : [o.audience].flat();
  if (audience.length === 0 || audience.some((a) => typeof a !== 'string' || a === ''))
    fail('jwt.audience must be a non-empty string or list of strings');
  let configured = o.keys;
  if (configured === undefined) {
    configured = [generateDevelopmentKey()];
    new Logger('DeviceFlow').warn(
      'jwt.keys not set: signing with a key generated at start-up, for development only ' +
        '(tokens stop verifying on restart)',
    );
  }
  try {
    return { keys: resolveJwtKeys(configured), audience };
  } catch (e) {
    return fail((e as Error).message);
  }
}

/**
 * The issuer identifier as given, once checked: an absolute http(s) URL without query or fragment (RFC 8414 §2)
 * whose path, if any, can be served as a route prefix (segments of unreserved characters, in normal form).
 */
function parseIssuer(value: unknown, fail: (m: string) => never): string {
  if (typeof value !== 'string' || value === '')
    return fail('issuer is required (e.g. https://auth.example.com)');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(`issuer must be an absolute URL, got ${value}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail('issuer must be an http(s) URL');
  if (url.search || url.hash) fail('issuer must not have a query or fragment (RFC 8414 §2)');
  const path = url.pathname.replace(/\/+$/, '');
  const given = issuerBaseUrl(value);
  if (
    !/^(\/[A-Za-z0-9._~-]+)*$/.test(path) ||
    !given.endsWith(path) ||
    /\/\.{1,2}(\/|$)/.test(given)
  )
    fail(
      `issuer path must be segments of letters, digits, - . _ ~ (it prefixes the module's routes), got ${value}`,
    );
  return value;
}

function resolveVerificationUri(value: string, issuer: string, fail: (m: string) => never): string {
  if (value.startsWith('/')) return issuer + value;
  try {
    const url = new URL(value);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error();
    return value;
  } catch {
    return fail(
      `verificationUri must be a path starting with / or an absolute http(s) URL, got ${value}`,
    );
  }
}

function resolveUserCode(o: UserCodeOptions, fail: (m: string) => never): UserCodeFormat {
  const named =
    o.charset === undefined || o.charset === 'base20'
      ? BASE20
      : o.charset === 'digits'
        ? DIGITS
        : null;
  const charset = named ?? o.charset!;
  if (
    !/^[A-Z0-9]+$/.test(charset) ||
    new Set(charset).size !== charset.length ||
    charset.length < 2
  )
    fail(
      'userCode.charset must be base20, digits, or at least 2 distinct characters from A-Z and 0-9',
    );
  const length = o.length ?? (charset === DIGITS ? 9 : 8);
  if (!Number.isInteger(length) || length < 4 || length > 32)
    fail('userCode.length must be from 4 to 32');
  const mask = o.mask ?? defaultMask(length);
  if ([...mask].filter((c) => c === 'X').length !== length)
    fail(`userCode.mask ${JSON.stringify(mask)} must have exactly ${length} X characters`);
  if (!/^[X\- ]+$/.test(mask)) fail('userCode.mask may contain only X, dashes and spaces');
  return { charset, length, mask };
}

function defaultMask(length: number): string {
  const group = length % 4 === 0 ? 4 : length % 3 === 0 ? 3 : length;
  return Array.from({ length: length / group }, () => 'X'.repeat(group)).join('-');
}
