import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type DeviceCodeRecord,
  type DeviceCodeRepository,
  UserCodeCollisionError,
} from '../../libs/device-flow/src/index.js';
import type { ContractSubject, RepositoryFactory } from './contract.js';

const T0 = Date.UTC(2026, 0, 1);
let sequence = 0;

/** A pending device code record with unique hashes; override any field. */
export function deviceCodeRecord(overrides: Partial<DeviceCodeRecord> = {}): DeviceCodeRecord {
  const n = ++sequence;
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    deviceCodeHash: `device-hash-${n}`,
    userCodeHash: `user-hash-${n}`,
    clientId: 'tv',
    scope: 'read write',
    status: 'pending',
    subject: null,
    grantedScope: null,
    interval: 5,
    lastPolledAt: null,
    expiresAt: T0 + 1800_000,
    createdAt: T0,
    decidedAt: null,
    requestIp: '203.0.113.7',
    requestUserAgent: 'TestTV/1.0',
    ...overrides,
  };
}

/** The fields of a record as plain data (drops entity prototypes). */
const plain = (r: DeviceCodeRecord | null) => (r ? { ...r } : r);

/**
 * The {@link DeviceCodeRepository} contract: every implementation (in-memory, TypeORM on each database, Redis,
 * a custom store) must pass it. See `contract.ts` for how to run it.
 */
export function deviceCodeRepositoryContract(
  name: string,
  factory: RepositoryFactory<DeviceCodeRepository>,
): void {
  describe(`DeviceCodeRepository contract: ${name}`, () => {
    let subject: ContractSubject<DeviceCodeRepository>;
    let repo: DeviceCodeRepository;
    beforeEach(async () => {
      subject = await factory();
      repo = subject.repository;
    });
    afterEach(async () => {
      await subject?.close?.();
    });

    describe('create and find', () => {
      it('stores a record and finds it by either hash, every field intact', async () => {
        const r = deviceCodeRecord({ requestIp: null });
        await repo.create(r);
        expect(plain(await repo.findByDeviceCodeHash(r.deviceCodeHash))).toEqual(r);
        expect(plain(await repo.findByUserCodeHash(r.userCodeHash))).toEqual(r);
      });

      it('answers null for unknown hashes', async () => {
        await repo.create(deviceCodeRecord());
        expect(await repo.findByDeviceCodeHash('nope')).toBeNull();
        expect(await repo.findByUserCodeHash('nope')).toBeNull();
      });

      it('returns copies: changing a returned record changes nothing stored', async () => {
        const r = deviceCodeRecord();
        await repo.create(r);
        const found = (await repo.findByDeviceCodeHash(r.deviceCodeHash))!;
        found.status = 'approved';
        found.interval = 99;
        expect(await repo.findByDeviceCodeHash(r.deviceCodeHash)).toMatchObject({
          status: 'pending',
          interval: 5,
        });
      });

      it('rejects a taken user code hash with UserCodeCollisionError and keeps the first', async () => {
        const first = deviceCodeRecord();
        await repo.create(first);
        const clash = deviceCodeRecord({ userCodeHash: first.userCodeHash });
        await expect(repo.create(clash)).rejects.toBeInstanceOf(UserCodeCollisionError);
        expect((await repo.findByUserCodeHash(first.userCodeHash))?.id).toBe(first.id);
        expect(await repo.findByDeviceCodeHash(clash.deviceCodeHash)).toBeNull();
      });

      it('rejects a duplicate device code hash, but not as a user code collision', async () => {
        const first = deviceCodeRecord();
        await repo.create(first);
        const error = await repo
          .create(deviceCodeRecord({ deviceCodeHash: first.deviceCodeHash }))
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(Error);
        expect(error).not.toBeInstanceOf(UserCodeCollisionError);
      });
    });

    describe('recordPoll (RFC 8628 §3.5 slow_down)', () => {
      const TOLERANCE = 1000;
      const poll = (r: DeviceCodeRecord, at: number) => repo.recordPoll(r.id, at, TOLERANCE, 5);
      const stored = async (r: DeviceCodeRecord) =>
        (await repo.findByDeviceCodeHash(r.deviceCodeHash))!;

      it('accepts the first poll and records its time', async () => {
        const r = deviceCodeRecord();
        await repo.create(r);
        expect(await poll(r, T0 + 1)).toBe(true);
        expect(await stored(r)).toMatchObject({ lastPolledAt: T0 + 1, interval: 5 });
      });

      it('accepts a poll one interval later, and one within the tolerance', async () => {
        const r = deviceCodeRecord();
        await repo.create(r);
        await poll(r, T0);
        expect(await poll(r, T0 + 5000)).toBe(true);
        expect(await poll(r, T0 + 10_000 - TOLERANCE)).toBe(true);
        expect(await stored(r)).toMatchObject({ lastPolledAt: T0 + 9000, interval: 5 });
      });

      it('refuses an early poll, adds 5 s to the stored interval and records the poll', async () => {
        const r = deviceCodeRecord();
        await repo.create(r);
        await poll(r, T0);
        expect(await poll(r, T0 + 5000 - TOLERANCE - 1)).toBe(false);
        expect(await stored(r)).toMatchObject({ lastPolledAt: T0 + 3999, interval: 10 });
        // the new interval counts from the early poll: 10 s later is fine, 6 s later is not
        expect(await poll(r, T0 + 3999 + 6000)).toBe(false);
        expect(await stored(r)).toMatchObject({ lastPolledAt: T0 + 9999, interval: 15 });
        expect(await poll(r, T0 + 9999 + 15_000)).toBe(true);
        expect((await stored(r)).interval).toBe(15);
      });

      it('with zero tolerance, a poll exactly one interval later is on time', async () => {
        const r = deviceCodeRecord();
        await repo.create(r);
        await repo.recordPoll(r.id, T0, 0, 5);
        expect(await repo.recordPoll(r.id, T0 + 4999, 0, 5)).toBe(false);
        expect(await repo.recordPoll(r.id, T0 + 4999 + 10_000, 0, 5)).toBe(true);
      });

      it('touches only the polled record', async () => {
        const a = deviceCodeRecord();
        const b = deviceCodeRecord();
        await repo.create(a);
        await repo.create(b);
        await poll(a, T0);
        await poll(a, T0 + 1);
        expect(await stored(b)).toMatchObject({ lastPolledAt: null, interval: 5 });
      });
    });

    describe('transition (compare-and-set)', () => {
      it('moves pending → approved with its changes, once', async () => {
        const r = deviceCodeRecord();
        await repo.create(r);
        const changes = { subject: 'alice', grantedScope: 'read', decidedAt: T0 + 10 };
        expect(await repo.transition(r.id, 'pending', 'approved', T0 + 10, changes)).toBe(true);
        expect(await repo.findByDeviceCodeHash(r.deviceCodeHash)).toMatchObject({
          status: 'approved',
          ...changes,
        });
        expect(await repo.transition(r.id, 'pending', 'approved', T0 + 11, changes)).toBe(false);
        expect(await repo.transition(r.id, 'pending', 'denied', T0 + 11)).toBe(false);
      });

      it('never leaves a terminal or other state it is not in', async () => {
        const r = deviceCodeRecord();
        await repo.create(r);
        expect(await repo.transition(r.id, 'approved', 'consumed', T0)).toBe(false);
        expect(await repo.transition(r.id, 'pending', 'denied', T0, { subject: 'bob' })).toBe(true);
        expect(await repo.transition(r.id, 'pending', 'approved', T0)).toBe(false);
        expect(await repo.transition(r.id, 'approved', 'consumed', T0)).toBe(false);
        expect((await repo.findByDeviceCodeHash(r.deviceCodeHash))!.status).toBe('denied');
      });

      it('approved → consumed works once', async () => {
        const r = deviceCodeRecord({ status: 'approved', subject: 'alice' });
        await repo.create(r);
        expect(await repo.transition(r.id, 'approved', 'consumed', T0)).toBe(true);
        expect(await repo.transition(r.id, 'approved', 'consumed', T0)).toBe(false);
        expect((await repo.findByDeviceCodeHash(r.deviceCodeHash))!.status).toBe('consumed');
      });

      it('cannot move an expired pending code (at or after expiresAt)', async () => {
        const r = deviceCodeRecord({ expiresAt: T0 + 1000 });
        await repo.create(r);
        expect(await repo.transition(r.id, 'pending', 'approved', T0 + 1000)).toBe(false);
        expect(await repo.transition(r.id, 'pending', 'denied', T0 + 5000)).toBe(false);
        expect((await repo.findByDeviceCodeHash(r.deviceCodeHash))!.status).toBe('pending');
        expect(await repo.transition(r.id, 'pending', 'approved', T0 + 999)).toBe(true);
      });

      it('answers false for an unknown id', async () => {
        expect(await repo.transition('unknown', 'pending', 'approved', T0)).toBe(false);
      });

      it('lets exactly one of many concurrent redemptions win', async () => {
        const r = deviceCodeRecord({ status: 'approved' });
        await repo.create(r);
        const results = await Promise.all(
          Array.from({ length: 20 }, () => repo.transition(r.id, 'approved', 'consumed', T0)),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it('lets exactly one of concurrent approve and deny win', async () => {
        const r = deviceCodeRecord();
        await repo.create(r);
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            repo.transition(r.id, 'pending', i % 2 ? 'approved' : 'denied', T0, {
              subject: `user-${i}`,
            }),
          ),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results.indexOf(true);
        expect(await repo.findByDeviceCodeHash(r.deviceCodeHash)).toMatchObject({
          status: winner % 2 ? 'approved' : 'denied',
          subject: `user-${winner}`,
        });
      });
    });

    describe('deleteExpired', () => {
      it('deletes only records that expired before the given time, and frees their user codes', async () => {
        const old = deviceCodeRecord({ expiresAt: T0 + 1000 });
        const edge = deviceCodeRecord({ expiresAt: T0 + 2000 });
        const live = deviceCodeRecord({ expiresAt: T0 + 3000 });
        for (const r of [old, edge, live]) await repo.create(r);
        expect(await repo.deleteExpired(T0 + 2000)).toBe(1);
        expect(await repo.findByDeviceCodeHash(old.deviceCodeHash)).toBeNull();
        expect(await repo.findByUserCodeHash(old.userCodeHash)).toBeNull();
        expect(await repo.findByDeviceCodeHash(edge.deviceCodeHash)).not.toBeNull();
        expect(await repo.findByDeviceCodeHash(live.deviceCodeHash)).not.toBeNull();
        await repo.create(deviceCodeRecord({ userCodeHash: old.userCodeHash }));
        expect(await repo.deleteExpired(T0)).toBe(0);
      });
    });
  });
}
