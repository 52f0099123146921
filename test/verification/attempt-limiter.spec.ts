import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { type DataSource } from 'typeorm';
import {
  CodeHasher,
  InMemoryAttemptLimiter,
  TypeOrmAttemptLimiter,
} from '../../libs/device-flow/src/index.js';
import { attemptLimiterContract } from './attempt-limiter.contract.js';
import {
  createIsolatedDatabase,
  describeOnDatabases,
  type IsolatedDatabase,
} from '../support/databases.js';
import { migratedDataSource } from '../support/typeorm.js';

attemptLimiterContract('in memory', async () => new InMemoryAttemptLimiter());

// Counting is one dialect-specific upsert (ON CONFLICT / ON DUPLICATE KEY): the contract on every engine.
await describeOnDatabases('TypeOrmAttemptLimiter', (server) => {
  let db: IsolatedDatabase;
  let ds: DataSource;
  beforeAll(async () => {
    db = await createIsolatedDatabase(server);
    ds = await migratedDataSource(db.options);
  });
  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await db?.drop();
  });
  // As the module builds it: keys stored as the keyed hash of its hashSecret.
  const hasher = new CodeHasher('typeorm-attempts-secret-0123');
  attemptLimiterContract(server.label, async () => {
    await ds.query(`DELETE FROM ${ds.driver.escape('device_flow_attempts')}`);
    return new TypeOrmAttemptLimiter(ds, hasher);
  });
  it("with the module's hasher, the stored key is a keyed hash: not the address, nor its plain SHA-256", async () => {
    const key = 'verify:ip:198.51.100.4';
    await new TypeOrmAttemptLimiter(ds, hasher).record(
      [{ key, limit: 3, windowMs: 60_000 }],
      Date.UTC(2026, 0, 1),
    );
    const [table, keyColumn] = ['device_flow_attempts', 'key_hash'].map((n) => ds.driver.escape(n));
    const stored = (await ds.query(`SELECT ${keyColumn} AS k FROM ${table}`)) as { k: string }[];
    const keys = stored.map((r) => String(r.k));
    expect(keys).toContain(hasher.hash(`attempt:${key}`));
    expect(keys).not.toContain(createHash('sha256').update(key, 'utf8').digest('base64url'));
    expect(keys.some((k) => k.includes('198.51.100.4'))).toBe(false);
  });
  it('checks and counts with one statement, and refuses a full bucket with one more read', async () => {
    const l = new TypeOrmAttemptLimiter(ds);
    const statements = vi.spyOn(ds.logger, 'logQuery');
    const b = { key: 'one-statement', limit: 1, windowMs: 60_000 };
    const t0 = Date.UTC(2026, 0, 1);
    expect(await l.take(b, t0)).toBe(0);
    expect(statements).toHaveBeenCalledTimes(1);
    expect(String(statements.mock.calls[0]![0])).toMatch(/^INSERT INTO/);
    statements.mockClear();
    expect(await l.take(b, t0 + 1000)).toBe(59_000);
    expect(statements).toHaveBeenCalledTimes(2);
    statements.mockRestore();
  });
  it('gives back with one UPDATE statement; creates no row, leaves a window that is over', async () => {
    const l = new TypeOrmAttemptLimiter(ds);
    const b = { key: 'one-release', limit: 1, windowMs: 60_000 };
    const t0 = Date.UTC(2026, 0, 1);
    expect(await l.take(b, t0)).toBe(0);
    const statements = vi.spyOn(ds.logger, 'logQuery');
    await l.release(b, t0 + 1000);
    expect(statements).toHaveBeenCalledTimes(1);
    expect(String(statements.mock.calls[0]![0])).toMatch(/^UPDATE /);
    statements.mockRestore();
    expect(await l.take(b, t0 + 2000)).toBe(0);
    const [table, attemptsColumn, keyColumn] = ['device_flow_attempts', 'attempts', 'key_hash'].map(
      (name) => ds.driver.escape(name),
    );
    const rows = async () => Number((await ds.query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
    const before = await rows();
    await l.release({ ...b, key: 'one-release-never-counted' }, t0);
    expect(await rows()).toBe(before);
    // Once the window is over the row is left as it is (the next count starts a new window anyway).
    const hash = createHash('sha256').update(b.key, 'utf8').digest('base64url');
    const sql = `SELECT ${attemptsColumn} AS n FROM ${table} WHERE ${keyColumn} = '${hash}'`;
    const attempts = async () => Number((await ds.query(sql))[0].n);
    expect(await attempts()).toBe(1);
    await l.release(b, t0 + 60_000);
    expect(await attempts()).toBe(1);
  });
  it('deletes only stale counters', async () => {
    const l = new TypeOrmAttemptLimiter(ds);
    const bucket = (key: string) => ({ key, limit: 1, windowMs: 60_000 });
    await l.record([bucket('stale-old')], 1000);
    await l.record([bucket('stale-new')], 5000);
    expect(await l.deleteStale(5000)).toBe(1);
    expect(await l.retryAfterMs([bucket('stale-old')], 6000)).toBe(0);
    expect(await l.retryAfterMs([bucket('stale-new')], 6000)).toBe(59_000);
  });
});
