import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BeforeApplicationShutdown,
  Injectable,
  type INestApplication,
  type Provider,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DeviceFlowModule,
  type DeviceFlowModuleOptions,
  DEVICE_FLOW_DATA_SOURCE,
  DeviceGrantRepository,
  DeviceGrantService,
  InMemoryKillSwitchRepository,
  type KillSwitchRecord,
  KillSwitchRepository,
  type KillSwitchState,
  ManualClock,
  type TokenRecord,
  TokenRepository,
  TypeOrmTokenRepository,
} from '../../libs/device-flow/src/index.js';
import type { DataSource } from 'typeorm';
import { KILL_SWITCH_CACHE_MS } from '../../libs/device-flow/src/management/kill-switch.js';
import { describeWith, randomRedisPrefix, REDIS_URL } from '../support/databases.js';
import { type HttpResult, post } from '../support/instances.js';
import { ADAPTERS, createNestApp, TEST_CLIENTS } from '../support/test-app.js';

/**
 * A shutdown (SIGTERM with `enableShutdownHooks`, or `app.close()`) while requests are in flight: Nest runs the
 * modules' destroy hooks, then stops the HTTP server (which lets requests under way finish), then the shutdown
 * hooks. The stores the module opened must stay open until the server has stopped, so a request caught by the
 * shutdown — a redemption between its claim and its commit, say — is answered as if nothing happened, never
 * with a 500 from a closed database, and never leaving a claim behind that nothing will undo.
 */

/** Once armed, holds the next call that {@link pass}es it until let through, and tells when one waits. */
class OneShotGate {
  private gate: { reached: () => void; open: Promise<void> } | null = null;

  /** Holds the next call; `waiting` resolves once it is held, `letThrough` lets it on. */
  arm(): { waiting: Promise<void>; letThrough: () => void } {
    let reached!: () => void;
    let letThrough!: () => void;
    const waiting = new Promise<void>((r) => (reached = r));
    const open = new Promise<void>((r) => (letThrough = r));
    this.gate = { reached, open };
    return { waiting, letThrough };
  }

  /** Waits here if armed (once), else goes straight on. */
  async pass(): Promise<void> {
    const gate = this.gate;
    if (!gate) return;
    this.gate = null;
    gate.reached();
    await gate.open;
  }
}

/** Holds the next kill-switch read (a poll's first step) once armed. */
@Injectable()
class GatedKillSwitches implements KillSwitchRepository {
  private readonly inner = new InMemoryKillSwitchRepository();
  private readonly gate = new OneShotGate();

  arm(): { waiting: Promise<void>; letThrough: () => void } {
    return this.gate.arm();
  }

  engage(record: KillSwitchRecord): Promise<void> {
    return this.inner.engage(record);
  }
  release(target: string, at: number): Promise<boolean> {
    return this.inner.release(target, at);
  }
  async findState(targets: readonly string[]): Promise<KillSwitchState> {
    await this.gate.pass();
    return this.inner.findState(targets);
  }
  list(): Promise<KillSwitchRecord[]> {
    return this.inner.list();
  }
}

/** Resolves once Nest has run every destroy hook and is about to stop the HTTP server. */
@Injectable()
class ShutdownProbe implements BeforeApplicationShutdown {
  private reached!: () => void;
  readonly stopping = new Promise<void>((r) => (this.reached = r));
  beforeApplicationShutdown(): void {
    this.reached();
  }
}

describe('graceful shutdown: the gate', () => {
  it('holds the read it is armed for, and only that one', async () => {
    // The gate itself, so the suites below cannot pass by never holding anything.
    const gate = new GatedKillSwitches();
    await gate.findState(['tv']); // not armed: straight through
    const { waiting, letThrough } = gate.arm();
    let done = false;
    const read = gate.findState(['tv']).then(() => (done = true));
    await waiting;
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false);
    letThrough();
    await read;
    expect(done).toBe(true);
  });
});

interface Running {
  app: INestApplication;
  url: string;
  clock: ManualClock;
  gate: GatedKillSwitches;
  probe: ShutdownProbe;
  grants: DeviceGrantService;
}

/** The module with `options` and `providers`, listening on 127.0.0.1 (a free port) on `adapter`. */
async function listening(
  adapter: (typeof ADAPTERS)[number],
  options: Partial<DeviceFlowModuleOptions>,
  providers: Provider[] = [],
): Promise<{ app: INestApplication; url: string }> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      DeviceFlowModule.forRoot({
        issuer: 'http://localhost:3000',
        clients: TEST_CLIENTS,
        hashSecret: 'test-hash-secret-0123456789',
        purge: { interval: false },
        ...options,
        providers,
      }),
    ],
  }).compile();
  const app = await createNestApp(moduleRef, { adapter });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${port}` };
}

async function start(
  adapter: (typeof ADAPTERS)[number],
  options: Partial<DeviceFlowModuleOptions>,
): Promise<Running> {
  const clock = new ManualClock();
  const { app, url } = await listening(adapter, { clock, ...options }, [
    GatedKillSwitches,
    { provide: KillSwitchRepository, useExisting: GatedKillSwitches },
    ShutdownProbe,
  ]);
  return {
    app,
    url,
    clock,
    gate: app.get(GatedKillSwitches),
    probe: app.get(ShutdownProbe),
    grants: app.get(DeviceGrantService),
  };
}

/**
 * Polls for `deviceCode`, holding the poll at its first step while the app shuts down: lets it on once Nest
 * has run every destroy hook and is about to stop the HTTP server. Returns the poll's answer once the app has
 * closed.
 */
async function pollDuringShutdown(r: Running, deviceCode: string): Promise<HttpResult> {
  // Past the kill switch's short cache, so the poll reads it (and meets the gate).
  r.clock.advance(KILL_SWITCH_CACHE_MS + 1000);
  const { waiting, letThrough } = r.gate.arm();
  const answer = postOnOwnConnection(`${r.url}/oauth/token`, {
    grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
    client_id: 'tv',
    device_code: deviceCode,
  });
  await waiting;
  const closed = r.app.close();
  await r.probe.stopping;
  letThrough();
  const result = await answer;
  await closed;
  return result;
}

/**
 * POSTs a form on a connection of its own, closed after the answer (`Connection: close`): a keep-alive
 * connection the client leaves open would hold `app.close()` until the client's idle timeout.
 */
function postOnOwnConnection(url: string, form: Record<string, string>): Promise<HttpResult> {
  const body = new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/x-www-form-urlencoded', connection: 'close' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: new Headers(res.headers as Record<string, string>),
            body: JSON.parse(text) as Record<string, unknown>,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const storages: Array<{
  name: string;
  needs: Array<'redis'>;
  options: (dir: string) => Partial<DeviceFlowModuleOptions>;
}> = [
  {
    name: 'a SQLite file the module opened',
    needs: [],
    options: (dir) => ({ database: { type: 'better-sqlite3', database: join(dir, 'db.sqlite') } }),
  },
  {
    name: 'device codes in Redis, the rest in SQLite',
    needs: ['redis'],
    options: (dir) => ({
      database: { type: 'better-sqlite3', database: join(dir, 'db.sqlite') },
      storage: 'redis',
      redis: { url: REDIS_URL, keyPrefix: randomRedisPrefix() },
    }),
  },
];

for (const storage of storages) {
  await describeWith(`graceful shutdown with ${storage.name}`, storage.needs, () => {
    describe.each(ADAPTERS)('on %s', (adapter) => {
      let dir: string;
      let running: Running | undefined;
      afterEach(async () => {
        await running?.app.close().catch(() => undefined);
        running = undefined;
        rmSync(dir, { recursive: true, force: true });
      });

      async function started(): Promise<{ r: Running; deviceCode: string; userCode: string }> {
        dir = mkdtempSync(join(tmpdir(), 'df-shutdown-'));
        const r = (running = await start(adapter, storage.options(dir)));
        const issued = await post(`${r.url}/oauth/device_authorization`, {
          client_id: 'tv',
          scope: 'read',
        });
        expect(issued.status).toBe(200);
        return {
          r,
          deviceCode: issued.body.device_code as string,
          userCode: issued.body.user_code as string,
        };
      }

      it('answers a pending poll caught by the shutdown from the store', async () => {
        const { r, deviceCode } = await started();
        const res = await pollDuringShutdown(r, deviceCode);
        expect(res.status).toBe(400);
        expect(res.body).toEqual({
          error: 'authorization_pending',
          error_description: expect.any(String),
        });
      });

      it('completes a redemption caught by the shutdown: tokens, not a 500 or a burnt code', async () => {
        const { r, deviceCode, userCode } = await started();
        await r.grants.approve(userCode, 'alice', ['read']);
        const res = await pollDuringShutdown(r, deviceCode);
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ token_type: 'Bearer', access_token: expect.any(String) });
      });
    });
  });
}

/** Holds the next `save` (a redemption's tokens: after its claim, before its commit) once armed. */
class GatedTokens implements TokenRepository {
  private readonly gate = new OneShotGate();
  constructor(private readonly inner: TokenRepository) {}

  arm(): { waiting: Promise<void>; letThrough: () => void } {
    return this.gate.arm();
  }

  async save(records: TokenRecord[]): Promise<void> {
    await this.gate.pass();
    return this.inner.save(records);
  }
  findByHash(hash: string): Promise<TokenRecord | null> {
    return this.inner.findByHash(hash);
  }
  revoke(id: string, now: number): Promise<boolean> {
    return this.inner.revoke(id, now);
  }
  revokeGrant(grantId: string, now: number): Promise<number> {
    return this.inner.revokeGrant(grantId, now);
  }
  deleteExpired(before: number): Promise<number> {
    return this.inner.deleteExpired(before);
  }
}

await describeWith(
  'graceful shutdown: a redemption whose client is gone (device codes in Redis)',
  ['redis'],
  () => {
    describe.each(ADAPTERS)('on %s', (adapter) => {
      it('still commits: the stores wait for it, so the code is never consumed without its tokens', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'df-shutdown-'));
        const options: Partial<DeviceFlowModuleOptions> = {
          database: { type: 'better-sqlite3', database: join(dir, 'db.sqlite') },
          storage: 'redis',
          redis: { url: REDIS_URL, keyPrefix: randomRedisPrefix() },
        };
        const gatedTokens: Provider = {
          provide: TokenRepository,
          inject: [DEVICE_FLOW_DATA_SOURCE],
          useFactory: (s: { dataSource: DataSource }) =>
            new GatedTokens(new TypeOrmTokenRepository(s.dataSource)),
        };
        const boot = (gated: boolean) => listening(adapter, options, gated ? [gatedTokens] : []);
        try {
          const first = await boot(true);
          const issued = await post(`${first.url}/oauth/device_authorization`, {
            client_id: 'tv',
            scope: 'read',
          });
          await first.app
            .get(DeviceGrantService)
            .approve(issued.body.user_code as string, 'alice', ['read']);
          const { waiting, letThrough } = (first.app.get(TokenRepository) as GatedTokens).arm();
          const req = httpRequest(`${first.url}/oauth/token`, {
            method: 'POST',
            agent: false,
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          });
          req.on('error', () => undefined);
          req.end(
            new URLSearchParams({
              grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
              client_id: 'tv',
              device_code: issued.body.device_code as string,
            }).toString(),
          );
          await waiting; // claimed in Redis, tokens not yet stored
          req.destroy(); // the device gave up (its HTTP timeout)
          const closed = first.app.close();
          // The server stops at once (no connection left); the stores must still wait for the redemption.
          const server = first.app.getHttpServer() as { listening: boolean };
          while (server.listening) await new Promise((r) => setTimeout(r, 5));
          await new Promise((r) => setTimeout(r, 200));
          letThrough();
          await closed;

          // Same stores, a new app: the redemption committed — its grant is there, the code is used.
          const second = await boot(false);
          try {
            const grants = await second.app
              .get<symbol, DeviceGrantRepository>(DeviceGrantRepository)
              .findActiveBySubject('alice', Date.now());
            expect(grants).toHaveLength(1);
            expect(grants[0]!.clientId).toBe('tv');
          } finally {
            await second.app.close();
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    });
  },
);
