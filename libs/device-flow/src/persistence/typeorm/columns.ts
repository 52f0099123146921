import type { ValueTransformer } from 'typeorm';

/**
 * Millisecond timestamps are stored as BIGINT on every database (portable, no time-zone surprises).
 * PostgreSQL and MySQL drivers return BIGINT as a string; this turns it back into a number.
 */
export const millis: ValueTransformer = {
  to: (v: number | null | undefined) => v,
  from: (v: string | number | null) => (v === null || v === undefined ? null : Number(v)),
};

/** Lists stored as one space-delimited string (grant types, scopes). */
export const spaceList: ValueTransformer = {
  to: (v: string[] | undefined) => (v ? v.join(' ') : ''),
  from: (v: string | null) => (v ? v.split(' ').filter(Boolean) : []),
};
