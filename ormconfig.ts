import 'reflect-metadata';
import { DataSource, type DataSourceOptions } from 'typeorm';
import {
  DEVICE_FLOW_ENTITIES,
  DEVICE_FLOW_MIGRATIONS,
  DEVICE_FLOW_MIGRATIONS_TABLE,
} from './libs/device-flow/src/index.js';
import { DEFAULT_DATABASE_URL, dataSourceOptionsFromUrl } from './src/database-url.js';

/**
 * The TypeORM DataSource for the CLI (`npm run migration:run`), reading `DATABASE_URL`
 * (default: the demo's SQLite file).
 */
export default new DataSource({
  ...dataSourceOptionsFromUrl(process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL),
  entities: DEVICE_FLOW_ENTITIES,
  migrations: DEVICE_FLOW_MIGRATIONS,
  migrationsTableName: DEVICE_FLOW_MIGRATIONS_TABLE,
} as DataSourceOptions);
