import { describe, expect, it } from 'vitest';
import { CompensatingUnitOfWork, TransactionContext } from './unit-of-work.js';

describe('CompensatingUnitOfWork', () => {
  it('runs the undos of a failed unit newest first, and none of a successful one', async () => {
    const uow = new CompensatingUnitOfWork();
    const undone: string[] = [];
    await expect(
      uow.run(async () => {
        TransactionContext.current()!.onRollback(async () => void undone.push('first'));
        TransactionContext.current()!.onRollback(async () => void undone.push('second'));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(undone).toEqual(['second', 'first']);

    await uow.run(async () => {
      TransactionContext.current()!.onRollback(async () => void undone.push('never'));
    });
    expect(undone).toEqual(['second', 'first']);
    expect(TransactionContext.current()).toBeUndefined();
  });

  it('a nested unit joins the outer one; a failing undo does not hide the original error', async () => {
    const uow = new CompensatingUnitOfWork();
    const undone: string[] = [];
    await expect(
      uow.run(async () => {
        const outer = TransactionContext.current();
        await uow.run(async () => {
          expect(TransactionContext.current()).toBe(outer);
          outer!.onRollback(async () => {
            throw new Error('undo failed');
          });
          outer!.onRollback(async () => void undone.push('inner'));
        });
        throw new Error('outer failed');
      }),
    ).rejects.toThrow('outer failed');
    expect(undone).toEqual(['inner']);
  });
});
