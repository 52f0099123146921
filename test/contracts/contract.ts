/**
 * Shared shape of the repository contract suites.
 *
 * A contract suite is a function `(name, factory) => void` that declares a vitest `describe` block. Run one
 * against any implementation by passing a factory that returns a fresh, empty repository (and, optionally,
 * a `close` that releases it). The factory is called before every test, so each test starts empty:
 *
 * ```ts
 * deviceCodeRepositoryContract('PostgreSQL', async () => {
 *   const dataSource = await myFreshDatabase(); // e.g. CREATE DATABASE df_<random>, migrations run
 *   return { repository: new TypeOrmDeviceCodeRepository(dataSource), close: () => dropIt(dataSource) };
 * });
 * ```
 */
export interface ContractSubject<T> {
  /** The repository under test, empty. */
  repository: T;
  /** Releases what the factory created (connection, database, key prefix). */
  close?: () => Promise<void>;
}

/** Makes a fresh, empty repository for one test. */
export type RepositoryFactory<T> = () => Promise<ContractSubject<T>>;
