import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  DEVICE_FLOW_ENTITIES,
  TypeOrmClientRepository,
  TypeOrmDeviceCodeRepository,
  TypeOrmTokenRepository,
  UserCodeCollisionError,
} from '../../libs/device-flow/src/index.js';
import {
  createIsolatedDatabase,
  describeOnDatabases,
  type IsolatedDatabase,
} from '../support/databases.js';
import { deviceCode, migratedDataSource, NOW, pendingSchemaChanges } from '../support/typeorm.js';

await describeOnDatabases('TypeORM repositories', (server) => {
  let db: IsolatedDatabase;
  let ds: DataSource;
  let codes: TypeOrmDeviceCodeRepository;
  let tokens: TypeOrmTokenRepository;

  beforeAll(async () => {
    db = await createIsolatedDatabase(server);
    ds = await migratedDataSource(db.options);
    codes = new TypeOrmDeviceCodeRepository(ds);
    tokens = new TypeOrmTokenRepository(ds);
  });
  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await db?.drop();
  });

  it('migrations create every table with an index for each lookup, and the schema matches the entities', async () => {
    const q = ds.createQueryRunner();
    try {
      const codesTable = await q.getTable('device_flow_device_codes');
      const tokensTable = await q.getTable('device_flow_tokens');
      const indexed = (t: typeof codesTable) =>
        t!.indices.map((i) => `${i.columnNames.join(',')}${i.isUnique ? ' unique' : ''}`).sort();
      expect(indexed(codesTable)).toEqual(
        expect.arrayContaining(['device_code_hash unique', 'expires_at', 'user_code_hash unique']),
      );
      expect(indexed(tokensTable)).toEqual(
        expect.arrayContaining(['expires_at', 'grant_id', 'token_hash unique']),
      );
      expect(await q.hasTable('device_flow_clients')).toBe(true);
    } finally {
      await q.release();
    }
    // The migrated schema is exactly what `synchronize` builds from the entities: what it would still change
    // is the same (nothing on SQLite and PostgreSQL; TypeORM's known MariaDB "DEFAULT NULL" noise on MariaDB).
    const reference = await createIsolatedDatabase(server);
    const synced = new DataSource({
      ...reference.options,
      entities: DEVICE_FLOW_ENTITIES,
      synchronize: true,
    } as DataSourceOptions);
    try {
      await synced.initialize();
      expect(await pendingSchemaChanges(ds)).toEqual(await pendingSchemaChanges(synced));
      if (server.kind !== 'mariadb') expect(await pendingSchemaChanges(ds)).toEqual([]);
    } finally {
      await synced.destroy();
      await reference.drop();
    }
  });

  it('round-trips records with numbers as numbers and booleans as booleans', async () => {
    const record = deviceCode({ lastPolledAt: NOW + 1, decidedAt: NOW + 2 });
    await codes.create(record);
    const found = await codes.findByDeviceCodeHash(record.deviceCodeHash);
    expect(found).toEqual(record);
    expect(typeof found!.expiresAt).toBe('number');
    expect(await codes.findByUserCodeHash(record.userCodeHash)).toEqual(record);
    expect(await codes.findByDeviceCodeHash('nope')).toBeNull();

    const clients = new TypeOrmClientRepository(ds);
    const client = {
      clientId: `c-${randomUUID()}`,
      secretHash: null,
      grantTypes: ['refresh_token'],
      scopes: ['read', 'write'],
      displayName: 'TV',
      disabled: true,
    };
    await clients.save(client);
    expect(await clients.findById(client.clientId)).toEqual(client);
    await clients.save({ ...client, disabled: false });
    expect((await clients.findById(client.clientId))!.disabled).toBe(false);
  });

  it('reports a user code collision as UserCodeCollisionError, other duplicates as themselves', async () => {
    const first = deviceCode();
    await codes.create(first);
    await expect(
      codes.create(deviceCode({ userCodeHash: first.userCodeHash })),
    ).rejects.toBeInstanceOf(UserCodeCollisionError);
    const dup = codes.create(deviceCode({ deviceCodeHash: first.deviceCodeHash }));
    await expect(dup).rejects.toThrow();
    await expect(dup).rejects.not.toBeInstanceOf(UserCodeCollisionError);
  });

  it('transition is a compare-and-set: it applies once, never from the wrong state or after expiry', async () => {
    const r = deviceCode();
    await codes.create(r);
    expect(await codes.transition(r.id, 'approved', 'consumed', NOW)).toBe(false);
    expect(
      await codes.transition(r.id, 'pending', 'approved', NOW, {
        subject: 'alice',
        grantedScope: 'read',
        decidedAt: NOW,
      }),
    ).toBe(true);
    expect(await codes.transition(r.id, 'pending', 'denied', NOW)).toBe(false);
    expect(await codes.findByDeviceCodeHash(r.deviceCodeHash)).toMatchObject({
      status: 'approved',
      subject: 'alice',
      grantedScope: 'read',
      decidedAt: NOW,
    });
    const expired = deviceCode({ expiresAt: NOW });
    await codes.create(expired);
    expect(await codes.transition(expired.id, 'pending', 'approved', NOW)).toBe(false);
    expect(await codes.transition('missing', 'pending', 'approved', NOW)).toBe(false);
  });

  it('recordPoll: polls at the interval pass; early ones add 5 s each, cumulatively', async () => {
    const r = deviceCode({ interval: 5 });
    await codes.create(r);
    expect(await codes.recordPoll(r.id, NOW, 1000, 5)).toBe(true); // first poll
    expect(await codes.recordPoll(r.id, NOW + 4000, 1000, 5)).toBe(true); // within tolerance
    expect(await codes.recordPoll(r.id, NOW + 6000, 1000, 5)).toBe(false); // 2 s later: too fast
    expect((await codes.findByDeviceCodeHash(r.deviceCodeHash))!.interval).toBe(10);
    expect(await codes.recordPoll(r.id, NOW + 14000, 1000, 5)).toBe(false); // 8 s < 10 s - 1 s
    const after = await codes.findByDeviceCodeHash(r.deviceCodeHash);
    expect(after).toMatchObject({ interval: 15, lastPolledAt: NOW + 14000 });
    expect(await codes.recordPoll(r.id, NOW + 28000, 1000, 5)).toBe(true); // 14 s ≥ 15 s - 1 s
    expect((await codes.findByDeviceCodeHash(r.deviceCodeHash))!.interval).toBe(15);
  });

  it('50 concurrent claims of one approved code: exactly one wins', async () => {
    const r = deviceCode();
    await codes.create(r);
    await codes.transition(r.id, 'pending', 'approved', NOW, { subject: 'alice' });
    const results = await Promise.all(
      Array.from({ length: 50 }, () => codes.transition(r.id, 'approved', 'consumed', NOW)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('50 concurrent early polls of one code: every one after the first grows the interval', async () => {
    const r = deviceCode({ interval: 5, lastPolledAt: NOW });
    await codes.create(r);
    const results = await Promise.all(
      Array.from({ length: 50 }, () => codes.recordPoll(r.id, NOW + 100, 1000, 5)),
    );
    expect(results.filter(Boolean)).toHaveLength(0);
    expect((await codes.findByDeviceCodeHash(r.deviceCodeHash))!.interval).toBe(5 + 50 * 5);
  });

  it('tokens: revoke is a compare-and-set; revokeGrant counts; deleteExpired deletes only the expired', async () => {
    const grantId = randomUUID();
    const token = (expiresAt: number) => ({
      id: randomUUID(),
      tokenHash: randomUUID(),
      kind: 'access' as const,
      clientId: 'tv',
      subject: 'alice',
      scope: 'read',
      grantId,
      expiresAt,
      createdAt: NOW,
      revokedAt: null,
    });
    const [a, b, c] = [token(NOW + 10), token(NOW + 20), token(NOW - 10)];
    await tokens.save([a, b, c]);
    expect(await tokens.findByHash(a.tokenHash)).toEqual(a);
    const revocations = await Promise.all(
      Array.from({ length: 10 }, () => tokens.revoke(a.id, NOW)),
    );
    expect(revocations.filter(Boolean)).toHaveLength(1);
    expect(await tokens.revokeGrant(grantId, NOW)).toBe(2);
    expect(await tokens.revokeGrant(grantId, NOW)).toBe(0);
    expect(await tokens.deleteExpired(NOW)).toBe(1);
    expect(await tokens.findByHash(c.tokenHash)).toBeNull();
    expect(await tokens.findByHash(b.tokenHash)).toMatchObject({ revokedAt: NOW });
  });

  if (server.kind === 'mariadb') {
    it('compare-and-set also holds when the connection reports changed rather than found rows', async () => {
      const changedRows = await migratedDataSource(db.options, { flags: ['-FOUND_ROWS'] });
      try {
        const repo = new TypeOrmDeviceCodeRepository(changedRows);
        const r = deviceCode();
        await repo.create(r);
        expect(await repo.transition(r.id, 'pending', 'approved', NOW)).toBe(true);
        expect(await repo.transition(r.id, 'pending', 'approved', NOW)).toBe(false);
        expect(await repo.recordPoll(r.id, NOW, 0, 5)).toBe(true);
        expect(await repo.recordPoll(r.id, NOW, 0, 5)).toBe(false);
        expect((await repo.findByDeviceCodeHash(r.deviceCodeHash))!.interval).toBe(10);
      } finally {
        await changedRows.destroy();
      }
    });
  }
});
