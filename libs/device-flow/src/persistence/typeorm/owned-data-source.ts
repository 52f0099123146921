import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { useBinaryKeyCollation } from './binary-keys.js';
import type { WorkInFlight } from '../work-in-flight.js';
import {
  DEVICE_FLOW_ENTITIES,
  DEVICE_FLOW_MIGRATIONS,
  DEVICE_FLOW_MIGRATIONS_TABLE,
} from './entities.js';

/** SQLite file used when neither `dataSource` nor `database` is given. */
export const DEFAULT_DATABASE: DataSourceOptions = {
  type: 'better-sqlite3',
  database: 'device-flow.sqlite',
};

/**
 * How long a module-owned PostgreSQL pool waits for a connection (a new one, or a free one when all are busy)
 * before the request fails as retryable (503 `temporarily_unavailable`), in ms; node-postgres waits forever by
 * default. `extra.connectionTimeoutMillis` in `database` overrides it.
 */
export const POSTGRES_CONNECTION_TIMEOUT_MS = 5000;

/** `database` with the module's defaults for its own pool (see {@link POSTGRES_CONNECTION_TIMEOUT_MS}). */
export function withPoolDefaults(options: DataSourceOptions): DataSourceOptions {
  if (options.type !== 'postgres') return options;
  return {
    ...options,
    extra: { connectionTimeoutMillis: POSTGRES_CONNECTION_TIMEOUT_MS, ...options.extra },
  };
}

/**
 * The DataSource the default repositories use: the host's own (`dataSource` option) or one the module creates
 * from `database`, migrates on start-up and closes on shutdown.
 */
export class DeviceFlowStorage implements OnApplicationShutdown {
  private constructor(
    readonly dataSource: DataSource,
    private readonly owned: boolean,
    private readonly inFlight?: WorkInFlight,
  ) {}

  /**
   * Wraps a host-owned DataSource, initialising it if the host has not yet. One without some of the module's
   * entities gets a warning naming them: the default repositories that use them would fail at their first query
   * ("No metadata for DeviceCodeEntity"); a host whose own providers replace those repositories (or whose device
   * codes live in Redis) may leave them out on purpose.
   */
  static async shared(dataSource: DataSource): Promise<DeviceFlowStorage> {
    if (!dataSource.isInitialized) await dataSource.initialize();
    const missing = DEVICE_FLOW_ENTITIES.filter((e) => !dataSource.hasMetadata(e)).map(
      (e) => e.name,
    );
    if (missing.length > 0)
      new Logger('DeviceFlow').warn(
        `dataSource lacks entities of the module (${missing.join(', ')}): the default repositories that use ` +
          'them will fail — add ...DEVICE_FLOW_ENTITIES to its entities, and ...DEVICE_FLOW_MIGRATIONS to its ' +
          'migrations, unless your own providers replace them',
      );
    return new DeviceFlowStorage(dataSource, false);
  }

  /** Creates, connects and migrates a module-owned DataSource. */
  static async owned(
    options: DataSourceOptions = DEFAULT_DATABASE,
    inFlight?: WorkInFlight,
  ): Promise<DeviceFlowStorage> {
    const dataSource = new DataSource({
      ...withPoolDefaults(options),
      entities: DEVICE_FLOW_ENTITIES,
      migrations: DEVICE_FLOW_MIGRATIONS,
      migrationsTableName: DEVICE_FLOW_MIGRATIONS_TABLE,
      // Migrates on start-up unless told otherwise (`migrationsRun: false` when `npm run migration:run` does it).
      migrationsRun: options.migrationsRun ?? !options.synchronize,
      // `synchronize` (tests) runs below, once the key columns have their MySQL/MariaDB collation.
      synchronize: false,
    } as DataSourceOptions);
    await dataSource.initialize();
    if (options.synchronize) {
      try {
        await useBinaryKeyCollation(dataSource);
        await dataSource.synchronize();
      } catch (error) {
        await dataSource.destroy();
        throw error;
      }
    }
    return new DeviceFlowStorage(dataSource, true, inFlight);
  }

  /**
   * Closes a DataSource the module opened. On application shutdown, not module destroy: Nest stops the HTTP
   * server between the two, and requests still in flight (a redemption between its claim and its commit, say)
   * must find the database open until they are answered. Redemptions and refreshes still running then (the
   * server stops once its connections are gone, not its handlers) are waited for, `SHUTDOWN_WAIT_MS` at most.
   */
  async onApplicationShutdown(): Promise<void> {
    if (!this.owned || !this.dataSource.isInitialized) return;
    // A redemption whose client went away (or whose connection Nest force-closed) may still be running.
    await this.inFlight?.settledBefore('the database connection', new Logger('DeviceFlow'));
    await this.dataSource.destroy();
  }
}
