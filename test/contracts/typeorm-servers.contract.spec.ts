import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import { afterEach, describe } from 'vitest';
import {
  TypeOrmClientRepository,
  TypeOrmDeviceCodeRepository,
  TypeOrmKillSwitchRepository,
  TypeOrmTokenRepository,
} from '../../libs/device-flow/src/index.js';
import {
  createIsolatedDatabase,
  type DatabaseServer,
  describeWith,
  type IsolatedDatabase,
  SQL_SERVERS,
} from '../support/databases.js';
import { clientRepositoryContract } from './client-repository.contract.js';
import { deviceCodeRepositoryContract } from './device-code-repository.contract.js';
import { killSwitchRepositoryContract } from './kill-switch.repository.contract.js';
import { tokenRepositoryContract } from './token-repository.contract.js';
import { typeOrmFactory } from './typeorm-subject.js';

/** The shared repository contracts on PostgreSQL and MariaDB: a fresh database (`df_<random>`) per test. */
function onServer<T>(server: DatabaseServer, wrap: (ds: DataSource) => T) {
  let db: IsolatedDatabase | undefined;
  return typeOrmFactory(
    async () => {
      db = await createIsolatedDatabase(server);
      return db.options;
    },
    wrap,
    async () => {
      await db?.drop();
      db = undefined;
    },
  );
}

for (const server of SQL_SERVERS) {
  await describeWith(`repository contracts on ${server.label}`, [server], () => {
    const name = `TypeORM on ${server.label}`;
    deviceCodeRepositoryContract(
      name,
      onServer(server, (ds) => new TypeOrmDeviceCodeRepository(ds)),
    );
    tokenRepositoryContract(
      name,
      onServer(server, (ds) => new TypeOrmTokenRepository(ds)),
    );
    clientRepositoryContract(
      name,
      onServer(server, (ds) => new TypeOrmClientRepository(ds)),
    );
    describe(`KillSwitchRepository: ${name}`, () => {
      const make = onServer(server, (ds) => new TypeOrmKillSwitchRepository(ds));
      const open: (() => Promise<void>)[] = [];
      afterEach(async () => {
        for (const close of open.splice(0)) await close();
      });
      killSwitchRepositoryContract(async () => {
        const subject = await make();
        if (subject.close) open.push(subject.close);
        return subject.repository;
      });
    });
  });
}
