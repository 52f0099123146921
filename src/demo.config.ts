import { isIP } from 'node:net';
import type { StaticClientOptions } from '../libs/device-flow/src/index.js';

/**
 * The demo server's public contract: environment variables and seeded clients, documented in the README.
 * Change them only with a README and CHANGELOG entry.
 */
export interface DemoConfig {
  port: number;
  issuer: string;
  databaseUrl: string | undefined;
  expiresIn: number | undefined;
  interval: number | undefined;
  hashSecret: string;
  /** HTTP platform: `express` (default) or `fastify`. */
  adapter: 'express' | 'fastify';
  /** `REDIS_URL`: when set, device codes live in Redis (tokens and clients stay in `DATABASE_URL`). */
  redisUrl: string | undefined;
  /** Express `trust proxy` setting (`TRUST_PROXY`), or undefined: X-Forwarded-For is then ignored. */
  trustProxy: boolean | number | string | undefined;
  /** `opaque` (default) or `jwt` access tokens. */
  accessTokenFormat: 'opaque' | 'jwt';
  /** PEM private key file signing JWT access tokens; unset → a key generated at start-up. */
  jwtKeyFile: string | undefined;
  /** Algorithm of `jwtKeyFile`'s key: ES256 (default), RS256 or EdDSA. */
  jwtAlg: 'ES256' | 'RS256' | 'EdDSA';
  /** Shared secret of the demo admin API (`X-Demo-Admin-Token` header); empty disables the admin API. */
  adminToken: string;
}

/** Default pepper of the demo (`DEVICE_FLOW_HASH_SECRET`): public, for local use only. */
export const DEMO_HASH_SECRET = 'demo-only-hash-secret-change-me';

/** Default secret of the demo admin API: for local use only. */
export const DEMO_ADMIN_TOKEN = 'demo-admin-token';

/** Scopes the demo clients may request. */
export const DEMO_SCOPES = ['profile', 'email', 'read', 'write', 'offline_access'];

/** Secret of the confidential demo client (documented; for local use only). */
export const DEMO_CONFIDENTIAL_SECRET = 'demo-confidential-secret';

/** The demo clients, seeded at start-up. */
export const DEMO_CLIENTS: StaticClientOptions[] = [
  { clientId: 'demo-device', displayName: 'Demo TV App', scopes: DEMO_SCOPES },
  {
    clientId: 'demo-confidential',
    clientSecret: DEMO_CONFIDENTIAL_SECRET,
    displayName: 'Demo Confidential Device',
    scopes: DEMO_SCOPES,
  },
];

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new Error(`${name} must be a whole number, got ${value}`);
  return n;
}

/** The value if it is one of `allowed`, the first of them when unset; throws otherwise. */
function oneOf<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
): T {
  if (value === undefined || value === '') return allowed[0];
  if (!(allowed as readonly string[]).includes(value))
    throw new Error(`${name} must be one of ${allowed.join(', ')}, got ${value}`);
  return value as T;
}

/** Reads the demo's configuration from the environment. */
export function readDemoConfig(env: NodeJS.ProcessEnv = process.env): DemoConfig {
  const port = integer('PORT', env.PORT) ?? 3000;
  if (port < 0 || port > 65535) throw new Error(`PORT must be from 0 to 65535, got ${env.PORT}`);
  return {
    port,
    issuer: env.ISSUER || `http://localhost:${port}`,
    databaseUrl: env.DATABASE_URL || undefined,
    expiresIn: integer('DEVICE_FLOW_EXPIRES_IN', env.DEVICE_FLOW_EXPIRES_IN),
    interval: integer('DEVICE_FLOW_INTERVAL', env.DEVICE_FLOW_INTERVAL),
    hashSecret: env.DEVICE_FLOW_HASH_SECRET || DEMO_HASH_SECRET,
    adapter: oneOf('HTTP_ADAPTER', env.HTTP_ADAPTER, ['express', 'fastify'] as const),
    redisUrl: redisUrl(env.REDIS_URL),
    trustProxy: trustProxy(env.TRUST_PROXY),
    accessTokenFormat: oneOf(
      'DEVICE_FLOW_ACCESS_TOKEN_FORMAT',
      env.DEVICE_FLOW_ACCESS_TOKEN_FORMAT,
      ['opaque', 'jwt'] as const,
    ),
    jwtKeyFile: env.DEVICE_FLOW_JWT_KEY_FILE || undefined,
    jwtAlg: oneOf('DEVICE_FLOW_JWT_ALG', env.DEVICE_FLOW_JWT_ALG, [
      'ES256',
      'RS256',
      'EdDSA',
    ] as const),
    adminToken: env.DEMO_ADMIN_TOKEN ?? DEMO_ADMIN_TOKEN,
  };
}

/**
 * `TRUST_PROXY`: unset → X-Forwarded-For is ignored (client IP = socket address); `true`, a hop count
 * (`1`) or Express's address list syntax (`loopback`, `10.0.0.0/8, 127.0.0.1`).
 */
function trustProxy(value: string | undefined): boolean | number | string | undefined {
  if (value === undefined || value === '' || value === 'false') return undefined;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  // Checked here, by name, rather than by Express or Fastify at start-up ("TypeError: invalid IP address").
  if (!value.split(',').every((entry) => isTrustedProxyEntry(entry.trim())))
    throw new Error(
      `TRUST_PROXY must be true, false, a hop count, or a comma-separated list of addresses, CIDR ranges (10.0.0.0/8) or loopback, linklocal, uniquelocal; got ${value}`,
    );
  return value;
}

/** One entry of an address list as Express's and Fastify's `trust proxy` (proxy-addr) accept it. */
function isTrustedProxyEntry(entry: string): boolean {
  if (entry === 'loopback' || entry === 'linklocal' || entry === 'uniquelocal') return true;
  const [address = '', range, ...more] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || more.length > 0) return false;
  if (range === undefined) return true;
  // A prefix length of at least 1 (proxy-addr refuses /0: "trust everyone" is `true`), or an IPv4 netmask
  // whose ones are contiguous (10.0.0.0/255.0.0.0).
  const prefix = /^\d+$/.test(range) ? Number(range) : version === 4 ? netmaskPrefix(range) : null;
  return prefix !== null && prefix >= 1 && prefix <= (version === 4 ? 32 : 128);
}

/** The prefix length of an IPv4 netmask (255.255.0.0 → 16), or null when it is not one (gaps, not IPv4). */
function netmaskPrefix(mask: string): number | null {
  if (isIP(mask) !== 4) return null;
  const bits = mask
    .split('.')
    .map((octet) => Number(octet).toString(2).padStart(8, '0'))
    .join('');
  if (!/^1*0*$/.test(bits)) return null;
  const zero = bits.indexOf('0');
  return zero === -1 ? 32 : zero;
}

/**
 * `REDIS_URL`: unset (or empty) → no Redis; otherwise what ioredis connects to: a `redis://` or `rediss://` URL,
 * `host` or `host:port`, or a Unix socket path. Checked at start-up: a URL of another scheme (`http://…`) or
 * anything else would start a server whose every device authorization is a 503. The value is not repeated in
 * the error (it may hold a password).
 */
function redisUrl(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^\/(?!\/)\S*$/.test(value)) return value; // a Unix socket path (not `//host`)
  const hostPort = /^(?:([\w-]+(?:\.[\w-]+)*)|\[([\da-f:.]+)\])(?::(\d{1,5}))?$/i.exec(value);
  if (hostPort) {
    const port = hostPort[3] === undefined ? 6379 : Number(hostPort[3]);
    if ((hostPort[1] !== undefined || isIP(hostPort[2]!) === 6) && port >= 1 && port <= 65535)
      return value;
  }
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || !url.hostname)
    throw new Error(
      'REDIS_URL must be a redis:// or rediss:// URL (redis://host:6379/0), host:port or a Unix socket path',
    );
  return value;
}
