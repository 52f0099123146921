import type { DataSource, EntityManager, EntityTarget, ObjectLiteral, Repository } from 'typeorm';
import { TransactionContext, type UnitOfWork } from '../unit-of-work.js';

/**
 * A {@link UnitOfWork} as one database transaction on a DataSource (`QueryRunner` under the hood). The TypeORM
 * repositories on the same DataSource use its `EntityManager` while it runs; stores that cannot join (e.g.
 * Redis) register compensations, run after a rollback.
 */
export class TypeOrmUnitOfWork implements UnitOfWork {
  constructor(private readonly dataSource: DataSource) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    const outer = TransactionContext.current();
    if (outer?.resources.has(this.dataSource)) return work();
    const context = outer ?? new TransactionContext();
    try {
      return await this.dataSource.transaction(async (manager) => {
        context.resources.set(this.dataSource, manager);
        try {
          return await TransactionContext.run(context, work);
        } finally {
          context.resources.delete(this.dataSource);
        }
      });
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
