import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { RedisOptions } from 'ioredis';
import { DeviceFlowConfigurationError } from '../../device-flow-configuration.error.js';
import { isPackageMissing } from '../../optional-peer.js';
import type { WorkInFlight } from '../work-in-flight.js';

/**
 * An ioredis client (`new Redis(…)` from `ioredis` 5), described by the few members the module's own declarations
 * need, so that they compile without `ioredis` installed (it is an optional peer: only `storage: 'redis'` and the
 * Redis stores need it at run time). The stores use the client's full ioredis API.
 */
export interface RedisClient {
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number }): void;
  pipeline(): unknown;
  disconnect(): void;
}

/** Redis settings of the module (`storage: 'redis'`). */
export interface DeviceFlowRedisOptions {
  /** Your own ioredis client; the module never closes it. */
  client?: RedisClient;
  /** Or a URL (`redis://host:6379/0`) for a client the module opens and closes. Default `redis://127.0.0.1:6379`. */
  url?: string;
  /** Or ioredis options (ioredis's `RedisOptions`) for a client the module opens and closes. */
  options?: object;
  /** Prefix of every key (default `device-flow:`); give each deployment sharing a Redis its own. */
  keyPrefix?: string;
}

/**
 * How long a command of a client the module opens may wait for Redis's answer (ioredis `commandTimeout`), in
 * ms. Redis answers the stores' commands in well under a millisecond; a Redis that accepts connections but
 * stops answering (overloaded, paused, a stalled network path) would otherwise hold every request forever.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 2000;

/**
 * The Redis client the Redis stores use: the host's own or one the module opens. Commands fail fast while
 * Redis is away (one retry, then an error the filter answers with 503 `temporarily_unavailable`) rather than
 * queueing until the client's own request times out, and a command Redis does not answer within
 * {@link REDIS_COMMAND_TIMEOUT_MS} fails the same way. Both can be overridden through `options`; a host's own
 * `client` keeps its settings (give it a `commandTimeout` too).
 */
export class DeviceFlowRedis implements OnApplicationShutdown {
  private constructor(
    readonly client: RedisClient,
    private readonly owned: boolean,
    private readonly inFlight?: WorkInFlight,
  ) {}

  /**
   * Wraps the configured client, or opens one. `ioredis` is loaded only here, so hosts that do not use
   * `storage: 'redis'` need not install it (it is an optional peer dependency).
   */
  static async connect(
    o: DeviceFlowRedisOptions = {},
    inFlight?: WorkInFlight,
  ): Promise<DeviceFlowRedis> {
    if (o.client) return new DeviceFlowRedis(o.client, false);
    const { Redis } = await loadIoredis(() => import('ioredis'));
    const options: RedisOptions = {
      maxRetriesPerRequest: 1,
      commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
      ...(o.options as RedisOptions),
    };
    const client = o.url
      ? new Redis(o.url, options)
      : new Redis({ host: '127.0.0.1', port: 6379, ...options });
    // Connection errors surface on the commands that fail; this keeps them from crashing the process.
    client.on('error', () => {});
    return new DeviceFlowRedis(client, true, inFlight);
  }

  /**
   * Closes a client the module opened, once Nest has stopped the HTTP server (application shutdown comes after
   * it, module destroy before): a redemption still in flight can commit, or undo its claim.
   */
  async onApplicationShutdown(): Promise<void> {
    if (!this.owned) return;
    // A claim taken here must be undone (or its tokens committed) before the client goes: wait for the work.
    await this.inFlight?.settledBefore('the Redis client', new Logger('DeviceFlow'));
    this.client.disconnect();
  }
}

/**
 * `ioredis`, loaded on demand by `load` (the dynamic import); a configuration error saying what to install when
 * it is not there. Typed by its argument, so that the declarations name no `ioredis` type (hosts without it still
 * compile them).
 */
export async function loadIoredis<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    if (isPackageMissing(e, 'ioredis'))
      throw new DeviceFlowConfigurationError(
        "storage 'redis' needs the ioredis package (an optional peer dependency), which could not be loaded " +
          `(${(e as Error).message}): npm install ioredis`,
      );
    throw e;
  }
}
