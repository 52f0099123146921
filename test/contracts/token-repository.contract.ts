import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TokenRecord, TokenRepository } from '../../libs/device-flow/src/index.js';
import type { ContractSubject, RepositoryFactory } from './contract.js';

const T0 = Date.UTC(2026, 0, 1);
let sequence = 0;

/** A live token record with a unique hash; override any field. */
export function tokenRecord(overrides: Partial<TokenRecord> = {}): TokenRecord {
  const n = ++sequence;
  return {
    id: `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    tokenHash: `token-hash-${n}`,
    kind: 'access',
    clientId: 'tv',
    subject: 'alice',
    scope: 'read',
    grantId: 'grant-1',
    expiresAt: T0 + 3600_000,
    createdAt: T0,
    revokedAt: null,
    ...overrides,
  };
}

/** The {@link TokenRepository} contract. See `contract.ts` for how to run it. */
export function tokenRepositoryContract(
  name: string,
  factory: RepositoryFactory<TokenRepository>,
): void {
  describe(`TokenRepository contract: ${name}`, () => {
    let subject: ContractSubject<TokenRepository>;
    let repo: TokenRepository;
    beforeEach(async () => {
      subject = await factory();
      repo = subject.repository;
    });
    afterEach(async () => {
      await subject?.close?.();
    });

    it('saves several tokens at once and finds each by hash, every field intact', async () => {
      const access = tokenRecord();
      const refresh = tokenRecord({ kind: 'refresh', scope: '' });
      await repo.save([access, refresh]);
      expect({ ...(await repo.findByHash(access.tokenHash)) }).toEqual(access);
      expect({ ...(await repo.findByHash(refresh.tokenHash)) }).toEqual(refresh);
      expect(await repo.findByHash('unknown')).toBeNull();
    });

    it('rejects a duplicate token hash', async () => {
      const t = tokenRecord();
      await repo.save([t]);
      await expect(repo.save([tokenRecord({ tokenHash: t.tokenHash })])).rejects.toThrow();
      // all or nothing: the good token of a failed batch is not stored either
      const good = tokenRecord();
      await expect(repo.save([good, tokenRecord({ tokenHash: t.tokenHash })])).rejects.toThrow();
      expect(await repo.findByHash(good.tokenHash)).toBeNull();
      expect((await repo.findByHash(t.tokenHash))!.id).toBe(t.id);
    });

    it('revokes a token once (compare-and-set) and keeps the first revocation time', async () => {
      const t = tokenRecord();
      await repo.save([t]);
      expect(await repo.revoke(t.id, T0 + 5)).toBe(true);
      expect(await repo.revoke(t.id, T0 + 6)).toBe(false);
      expect((await repo.findByHash(t.tokenHash))!.revokedAt).toBe(T0 + 5);
      expect(await repo.revoke('unknown', T0)).toBe(false);
    });

    it('lets exactly one of many concurrent revocations win', async () => {
      const t = tokenRecord({ kind: 'refresh' });
      await repo.save([t]);
      const results = await Promise.all(Array.from({ length: 20 }, () => repo.revoke(t.id, T0)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('revokes every live token of one grant and nothing else', async () => {
      const a = tokenRecord({ grantId: 'g1' });
      const b = tokenRecord({ grantId: 'g1', kind: 'refresh' });
      const spent = tokenRecord({ grantId: 'g1', kind: 'refresh', revokedAt: T0 + 1 });
      const other = tokenRecord({ grantId: 'g2' });
      await repo.save([a, b, spent, other]);
      expect(await repo.revokeGrant('g1', T0 + 9)).toBe(2);
      expect((await repo.findByHash(a.tokenHash))!.revokedAt).toBe(T0 + 9);
      expect((await repo.findByHash(b.tokenHash))!.revokedAt).toBe(T0 + 9);
      expect((await repo.findByHash(spent.tokenHash))!.revokedAt).toBe(T0 + 1);
      expect((await repo.findByHash(other.tokenHash))!.revokedAt).toBeNull();
      expect(await repo.revokeGrant('g1', T0 + 10)).toBe(0);
    });

    it('deletes tokens that expired before the given time', async () => {
      const old = tokenRecord({ expiresAt: T0 + 1000 });
      const edge = tokenRecord({ expiresAt: T0 + 2000 });
      await repo.save([old, edge]);
      expect(await repo.deleteExpired(T0 + 2000)).toBe(1);
      expect(await repo.findByHash(old.tokenHash)).toBeNull();
      expect(await repo.findByHash(edge.tokenHash)).not.toBeNull();
    });
  });
}
