import type { KillSwitchRecord, KillSwitchRepository } from '../kill-switch.repository.js';
import { warnDevelopmentOnly } from './dev-only.js';

/** {@link KillSwitchRepository} in process memory. For development and tests only. */
export class InMemoryKillSwitchRepository implements KillSwitchRepository {
  private readonly switches = new Map<string, KillSwitchRecord>();

  constructor() {
    warnDevelopmentOnly('KillSwitchRepository');
  }

  async engage(record: KillSwitchRecord): Promise<void> {
    this.switches.set(record.target, { ...record });
  }

  async release(target: string): Promise<boolean> {
    return this.switches.delete(target);
  }

  async findAny(targets: readonly string[]): Promise<KillSwitchRecord | null> {
    for (const t of targets) {
      const r = this.switches.get(t);
      if (r) return { ...r };
    }
    return null;
  }

  async list(): Promise<KillSwitchRecord[]> {
    return [...this.switches.values()].map((r) => ({ ...r }));
  }
}
