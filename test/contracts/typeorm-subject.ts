import { DataSource, type DataSourceOptions } from 'typeorm';
import { DEVICE_FLOW_ENTITIES, DEVICE_FLOW_MIGRATIONS } from '../../libs/device-flow/src/index.js';
import type { ContractSubject, RepositoryFactory } from './contract.js';

/**
 * Builds a contract factory for a TypeORM repository: each call opens a DataSource with `options` (which must
 * point at a fresh, empty database), runs the module's migrations and wraps it with `wrap`. `close` destroys
 * the DataSource and then calls `cleanup` (e.g. to drop a per-test database).
 */
export function typeOrmFactory<T>(
  options: () => Promise<DataSourceOptions> | DataSourceOptions,
  wrap: (dataSource: DataSource) => T,
  cleanup?: () => Promise<void>,
): RepositoryFactory<T> {
  return async (): Promise<ContractSubject<T>> => {
    const dataSource = new DataSource({
      ...(await options()),
      entities: DEVICE_FLOW_ENTITIES,
      migrations: DEVICE_FLOW_MIGRATIONS,
      migrationsTableName: 'device_flow_migrations',
      migrationsRun: true,
    } as DataSourceOptions);
    await dataSource.initialize();
    return {
      repository: wrap(dataSource),
      close: async () => {
        await dataSource.destroy();
        await cleanup?.();
      },
    };
  };
}
