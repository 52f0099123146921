import type { ClientRecord } from './client.repository.js';

/**
 * Which web origins may read a client's answers from the device authorization, token, introspection and
 * revocation endpoints: CORS, for device clients that run in a browser (a smart-TV web app, a kiosk page). The module answers a request carrying `Origin` with `Access-Control-Allow-Origin`
 * naming that origin only when this policy allows it for the client the request authenticated as; never `*`,
 * never with credentials. Requests without `Origin` (devices, CLIs, servers) are not affected.
 *
 * The default, {@link StaticCorsPolicy}, reads `allowedOrigins` of the static `clients` option; provide this
 * token to decide per client from your own registry ({@link NoCorsPolicy} allows none).
 *
 * @see RFC 8628 §3.1, §3.4 (the endpoints); WHATWG Fetch, CORS protocol
 */
export interface CorsPolicy {
  /** Whether `origin` (the request's `Origin` header, as sent) may read this client's answers. */
  allows(origin: string, client: ClientRecord): boolean | Promise<boolean>;
}

/** Injection token for {@link CorsPolicy}. */
export const CorsPolicy = Symbol('CorsPolicy');

/** A {@link CorsPolicy} from a fixed list of origins per client id (the static `clients[].allowedOrigins`). */
export class StaticCorsPolicy implements CorsPolicy {
  private readonly origins: ReadonlyMap<string, ReadonlySet<string>>;

  constructor(origins: Iterable<readonly [clientId: string, origins: readonly string[]]>) {
    this.origins = new Map(
      [...origins].filter(([, o]) => o.length > 0).map(([id, o]) => [id, new Set(o)]),
    );
  }

  /** Exact match: scheme, host and port as the browser serialises them (`https://tv.example`). */
  allows(origin: string, client: ClientRecord): boolean {
    return this.origins.get(client.clientId)?.has(origin) ?? false;
  }
}

/** A {@link CorsPolicy} that allows no origin: browser pages on other origins cannot read any answer. */
export class NoCorsPolicy implements CorsPolicy {
  allows(): boolean {
    return false;
  }
}

const LOOPBACK: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Checks one `allowedOrigins` entry: a web origin as browsers send it in `Origin` — `http` or `https`, a host,
 * an optional port, nothing else (no path, no trailing slash, no wildcard, not `null`); `http` only on a loopback
 * host. Returns a reason when it is not one.
 */
export function originProblem(value: unknown): string | null {
  if (typeof value !== 'string') return 'is not a string';
  if (value === '*' || value.includes('*')) return 'is a wildcard (list each origin)';
  if (!URL.canParse(value)) return 'is not a URL';
  const u = new URL(value);
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'is not http(s)';
  if (u.origin !== value)
    return `is not an origin as browsers send it (expected ${JSON.stringify(u.origin)})`;
  if (!/^([a-z0-9-]+\.)*[a-z0-9-]+$|^\[[0-9a-f:.]+\]$/.test(u.hostname))
    return 'has a host that is not a DNS name or IP address';
  // Plain http only on this machine: elsewhere anyone on the network path could change the page's code.
  if (u.protocol === 'http:' && !LOOPBACK.has(u.hostname))
    return 'is http: on a host other than localhost, 127.0.0.1 or [::1] (use https)';
  return null;
}
