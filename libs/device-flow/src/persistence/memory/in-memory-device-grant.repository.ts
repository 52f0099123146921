import type { DeviceGrantRecord, DeviceGrantRepository } from '../device-grant.repository.js';
import { TransactionContext } from '../unit-of-work.js';
import { warnDevelopmentOnly } from './dev-only.js';

/** {@link DeviceGrantRepository} in process memory. For development and tests only. */
export class InMemoryDeviceGrantRepository implements DeviceGrantRepository {
  private readonly byId = new Map<string, DeviceGrantRecord>();

  constructor() {
    warnDevelopmentOnly('DeviceGrantRepository');
  }

  async create(record: DeviceGrantRecord): Promise<void> {
    if (this.byId.has(record.id)) return;
    const stored = { ...record };
    this.byId.set(record.id, stored);
    // Inside a unit of work that fails (a redemption whose tokens could not be stored), the grant goes again:
    // left behind, it would make the device's next poll look like a replay.
    TransactionContext.current()?.onRollback(async () => {
      if (this.byId.get(record.id) === stored) this.byId.delete(record.id);
    });
  }

  async findById(id: string): Promise<DeviceGrantRecord | null> {
    const r = this.byId.get(id);
    return r ? { ...r } : null;
  }

  async findActiveBySubject(subject: string, now: number): Promise<DeviceGrantRecord[]> {
    return this.active((r) => r.subject === subject && r.expiresAt > now);
  }

  async findActiveByClient(clientId: string | null): Promise<DeviceGrantRecord[]> {
    return this.active((r) => clientId === null || r.clientId === clientId);
  }

  async recordUse(id: string, at: number, expiresAt: number): Promise<void> {
    const r = this.byId.get(id);
    if (r) Object.assign(r, { lastUsedAt: at, expiresAt });
  }

  async revoke(id: string, now: number): Promise<boolean> {
    const r = this.byId.get(id);
    if (!r || r.revokedAt !== null) return false;
    r.revokedAt = now;
    return true;
  }

  async deleteExpired(before: number): Promise<number> {
    let n = 0;
    for (const [id, r] of this.byId) {
      if (r.expiresAt < before) {
        this.byId.delete(id);
        n++;
      }
    }
    return n;
  }

  private active(match: (r: DeviceGrantRecord) => boolean): DeviceGrantRecord[] {
    return [...this.byId.values()]
      .filter((r) => r.revokedAt === null && match(r))
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((r) => ({ ...r }));
  }
}
