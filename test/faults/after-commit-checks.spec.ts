import { describe, expect, it } from 'vitest';
import {
  type DeviceGrantRecord,
  DeviceGrantRepository,
  InMemoryDeviceGrantRepository,
  InMemoryKillSwitchRepository,
  InMemoryTokenRepository,
  type KillSwitchState,
  KillSwitchRepository,
  type TokenRecord,
  TokenRepository,
} from '../../libs/device-flow/src/index.js';
import { authorize, poll, startInstance } from '../support/instances.js';

/** The in-memory kill switch store, whose reads fail while `failing` is set. */
class FlakyKillSwitchRepository extends InMemoryKillSwitchRepository {
  failing = false;
  override async findState(targets: readonly string[]): Promise<KillSwitchState> {
    if (this.failing) throw new Error('Connection terminated unexpectedly');
    return super.findState(targets);
  }
}

/** The in-memory token store, which sets off the kill switch store's failure once tokens are stored. */
class TriggeringTokenRepository extends InMemoryTokenRepository {
  constructor(private readonly onSave: () => void) {
    super();
  }
  override async save(records: TokenRecord[]): Promise<void> {
    await super.save(records);
    this.onSave();
  }
}

/**
 * The in-memory grant store, whose reads fail from the third after a refresh recorded its use: a refresh reads its
 * grant twice inside its unit of work (before spending the old token, after storing the new ones) and once after
 * the commit.
 */
class FlakyGrantRepository extends InMemoryDeviceGrantRepository {
  private readsLeft = Infinity;
  stopFailing(): void {
    this.readsLeft = Infinity;
  }
  override async findById(id: string): Promise<DeviceGrantRecord | null> {
    if (this.readsLeft-- <= 0) throw new Error('Connection terminated unexpectedly');
    return super.findById(id);
  }
  override async recordUse(id: string, at: number, expiresAt: number): Promise<void> {
    await super.recordUse(id, at, expiresAt);
    this.readsLeft = 2;
  }
}

/**
 * The checks a redemption or a refresh makes after its commit (the kill switch, engaged while the tokens were minted) are
 * best effort: the tokens are stored and the code spent by then, and failing the request would leave the device
 * nothing to retry with — its next poll would be a replay.
 */
describe('checks after a redemption or refresh commits', () => {
  it('a kill switch store that fails after the commit does not cost the device its tokens', async () => {
    const switches = new FlakyKillSwitchRepository();
    const app = await startInstance({ storage: 'memory' }, [
      { provide: KillSwitchRepository, useValue: switches },
      {
        provide: TokenRepository,
        useValue: new TriggeringTokenRepository(() => (switches.failing = true)),
      },
    ]);
    try {
      const auth = await authorize(app);
      await app.grants.approve(auth.user_code, 'alice');
      const ok = await poll(app, auth.device_code);
      expect(ok.status).toBe(200);
      expect(typeof ok.body.access_token).toBe('string');
      switches.failing = false;
      const active = await app.post('/oauth/introspect', {
        token: String(ok.body.access_token),
        client_id: 'tv',
      });
      expect(active.body.active).toBe(true);
    } finally {
      await app.close();
    }
  });

  it('a grant store that fails after a refresh commits does not cost the client its new tokens', async () => {
    const grants = new FlakyGrantRepository();
    const app = await startInstance({ storage: 'memory' }, [
      { provide: DeviceGrantRepository, useValue: grants },
    ]);
    try {
      const auth = await authorize(app);
      await app.grants.approve(auth.user_code, 'alice');
      const first = await poll(app, auth.device_code);
      const refreshed = await app.post('/oauth/token', {
        grant_type: 'refresh_token',
        client_id: 'tv',
        refresh_token: String(first.body.refresh_token),
      });
      expect(refreshed.status).toBe(200);
      grants.stopFailing();
      const again = await app.post('/oauth/token', {
        grant_type: 'refresh_token',
        client_id: 'tv',
        refresh_token: String(refreshed.body.refresh_token),
      });
      expect(again.status).toBe(200);
    } finally {
      await app.close();
    }
  });
});

/** The in-memory grant store, whose `create` fails with `failure` while it is set. */
class FailingCreateGrantRepository extends InMemoryDeviceGrantRepository {
  failure: Error | null = null;
  override async create(record: DeviceGrantRecord): Promise<void> {
    if (this.failure) throw this.failure;
    return super.create(record);
  }
}

describe('a replay that cannot wait for a running redemption', () => {
  it('answers 503 and revokes nothing yet; a deadlock among waiters counts as the wait being over', async () => {
    const grants = new FailingCreateGrantRepository();
    const app = await startInstance({ storage: 'memory' }, [
      { provide: DeviceGrantRepository, useValue: grants },
    ]);
    try {
      const auth = await authorize(app);
      await app.grants.approve(auth.user_code, 'alice');
      const ok = await poll(app, auth.device_code);
      expect(ok.status).toBe(200);
      const active = async () =>
        (
          await app.post('/oauth/introspect', {
            token: String(ok.body.access_token),
            client_id: 'tv',
          })
        ).body.active;
      // The wait itself failed (a lost connection): not known to be over, so nothing is revoked on its word.
      grants.failure = new Error('Connection terminated unexpectedly');
      const unavailable = await poll(app, auth.device_code);
      expect(unavailable.status).toBe(503);
      expect(unavailable.body.error).toBe('temporarily_unavailable');
      expect(await active()).toBe(true);
      // A deadlock: the database rolled back whoever held the row, so the wait is over; the replay revokes.
      grants.failure = Object.assign(new Error('Deadlock found'), { code: 'ER_LOCK_DEADLOCK' });
      const replay = await poll(app, auth.device_code);
      expect(replay.body.error).toBe('invalid_grant');
      expect(await active()).toBe(false);
    } finally {
      await app.close();
    }
  });
});
