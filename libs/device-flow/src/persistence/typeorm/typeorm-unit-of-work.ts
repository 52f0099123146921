import type { DataSource, EntityManager, EntityTarget, ObjectLiteral, Repository } from 'typeorm';
import { TransactionContext, type UnitOfWork } from '../unit-of-work.js';
import { SqliteConnection } from './sqlite-connection.js';

/**
 * A {@link UnitOfWork} as one database transaction on a DataSource (`QueryRunner` under the hood). The TypeORM
 * repositories on the same DataSource use its `EntityManager` while it runs; stores that cannot join (e.g.
 * Redis) register compensations, run after a rollback. On SQLite the transaction holds the DataSource's single
 * connection alone while it runs, so other requests' statements neither join it nor see its uncommitted rows.
 */
export class TypeOrmUnitOfWork implements UnitOfWork {
  constructor(private readonly dataSource: DataSource) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    const outer = TransactionContext.current();
    if (outer?.resources.has(this.dataSource)) return work();
    const context = outer ?? new TransactionContext();
    const transaction = () =>
      TransactionContext.run(context, () =>
        this.dataSource.transaction(async (manager) => {
          context.resources.set(this.dataSource, manager);
          try {
            return await work();
          } finally {
            context.resources.delete(this.dataSource);
          }
        }),
      );
    try {
      // SQLite: one connection for every request, so the transaction holds it alone (see SqliteConnection).
      const sqlite = SqliteConnection.of(this.dataSource);
      return await (sqlite ? sqlite.exclusive(context, transaction) : transaction());
    } catch (e) {
      if (!outer) await context.compensate();
      throw e;
    }
  }
}

/** The repository of `entity` in the running transaction on `dataSource`, or outside any transaction. */
export function repositoryFor<E extends ObjectLiteral>(
  dataSource: DataSource,
  entity: EntityTarget<E>,
): Repository<E> {
  const manager = TransactionContext.current()?.resources.get(dataSource) as
    EntityManager | undefined;
  return (manager ?? dataSource.manager).getRepository(entity);
}

/** Deletes the rows of `repository` whose `expires_at` is before `before` (ms); returns how many. For the purge. */
export async function deleteExpiredRows<E extends ObjectLiteral>(
  repository: Repository<E>,
  before: number,
): Promise<number> {
  const result = await repository
    .createQueryBuilder()
    .delete()
    .where('expires_at < :before', { before })
    .execute();
  return result.affected ?? 0;
}
