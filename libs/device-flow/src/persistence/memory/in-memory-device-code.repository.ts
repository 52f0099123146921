import {
  type DeviceCodeChanges,
  type DeviceCodeRecord,
  type DeviceCodeRepository,
  type DeviceCodeStatus,
  type PendingPollOutcome,
  UserCodeCollisionError,
} from '../device-code.repository.js';
import { TransactionContext } from '../unit-of-work.js';
import { warnDevelopmentOnly } from './dev-only.js';

/**
 * {@link DeviceCodeRepository} in process memory. Each method runs synchronously to completion, so every
 * compare-and-set is atomic within the process. For development and tests only.
 */
export class InMemoryDeviceCodeRepository implements DeviceCodeRepository {
  private readonly byId = new Map<string, DeviceCodeRecord>();
  private readonly byDeviceCode = new Map<string, string>();
  private readonly byUserCode = new Map<string, string>();

  constructor() {
    warnDevelopmentOnly('DeviceCodeRepository');
  }

  async create(record: DeviceCodeRecord): Promise<void> {
    if (this.byUserCode.has(record.userCodeHash)) throw new UserCodeCollisionError();
    if (this.byDeviceCode.has(record.deviceCodeHash) || this.byId.has(record.id)) {
      throw new Error('duplicate device code');
    }
    this.byId.set(record.id, { ...record });
    this.byDeviceCode.set(record.deviceCodeHash, record.id);
    this.byUserCode.set(record.userCodeHash, record.id);
  }

  async findByDeviceCodeHash(hash: string): Promise<DeviceCodeRecord | null> {
    return this.copy(this.byDeviceCode.get(hash));
  }

  async findByUserCodeHash(hash: string): Promise<DeviceCodeRecord | null> {
    return this.copy(this.byUserCode.get(hash));
  }

  async recordPoll(
    id: string,
    now: number,
    toleranceMs: number,
    slowDownSeconds: number,
  ): Promise<boolean> {
    const r = this.byId.get(id);
    if (!r) return false;
    const respected =
      r.lastPolledAt === null || now >= r.lastPolledAt + r.interval * 1000 - toleranceMs;
    if (!respected) r.interval += slowDownSeconds;
    r.lastPolledAt = now;
    return respected;
  }

  async recordPendingPoll(
    deviceCodeHash: string,
    clientId: string,
    now: number,
    toleranceMs: number,
    slowDownSeconds: number,
  ): Promise<PendingPollOutcome> {
    const id = this.byDeviceCode.get(deviceCodeHash);
    const r = id === undefined ? undefined : this.byId.get(id);
    if (!r || r.clientId !== clientId || r.status !== 'pending' || r.expiresAt <= now) return null;
    const respected = await this.recordPoll(r.id, now, toleranceMs, slowDownSeconds);
    return respected ? 'authorization_pending' : 'slow_down';
  }

  async transition(
    id: string,
    from: DeviceCodeStatus,
    to: DeviceCodeStatus,
    now: number,
    changes: DeviceCodeChanges = {},
  ): Promise<boolean> {
    const r = this.byId.get(id);
    if (!r || r.status !== from) return false;
    if (from === 'pending' && r.expiresAt <= now) return false;
    const before = {
      status: r.status,
      subject: r.subject,
      grantedScope: r.grantedScope,
      decidedAt: r.decidedAt,
    };
    Object.assign(r, changes, { status: to });
    // No transactions here: if the surrounding unit of work fails, put the record back (compare-and-set).
    TransactionContext.current()?.onRollback(async () => {
      if (r.status === to) Object.assign(r, before);
    });
    return true;
  }

  async deleteExpired(before: number): Promise<number> {
    let n = 0;
    for (const r of [...this.byId.values()]) {
      if (r.expiresAt < before) {
        this.byId.delete(r.id);
        this.byDeviceCode.delete(r.deviceCodeHash);
        this.byUserCode.delete(r.userCodeHash);
        n++;
      }
    }
    return n;
  }

  private copy(id: string | undefined): DeviceCodeRecord | null {
    const r = id === undefined ? undefined : this.byId.get(id);
    return r ? { ...r } : null;
  }
}
