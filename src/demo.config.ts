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
  /** `REDIS_URL`: when set, device codes live in Redis (tokens and clients stay in `DATABASE_URL`). */
  redisUrl: string | undefined;
  /** `TRUST_PROXY`: Express `trust proxy` setting (hop count, `loopback`, CIDR list…); unset = none. */
  trustProxy: string | number | undefined;
}

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

/** Reads the demo's configuration from the environment. */
export function readDemoConfig(env: NodeJS.ProcessEnv = process.env): DemoConfig {
  const port = integer('PORT', env.PORT) ?? 3000;
  return {
    port,
    issuer: env.ISSUER || `http://localhost:${port}`,
    databaseUrl: env.DATABASE_URL || undefined,
    expiresIn: integer('DEVICE_FLOW_EXPIRES_IN', env.DEVICE_FLOW_EXPIRES_IN),
    interval: integer('DEVICE_FLOW_INTERVAL', env.DEVICE_FLOW_INTERVAL),
    hashSecret: env.DEVICE_FLOW_HASH_SECRET || 'demo-only-hash-secret-change-me',
    redisUrl: env.REDIS_URL || undefined,
    trustProxy: env.TRUST_PROXY
      ? /^\d+$/.test(env.TRUST_PROXY)
        ? Number(env.TRUST_PROXY)
        : env.TRUST_PROXY
      : undefined,
  };
}
