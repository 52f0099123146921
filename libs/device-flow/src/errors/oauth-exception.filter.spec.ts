import { QueryFailedError } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { isTransient } from './oauth-exception.filter.js';

/** A driver error as TypeORM wraps it: the driver's `code` on `driverError`. */
const failed = (code: string) =>
  new QueryFailedError('UPDATE …', [], Object.assign(new Error(code), { code }));

describe('isTransient (503 temporarily_unavailable, not 500)', () => {
  it('a lost connection or a deadlock the database broke by rolling the work back', () => {
    for (const code of [
      'ECONNREFUSED',
      '57P01',
      '40P01', // PostgreSQL deadlock_detected
      '40001', // PostgreSQL serialization_failure
      'ER_LOCK_DEADLOCK',
      'ER_LOCK_WAIT_TIMEOUT',
    ])
      expect(isTransient(failed(code)), code).toBe(true);
  });

  it('not a constraint violation or a syntax error: those are bugs or bad data, answered 500', () => {
    for (const code of ['23505', '42601', 'ER_DUP_ENTRY', 'ER_PARSE_ERROR'])
      expect(isTransient(failed(code)), code).toBe(false);
    expect(isTransient(new Error('boom'))).toBe(false);
  });
});
