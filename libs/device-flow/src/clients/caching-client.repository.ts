import type { Clock } from '../clock/clock.js';
import type { ClientRecord, ClientRepository } from './client.repository.js';

/** Most clients kept at once; the oldest entry goes first when full. */
export const CLIENT_CACHE_MAX_ENTRIES = 1000;

interface CacheEntry {
  expiresAt: number;
  client: Promise<ClientRecord | null>;
}

/**
 * A {@link ClientRepository} that remembers the clients another one returns for a bounded time, so the token
 * endpoint does not read the client on every poll (a device polls every few seconds for minutes).
 *
 * - Entries live `ttlMs` (the `clientCacheTtl` option; 0 turns caching off) and at most
 *   {@link CLIENT_CACHE_MAX_ENTRIES} are kept, so a change made elsewhere (another instance, a console) shows
 *   within the TTL, and memory stays bounded.
 * - `save` through this repository drops the entry at once. Unknown ids and failed reads are not cached, so a
 *   new client works immediately and a database outage is not remembered.
 * - Concurrent misses for one id share one read. Cached records are frozen: callers cannot alter them.
 *
 * The module's endpoints read clients through it; hosts that edit clients at run time should save through it
 * too (it is exported as `CachingClientRepository`).
 *
 * @see RFC 6749 §2.3 (client authentication, on every token request)
 */
export class CachingClientRepository implements ClientRepository {
  private readonly entries = new Map<string, CacheEntry>();

  constructor(
    private readonly store: ClientRepository,
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly maxEntries = CLIENT_CACHE_MAX_ENTRIES,
  ) {}

  findById(clientId: string): Promise<ClientRecord | null> {
    if (this.ttlMs <= 0) return this.store.findById(clientId);
    const now = this.clock.now();
    const hit = this.entries.get(clientId);
    if (hit !== undefined) {
      if (hit.expiresAt > now) return hit.client;
      this.entries.delete(clientId);
    }
    const client = this.store.findById(clientId).then((c) => (c === null ? null : freeze(c)));
    const entry: CacheEntry = { expiresAt: now + this.ttlMs, client };
    const forget = () => {
      if (this.entries.get(clientId) === entry) this.entries.delete(clientId);
    };
    client.then((c) => c === null && forget(), forget);
    if (this.entries.size >= this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
    this.entries.set(clientId, entry);
    return client;
  }

  async save(client: ClientRecord): Promise<void> {
    this.entries.delete(client.clientId);
    try {
      await this.store.save(client);
    } finally {
      // A read that started during the write may have cached the old record.
      this.entries.delete(client.clientId);
    }
  }

  /** Drops one client (or all) from the cache, e.g. after changing it behind this repository's back. */
  invalidate(clientId?: string): void {
    if (clientId === undefined) this.entries.clear();
    else this.entries.delete(clientId);
  }
}

function freeze(c: ClientRecord): ClientRecord {
  Object.freeze(c.grantTypes);
  Object.freeze(c.scopes);
  return Object.freeze(c);
}
