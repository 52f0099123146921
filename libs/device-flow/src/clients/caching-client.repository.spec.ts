import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock/clock.js';
import { CachingClientRepository } from './caching-client.repository.js';
import type { ClientRecord, ClientRepository } from './client.repository.js';

function client(clientId: string, displayName = clientId): ClientRecord {
  return {
    clientId,
    secretHash: null,
    grantTypes: ['g'],
    scopes: ['read'],
    displayName,
    disabled: false,
  };
}

/** A store that counts reads and can be told to fail. */
class CountingStore implements ClientRepository {
  readonly clients = new Map<string, ClientRecord>();
  reads = 0;
  failNext = false;

  async findById(clientId: string): Promise<ClientRecord | null> {
    this.reads++;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('database away');
    }
    const c = this.clients.get(clientId);
    return c ? structuredClone(c) : null;
  }

  async save(c: ClientRecord): Promise<void> {
    this.clients.set(c.clientId, structuredClone(c));
  }
}

function setup(ttlMs = 30_000, max?: number) {
  const store = new CountingStore();
  const clock = new ManualClock();
  const cache = new CachingClientRepository(store, clock, ttlMs, max);
  return { store, clock, cache };
}

describe('CachingClientRepository', () => {
  it('reads a client once per TTL, then again after it', async () => {
    const { store, clock, cache } = setup();
    await store.save(client('tv'));
    expect((await cache.findById('tv'))?.clientId).toBe('tv');
    await cache.findById('tv');
    clock.advance(29_999);
    await cache.findById('tv');
    expect(store.reads).toBe(1);
    clock.advance(1);
    await cache.findById('tv');
    expect(store.reads).toBe(2);
  });

  it('shares one read between concurrent misses', async () => {
    const { store, cache } = setup();
    await store.save(client('tv'));
    await Promise.all([cache.findById('tv'), cache.findById('tv'), cache.findById('tv')]);
    expect(store.reads).toBe(1);
  });

  it('drops the entry when a client is saved through it', async () => {
    const { store, cache } = setup();
    await cache.save(client('tv', 'Old'));
    expect((await cache.findById('tv'))?.displayName).toBe('Old');
    await cache.save(client('tv', 'New'));
    expect((await cache.findById('tv'))?.displayName).toBe('New');
    expect(store.reads).toBe(2);
  });

  it('drops entries on invalidate()', async () => {
    const { store, cache } = setup();
    await store.save(client('tv', 'Old'));
    await cache.findById('tv');
    await store.save(client('tv', 'New'));
    expect((await cache.findById('tv'))?.displayName).toBe('Old');
    cache.invalidate('tv');
    expect((await cache.findById('tv'))?.displayName).toBe('New');
  });

  it('caches neither unknown ids nor failed reads', async () => {
    const { store, cache } = setup();
    expect(await cache.findById('later')).toBeNull();
    await store.save(client('later'));
    expect(await cache.findById('later')).not.toBeNull();
    store.failNext = true;
    cache.invalidate();
    await expect(cache.findById('later')).rejects.toThrow('database away');
    expect(await cache.findById('later')).not.toBeNull();
  });

  it('keeps at most maxEntries, evicting the oldest', async () => {
    const { store, cache } = setup(30_000, 2);
    for (const id of ['a', 'b', 'c']) await store.save(client(id));
    await cache.findById('a');
    await cache.findById('b');
    await cache.findById('c'); // evicts a
    expect(store.reads).toBe(3);
    await cache.findById('c');
    await cache.findById('b');
    expect(store.reads).toBe(3);
    await cache.findById('a');
    expect(store.reads).toBe(4);
  });

  it('returns frozen records, and reads every time when the TTL is 0', async () => {
    const { store, cache } = setup(0);
    await store.save(client('tv'));
    await cache.findById('tv');
    await cache.findById('tv');
    expect(store.reads).toBe(2);
    const cached = await setup().cache.findById('x');
    expect(cached).toBeNull();
    const { store: s2, cache: c2 } = setup();
    await s2.save(client('tv'));
    const record = (await c2.findById('tv'))!;
    expect(Object.isFrozen(record) && Object.isFrozen(record.scopes)).toBe(true);
  });
});
