import 'reflect-metadata';
import { setTimeout as sleep } from 'node:timers/promises';
import { type DataSource } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  TypeOrmDeviceCodeRepository,
  TypeOrmUnitOfWork,
} from '../../libs/device-flow/src/index.js';
import { deviceCode, migratedDataSource, NOW } from '../support/typeorm.js';

/**
 * SQLite has one connection per DataSource, shared by every request. These cases run units of work (database
 * transactions held open across awaits) next to other requests' statements, as a busy server does, and check
 * that neither side sees or loses the other's work.
 */
describe('the shared SQLite connection under concurrent requests', () => {
  let ds: DataSource;
  let codes: TypeOrmDeviceCodeRepository;
  let uow: TypeOrmUnitOfWork;

  beforeEach(async () => {
    ds = await migratedDataSource({ type: 'better-sqlite3', database: ':memory:' });
    codes = new TypeOrmDeviceCodeRepository(ds);
    uow = new TypeOrmUnitOfWork(ds);
  });
  afterEach(async () => {
    await ds.destroy();
  });

  /** A unit of work that writes `record`, waits, then fails (so it rolls back). */
  async function failingUnit(record: ReturnType<typeof deviceCode>, hold = 30): Promise<unknown> {
    return uow
      .run(async () => {
        await codes.create(record);
        await sleep(hold);
        throw new Error('minting failed');
      })
      .catch((e: unknown) => e);
  }

  it('a write made while another request’s transaction is open survives that transaction’s rollback', async () => {
    const doomed = deviceCode();
    const bystander = deviceCode();
    const failing = failingUnit(doomed);
    await sleep(5); // the transaction is open now
    await codes.create(bystander); // resolves: the caller was told it is stored
    expect(await failing).toBeInstanceOf(Error);
    expect(await codes.findByDeviceCodeHash(bystander.deviceCodeHash)).not.toBeNull();
    expect(await codes.findByDeviceCodeHash(doomed.deviceCodeHash)).toBeNull();
  });

  it('a second unit of work does not nest inside a running one: it commits on its own', async () => {
    const doomed = deviceCode();
    const other = deviceCode();
    const failing = failingUnit(doomed);
    await sleep(5);
    await uow.run(async () => {
      await codes.create(other);
      expect(await codes.transition(other.id, 'pending', 'approved', NOW)).toBe(true);
    });
    expect(await failing).toBeInstanceOf(Error);
    expect((await codes.findByDeviceCodeHash(other.deviceCodeHash))?.status).toBe('approved');
    expect(await codes.findByDeviceCodeHash(doomed.deviceCodeHash)).toBeNull();
  });

  it('many units of work waiting together take the connection one at a time (no nested BEGIN)', async () => {
    // As when racing polls of one approved code each revoke in a unit of work (device codes on Redis): all wait
    // behind a running one and are woken together.
    const holder = uow.run(async () => {
      await codes.create(deviceCode());
      await sleep(20);
    });
    await sleep(2);
    const records = Array.from({ length: 30 }, () => deviceCode());
    const waiting = records.map((record) =>
      uow.run(async () => {
        await codes.create(record);
        await sleep(1);
        expect(await codes.transition(record.id, 'pending', 'approved', NOW)).toBe(true);
      }),
    );
    // Next to them, TypeORM queries and prepared reads and writes of other requests.
    const bystanders = Array.from({ length: 30 }, () => deviceCode());
    const others = bystanders.map(async (record, i) => {
      await sleep(i % 3);
      await codes.create(record);
      return ds.query('SELECT count(*) AS n FROM device_flow_device_codes');
    });
    const outcomes = await Promise.allSettled([holder, ...waiting, ...others]);
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    for (const record of records)
      expect((await codes.findByDeviceCodeHash(record.deviceCodeHash))?.status).toBe('approved');
    for (const record of bystanders)
      expect(await codes.findByDeviceCodeHash(record.deviceCodeHash)).not.toBeNull();
    // And the connection is free afterwards: a new unit of work runs at once.
    await uow.run(async () => codes.create(deviceCode()));
  });

  it('no request reads another transaction’s uncommitted rows', async () => {
    const doomed = deviceCode();
    const failing = failingUnit(doomed);
    await sleep(5);
    // Asked while the row exists only inside the open transaction: the answer must be "no such code".
    expect(await codes.findByDeviceCodeHash(doomed.deviceCodeHash)).toBeNull();
    await failing;
  });

  it('a query builder statement (TypeORM’s own path) also stays out of an open transaction', async () => {
    const stored = deviceCode();
    await codes.create(stored);
    const failing = failingUnit(deviceCode());
    await sleep(5);
    // transition() is a TypeORM query builder UPDATE, not one of the prepared statements.
    expect(await codes.transition(stored.id, 'pending', 'denied', NOW)).toBe(true);
    await failing;
    expect((await codes.findByDeviceCodeHash(stored.deviceCodeHash))?.status).toBe('denied');
  });

  it('writes arriving together commit in one transaction, each with its own outcome', async () => {
    const db = (ds.driver as unknown as { databaseConnection: { exec(sql: string): unknown } })
      .databaseConnection;
    const exec = db.exec.bind(db);
    const begun: string[] = [];
    db.exec = (sql: string) => {
      if (/^BEGIN/.test(sql)) begun.push(sql);
      return exec(sql);
    };
    const records = Array.from({ length: 40 }, () => deviceCode());
    const clash = { ...deviceCode(), deviceCodeHash: records[7]!.deviceCodeHash };
    const outcomes = await Promise.allSettled([...records, clash].map((r) => codes.create(r)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(40);
    expect(outcomes[40]!.status).toBe('rejected'); // the duplicate alone failed…
    for (const r of records) {
      expect(await codes.findByDeviceCodeHash(r.deviceCodeHash)).not.toBeNull(); // …the rest are stored
    }
    expect(await codes.findByUserCodeHash(clash.userCodeHash)).toBeNull();
    expect(begun).toEqual(['BEGIN IMMEDIATE']); // one commit for the whole group
  });

  it('concurrent compare-and-set polls on one code in one group: exactly one counts as on time', async () => {
    const code = deviceCode({ lastPolledAt: null });
    await codes.create(code);
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () =>
        codes.recordPendingPoll!(code.deviceCodeHash, code.clientId, NOW + 1000, 0, 5),
      ),
    );
    expect(outcomes.filter((o) => o === 'authorization_pending')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'slow_down')).toHaveLength(9);
    expect((await codes.findByDeviceCodeHash(code.deviceCodeHash))?.interval).toBe(5 + 9 * 5);
  });
});

describe('a SQLite DataSource destroyed and initialized again', () => {
  it('keeps working: statements go to its new connection', async () => {
    const ds = await migratedDataSource({ type: 'better-sqlite3', database: ':memory:' });
    const codes = new TypeOrmDeviceCodeRepository(ds);
    await codes.create(deviceCode());
    await ds.destroy();
    await ds.initialize();
    await ds.runMigrations();
    const again = deviceCode();
    await codes.create(again);
    expect(await codes.findByDeviceCodeHash(again.deviceCodeHash)).not.toBeNull();
    await ds.destroy();
  });
});

describe('a prepared statement run from inside the unit of work that holds the connection', () => {
  it('joins its transaction instead of waiting for it', async () => {
    const ds = await migratedDataSource({ type: 'better-sqlite3', database: ':memory:' });
    const codes = new TypeOrmDeviceCodeRepository(ds);
    const uow = new TypeOrmUnitOfWork(ds);
    const record = deviceCode();
    const { SqliteConnection } =
      await import('../../libs/device-flow/src/persistence/typeorm/sqlite-connection.js');
    const connection = SqliteConnection.of(ds)!;
    await expect(
      uow.run(async () => {
        await codes.create(record);
        // Straight to the shared connection, bypassing the unit of work's EntityManager.
        const { records } = await connection.run(
          'SELECT id FROM device_flow_device_codes WHERE id = ?',
          [record.id],
        );
        expect(records).toHaveLength(1); // sees its own uncommitted row: it ran in the transaction
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await codes.findByDeviceCodeHash(record.deviceCodeHash)).toBeNull();
    await ds.destroy();
  });
});
