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
  /** Express `trust proxy` setting (`TRUST_PROXY`), or undefined: X-Forwarded-For is then ignored. */
  trustProxy: boolean | number | string | undefined;
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
    trustProxy: trustProxy(env.TRUST_PROXY),
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
  return value;
}
