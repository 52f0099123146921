import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@nestjs/common';

/**
 * The transaction the current async call chain runs in, if any. Repositories consult it so that the repository
 * tokens keep their simple signatures:
 *
 * - a store that can join the transaction keeps its handle in {@link resources} (the TypeORM repositories look up
 *   the `EntityManager` of their DataSource here);
 * - a store that cannot (in memory, Redis) registers an undo with {@link onRollback}, run if the work fails.
 */
export class TransactionContext {
  private static readonly storage = new AsyncLocalStorage<TransactionContext>();
  private readonly undos: Array<() => Promise<unknown>> = [];
  private readonly logger = new Logger('DeviceFlow');
  /** Per-resource transaction handles, e.g. DataSource → EntityManager. */
  readonly resources = new Map<object, unknown>();

  /** The context of the running unit of work, or undefined outside one. */
  static current(): TransactionContext | undefined {
    return TransactionContext.storage.getStore();
  }

  /** Runs `work` inside `context`. */
  static run<T>(context: TransactionContext, work: () => Promise<T>): Promise<T> {
    return TransactionContext.storage.run(context, work);
  }

  /** Registers a compensation for a change a non-transactional store made; undos run newest first. */
  onRollback(undo: () => Promise<unknown>): void {
    this.undos.push(undo);
  }

  /** Runs the registered compensations (after a failure). A failing undo is logged, not thrown. */
  async compensate(): Promise<void> {
    for (const undo of this.undos.splice(0).reverse()) {
      try {
        await undo();
      } catch (e) {
        this.logger.error(`could not undo a change after a failed transaction: ${String(e)}`);
      }
    }
  }
}

/**
 * Runs work atomically: the repository writes made inside {@link run} take effect together or not at all. The
 * token exchange uses it so that claiming a device code and storing the minted tokens are one transaction: if
 * minting fails, the code is not burned.
 *
 * Defaults: `TypeOrmUnitOfWork` (a database transaction) with the TypeORM storage; `CompensatingUnitOfWork`
 * (undo on failure) with in-memory or Redis-only storage. Replace it by providing this token.
 *
 * @see RFC 8628 §3.5 (a device code is redeemed once)
 */
export interface UnitOfWork {
  /** Runs `work` as one unit; nested calls join the outer unit. */
  run<T>(work: () => Promise<T>): Promise<T>;
}

/** Injection token for {@link UnitOfWork}. */
export const UnitOfWork = Symbol('UnitOfWork');

/**
 * A {@link UnitOfWork} for stores without transactions: on failure it runs the compensations the stores
 * registered (e.g. a claimed device code goes back to `approved`).
 */
export class CompensatingUnitOfWork implements UnitOfWork {
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (TransactionContext.current()) return work();
    const context = new TransactionContext();
    try {
      return await TransactionContext.run(context, work);
    } catch (e) {
      await context.compensate();
      throw e;
    }
  }
}
