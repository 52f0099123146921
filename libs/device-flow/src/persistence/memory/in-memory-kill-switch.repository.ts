import type {
  KillSwitchRecord,
  KillSwitchRepository,
  KillSwitchState,
} from '../kill-switch.repository.js';
import { warnDevelopmentOnly } from './dev-only.js';

/** A target's switch: engaged while `releasedAt` is null. */
type StoredSwitch = KillSwitchRecord & { releasedAt: number | null };

/** {@link KillSwitchRepository} in process memory. For development and tests only. */
export class InMemoryKillSwitchRepository implements KillSwitchRepository {
  private readonly switches = new Map<string, StoredSwitch>();

  constructor() {
    warnDevelopmentOnly('KillSwitchRepository');
  }

  async engage(record: KillSwitchRecord): Promise<void> {
    const { target, disabledAt, reason } = record;
    this.switches.set(target, { target, disabledAt, reason, releasedAt: null });
  }

  async release(target: string, at: number): Promise<boolean> {
    const stored = this.switches.get(target);
    if (!stored || stored.releasedAt !== null) return false;
    stored.releasedAt = at;
    return true;
  }

  async findState(targets: readonly string[]): Promise<KillSwitchState> {
    let engaged: KillSwitchRecord | null = null;
    let lastReleasedAt: number | null = null;
    for (const t of targets) {
      const s = this.switches.get(t);
      if (!s) continue;
      if (s.releasedAt === null) engaged ??= engagedRecord(s);
      else lastReleasedAt = Math.max(lastReleasedAt ?? s.releasedAt, s.releasedAt);
    }
    return { engaged, lastReleasedAt };
  }

  async list(): Promise<KillSwitchRecord[]> {
    return [...this.switches.values()].filter((s) => s.releasedAt === null).map(engagedRecord);
  }
}

function engagedRecord({ target, disabledAt, reason }: StoredSwitch): KillSwitchRecord {
  return { target, disabledAt, reason };
}
