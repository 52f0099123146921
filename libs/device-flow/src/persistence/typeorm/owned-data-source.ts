import type { OnModuleDestroy } from '@nestjs/common';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { useBinaryKeyCollation } from './binary-keys.js';
import { DEVICE_FLOW_ENTITIES, DEVICE_FLOW_MIGRATIONS } from './entities.js';

/** SQLite file used when neither `dataSource` nor `database` is given. */
export const DEFAULT_DATABASE: DataSourceOptions = {
  type: 'better-sqlite3',
  database: 'device-flow.sqlite',
};

/**
 * The DataSource the default repositories use: the host's own (`dataSource` option) or one the module creates
 * from `database`, migrates on start-up and closes on shutdown.
 */
export class DeviceFlowStorage implements OnModuleDestroy {
  private constructor(
    readonly dataSource: DataSource,
    private readonly owned: boolean,
  ) {}

  /** Wraps a host-owned DataSource, initialising it if the host has not yet. */
  static async shared(dataSource: DataSource): Promise<DeviceFlowStorage> {
    if (!dataSource.isInitialized) await dataSource.initialize();
    return new DeviceFlowStorage(dataSource, false);
  }

  /** Creates, connects and migrates a module-owned DataSource. */
  static async owned(options: DataSourceOptions = DEFAULT_DATABASE): Promise<DeviceFlowStorage> {
    const dataSource = new DataSource({
      ...options,
      entities: DEVICE_FLOW_ENTITIES,
      migrations: DEVICE_FLOW_MIGRATIONS,
      migrationsTableName: 'device_flow_migrations',
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
    return new DeviceFlowStorage(dataSource, true);
  }

  async onModuleDestroy(): Promise<void> {
    if (this.owned && this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
