import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock/clock.js';
import {
  type ClientRecord,
  DEVICE_CODE_GRANT_TYPE,
  REFRESH_TOKEN_GRANT_TYPE,
} from '../clients/client.repository.js';
import { CodeHasher } from '../codes/code-hasher.js';
import { resolveDeviceFlowOptions } from '../device-flow.options.js';
import { InvalidGrantError, InvalidScopeError } from '../errors/oauth.errors.js';
import { InProcessDeviceFlowEvents } from '../events/device-flow-events.js';
import { InMemoryDeviceGrantRepository } from '../persistence/memory/in-memory-device-grant.repository.js';
import { InMemoryTokenRepository } from '../persistence/memory/in-memory-token.repository.js';
import type { TokenRecord } from '../persistence/token.repository.js';
import { CompensatingUnitOfWork } from '../persistence/unit-of-work.js';
import { OpaqueTokenIssuer } from './opaque-token.issuer.js';
import { TokenService } from './token.service.js';

const client: ClientRecord = {
  clientId: 'tv',
  secretHash: null,
  grantTypes: [DEVICE_CODE_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE],
  scopes: ['read', 'write'],
  displayName: 'TV',
  disabled: false,
};
const grant = { clientId: 'tv', subject: 'alice', scope: 'read write', grantId: 'g1' };

/**
 * An in-memory token store whose first `save` after `hold()` waits until `release()`, and whose next `save` after
 * `failNext = true` fails.
 */
class GatedTokenRepository extends InMemoryTokenRepository {
  failNext = false;
  private gate: Promise<void> | null = null;
  private open: () => void = () => {};
  readonly all: TokenRecord[] = [];

  hold(): void {
    this.gate = new Promise((r) => (this.open = r));
  }
  release(): void {
    this.open();
  }
  override async save(records: TokenRecord[]): Promise<void> {
    const gate = this.gate;
    this.gate = null;
    if (gate) await gate;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('token store unavailable');
    }
    this.all.push(...records);
    return super.save(records);
  }
}

function setup() {
  const repo = new GatedTokenRepository();
  const hasher = new CodeHasher('unit-test-secret-0123');
  const clock = new ManualClock();
  const grants = new InMemoryDeviceGrantRepository();
  const events = new InProcessDeviceFlowEvents();
  const service = new TokenService(
    resolveDeviceFlowOptions({ issuer: 'https://as.example' }),
    repo,
    hasher,
    clock,
    new OpaqueTokenIssuer(),
    grants,
    events,
    new CompensatingUnitOfWork(),
  );
  // the grant record the device code redemption creates
  void grants.create({
    id: grant.grantId,
    clientId: grant.clientId,
    subject: grant.subject,
    scope: grant.scope,
    requestedAt: clock.now(),
    approvedAt: clock.now(),
    createdAt: clock.now(),
    lastUsedAt: clock.now(),
    expiresAt: clock.now() + 86400_000,
    requestIp: null,
    requestUserAgent: null,
    revokedAt: null,
  });
  const live = async () => {
    const states = await Promise.all(repo.all.map((r) => repo.findByHash(r.tokenHash)));
    return states.filter((r) => r && r.revokedAt === null && r.kind === 'refresh');
  };
  return { repo, service, clock, live, events, grants };
}

describe('TokenService.refresh (RFC 6749 §6, RFC 9700 §4.14.2)', () => {
  it('rotates: new tokens, old refresh token spent, scope kept', async () => {
    const { service } = setup();
    const first = await service.issue(grant, client);
    const second = await service.refresh(client, first.refresh_token!, undefined);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
    expect(second.scope).toBe('read write');
    await expect(service.refresh(client, first.refresh_token!, undefined)).rejects.toBeInstanceOf(
      InvalidGrantError,
    );
  });

  it('a too-wide scope is invalid_scope and does not spend the refresh token', async () => {
    const { service } = setup();
    const first = await service.issue(grant, client);
    await expect(
      service.refresh(client, first.refresh_token!, 'read admin'),
    ).rejects.toBeInstanceOf(InvalidScopeError);
    await expect(service.refresh(client, first.refresh_token!, 'read')).resolves.toMatchObject({
      scope: 'read',
    });
  });

  it('new tokens that cannot be stored leave the refresh token unspent: the retry is a rotation, not a reuse', async () => {
    const { repo, service, events } = setup();
    const seen: string[] = [];
    events.subscribe((e) => void seen.push(e.type));
    const first = await service.issue(grant, client);
    repo.failNext = true;
    await expect(service.refresh(client, first.refresh_token!, undefined)).rejects.toThrow(
      'token store unavailable',
    );
    const retried = await service.refresh(client, first.refresh_token!, undefined);
    expect(retried.refresh_token).not.toBe(first.refresh_token);
    expect(seen).not.toContain('refresh_token.reused');
    // Spent now, once: a third presentation is a reuse.
    await expect(service.refresh(client, first.refresh_token!, undefined)).rejects.toThrow(
      'refresh token was already used; the grant has been revoked',
    );
  });

  it('a refresh that fails after its grant was removed meanwhile does not bring the old token back', async () => {
    const { repo, service, grants, clock } = setup();
    const first = await service.issue(grant, client);
    repo.hold();
    repo.failNext = true;
    const failed = service.refresh(client, first.refresh_token!, undefined).then(
      () => 'ok',
      (e: unknown) => (e as Error).message,
    );
    await new Promise((r) => setImmediate(r));
    // The device is removed while the refresh waits to store its tokens: the old one is already spent.
    await grants.revoke(grant.grantId, clock.now());
    await repo.revokeGrant(grant.grantId, clock.now());
    repo.release();
    expect(await failed).toBe('token store unavailable');
    const old = await repo.findByHash(repo.all.find((r) => r.kind === 'refresh')!.tokenHash);
    expect(old?.revokedAt).not.toBeNull();
  });

  it('a reuse racing a rotation never leaves a live refresh token behind', async () => {
    // The first request stalls while storing; a reuse of the same token arrives meanwhile.
    const { repo, service, live } = setup();
    const first = await service.issue(grant, client);
    repo.hold();
    const stalled = service.refresh(client, first.refresh_token!, undefined).then(
      () => 'ok',
      (e: unknown) => (e as Error).name,
    );
    await new Promise((r) => setImmediate(r));
    const reuse = await service.refresh(client, first.refresh_token!, undefined).then(
      () => 'ok',
      (e: unknown) => (e as Error).name,
    );
    repo.release();
    const results = [await stalled, reuse];
    // one of the two may succeed, never both…
    expect(results.filter((r) => r === 'ok').length).toBeLessThanOrEqual(1);
    // …and since a reuse was seen, the whole grant is dead: no refresh token of it still works.
    expect(await live()).toEqual([]);
  });
});
