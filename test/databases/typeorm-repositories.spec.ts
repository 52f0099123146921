import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  DEVICE_FLOW_ENTITIES,
  TypeOrmClientRepository,
  TypeOrmDeviceCodeRepository,
  TypeOrmTokenRepository,
  TypeOrmUnitOfWork,
} from '../../libs/device-flow/src/index.js';
import {
  createIsolatedDatabase,
  describeOnDatabases,
  type IsolatedDatabase,
} from '../support/databases.js';
import { deviceCodeRepositoryCases } from '../support/device-code-repository.cases.js';
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

  deviceCodeRepositoryCases(
    () => codes,
    () => new TypeOrmUnitOfWork(ds),
  );

  it('a failed unit of work rolls back the claim and the tokens it stored, together', async () => {
    const r = deviceCode();
    await codes.create(r);
    await codes.transition(r.id, 'pending', 'approved', NOW, { subject: 'alice' });
    const token = {
      id: randomUUID(),
      tokenHash: randomUUID(),
      kind: 'access' as const,
      clientId: 'tv',
      subject: 'alice',
      scope: '',
      grantId: r.id,
      expiresAt: NOW + 1000,
      createdAt: NOW,
      revokedAt: null,
    };
    await expect(
      new TypeOrmUnitOfWork(ds).run(async () => {
        expect(await codes.transition(r.id, 'approved', 'consumed', NOW)).toBe(true);
        await tokens.save([token]);
        throw new Error('response could not be built');
      }),
    ).rejects.toThrow();
    expect((await codes.findByDeviceCodeHash(r.deviceCodeHash))!.status).toBe('approved');
    expect(await tokens.findByHash(token.tokenHash)).toBeNull();
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
