import type { TokenRecord, TokenRepository } from '../token.repository.js';
import { TransactionContext } from '../unit-of-work.js';
import { warnDevelopmentOnly } from './dev-only.js';

/** {@link TokenRepository} in process memory. For development and tests only. */
export class InMemoryTokenRepository implements TokenRepository {
  private readonly byHash = new Map<string, TokenRecord>();
  private readonly byId = new Map<string, TokenRecord>();
  /** How many times each grant's tokens were revoked as a whole: an undo must not outlive one (see revoke). */
  private readonly grantRevocations = new Map<string, number>();

  constructor() {
    warnDevelopmentOnly('TokenRepository');
  }

  /** All or nothing, like one multi-row INSERT: a hash or id already stored (or repeated) saves none. */
  async save(records: TokenRecord[]): Promise<void> {
    const hashes = new Set(records.map((r) => r.tokenHash));
    const ids = new Set(records.map((r) => r.id));
    if (
      hashes.size !== records.length ||
      ids.size !== records.length ||
      records.some((r) => this.byHash.has(r.tokenHash) || this.byId.has(r.id))
    ) {
      throw new Error('duplicate token');
    }
    for (const r of records) {
      const copy = { ...r };
      this.byHash.set(r.tokenHash, copy);
      this.byId.set(r.id, copy);
    }
  }

  async findByHash(hash: string): Promise<TokenRecord | null> {
    const r = this.byHash.get(hash);
    return r ? { ...r } : null;
  }

  async revoke(id: string, now: number): Promise<boolean> {
    const r = this.byId.get(id);
    if (!r || r.revokedAt !== null) return false;
    r.revokedAt = now;
    // Inside a unit of work that fails (a refresh whose new tokens could not be stored), the token is live again
    // — unless its grant was revoked meanwhile, which skipped this token as already revoked.
    const epoch = this.grantRevocations.get(r.grantId) ?? 0;
    TransactionContext.current()?.onRollback(async () => {
      if (r.revokedAt === now && (this.grantRevocations.get(r.grantId) ?? 0) === epoch)
        r.revokedAt = null;
    });
    return true;
  }

  async revokeGrant(grantId: string, now: number): Promise<number> {
    this.grantRevocations.set(grantId, (this.grantRevocations.get(grantId) ?? 0) + 1);
    let n = 0;
    for (const r of this.byId.values()) {
      if (r.grantId === grantId && r.revokedAt === null) {
        r.revokedAt = now;
        n++;
      }
    }
    return n;
  }

  async deleteExpired(before: number): Promise<number> {
    let n = 0;
    for (const r of [...this.byId.values()]) {
      if (r.expiresAt < before) {
        this.byId.delete(r.id);
        this.byHash.delete(r.tokenHash);
        n++;
      }
    }
    // Epochs only matter for grants that still have tokens.
    const live = new Set([...this.byId.values()].map((r) => r.grantId));
    for (const grantId of this.grantRevocations.keys())
      if (!live.has(grantId)) this.grantRevocations.delete(grantId);
    return n;
  }
}
