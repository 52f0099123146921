import 'reflect-metadata';
import {
  TypeOrmClientRepository,
  TypeOrmDeviceCodeRepository,
  TypeOrmTokenRepository,
} from '../../libs/device-flow/src/index.js';
import { clientRepositoryContract } from './client-repository.contract.js';
import { deviceCodeRepositoryContract } from './device-code-repository.contract.js';
import { tokenRepositoryContract } from './token-repository.contract.js';
import { typeOrmFactory } from './typeorm-subject.js';

/** A fresh in-memory SQLite database per test, migrated by the module's own migrations. */
const sqlite = () => ({ type: 'better-sqlite3' as const, database: ':memory:' });

deviceCodeRepositoryContract(
  'TypeORM on SQLite',
  typeOrmFactory(sqlite, (ds) => new TypeOrmDeviceCodeRepository(ds)),
);
tokenRepositoryContract(
  'TypeORM on SQLite',
  typeOrmFactory(sqlite, (ds) => new TypeOrmTokenRepository(ds)),
);
clientRepositoryContract(
  'TypeORM on SQLite',
  typeOrmFactory(sqlite, (ds) => new TypeOrmClientRepository(ds)),
);
