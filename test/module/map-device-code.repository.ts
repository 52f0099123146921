import {
  type DeviceCodeChanges,
  type DeviceCodeRecord,
  type DeviceCodeRepository,
  type DeviceCodeStatus,
  UserCodeCollisionError,
} from '../../libs/device-flow/src/index.js';

/**
 * An integrator's own DeviceCodeRepository, written from the interface alone (no subclassing), as a
 * Redis-like key-value store would be: records serialised under `dc:<id>`, index keys pointing at ids.
 * It records each call, so tests can prove the module used it.
 */
export class MapDeviceCodeRepository implements DeviceCodeRepository {
  readonly store = new Map<string, string>();
  readonly calls: string[] = [];

  async create(record: DeviceCodeRecord): Promise<void> {
    this.calls.push('create');
    if (this.store.has(`uc:${record.userCodeHash}`)) throw new UserCodeCollisionError();
    if (this.store.has(`dh:${record.deviceCodeHash}`) || this.store.has(`dc:${record.id}`))
      throw new Error('duplicate device code');
    this.store.set(`dc:${record.id}`, JSON.stringify(record));
    this.store.set(`dh:${record.deviceCodeHash}`, record.id);
    this.store.set(`uc:${record.userCodeHash}`, record.id);
  }

  async findByDeviceCodeHash(hash: string): Promise<DeviceCodeRecord | null> {
    this.calls.push('findByDeviceCodeHash');
    return this.load(this.store.get(`dh:${hash}`));
  }

  async findByUserCodeHash(hash: string): Promise<DeviceCodeRecord | null> {
    this.calls.push('findByUserCodeHash');
    return this.load(this.store.get(`uc:${hash}`));
  }

  async recordPoll(
    id: string,
    now: number,
    toleranceMs: number,
    slowDown: number,
  ): Promise<boolean> {
    this.calls.push('recordPoll');
    const r = this.load(id);
    if (!r) return false;
    const onTime =
      r.lastPolledAt === null || now >= r.lastPolledAt + r.interval * 1000 - toleranceMs;
    this.put({ ...r, lastPolledAt: now, interval: onTime ? r.interval : r.interval + slowDown });
    return onTime;
  }

  async transition(
    id: string,
    from: DeviceCodeStatus,
    to: DeviceCodeStatus,
    now: number,
    changes: DeviceCodeChanges = {},
  ): Promise<boolean> {
    this.calls.push(`transition:${from}->${to}`);
    const r = this.load(id);
    if (!r || r.status !== from || (from === 'pending' && r.expiresAt <= now)) return false;
    this.put({ ...r, ...changes, status: to });
    return true;
  }

  async deleteExpired(before: number): Promise<number> {
    let n = 0;
    for (const [key, value] of this.store) {
      if (!key.startsWith('dc:')) continue;
      const r = JSON.parse(value) as DeviceCodeRecord;
      if (r.expiresAt < before) {
        for (const k of [key, `dh:${r.deviceCodeHash}`, `uc:${r.userCodeHash}`])
          this.store.delete(k);
        n++;
      }
    }
    return n;
  }

  private load(id: string | undefined): DeviceCodeRecord | null {
    const json = id === undefined ? undefined : this.store.get(`dc:${id}`);
    return json ? (JSON.parse(json) as DeviceCodeRecord) : null;
  }

  private put(r: DeviceCodeRecord): void {
    this.store.set(`dc:${r.id}`, JSON.stringify(r));
  }
}
