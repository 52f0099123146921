import { afterEach, describe, expect, it } from 'vitest';
import {
  CodeHasher,
  DeviceCodeRepository,
  type DeviceFlowModuleOptions,
  DeviceGrantRepository,
  TokenRepository,
} from '../../libs/device-flow/src/index.js';
import {
  createTestApp,
  oauthError,
  poll,
  recordEvents,
  startAuthorization,
  type TestApp,
} from '../support/test-app.js';

/**
 * A device code is redeemed once, even when a redemption committed but its outcome was lost (the database took
 * the COMMIT, the connection failed before it said so) and the claim was then undone — as it is with device
 * codes in a store outside the transaction (Redis), which undoes its claim when the unit of work fails. The code
 * is back at `approved` with its grant already stored: the next poll must be a replay, never a second set of
 * tokens.
 */
describe.each([
  ['typeorm', {}],
  ['memory', { storage: 'memory' }],
] as [string, Partial<DeviceFlowModuleOptions>][])('redeemed once (%s storage)', (_, options) => {
  let t: TestApp;
  afterEach(() => t?.close());

  it('an approved code whose grant already exists is a replay: invalid_grant, no new tokens, the lost ones revoked', async () => {
    t = await createTestApp(options);
    const events = recordEvents(t);
    const auth = await startAuthorization(t, { client_id: 'tv', scope: 'read' });
    await t.grants.approve(auth.user_code, 'alice');
    const codes = t.app.get<DeviceCodeRepository>(DeviceCodeRepository);
    const hasher = t.app.get(CodeHasher);
    const stored = (await codes.findByUserCodeHash(hasher.hash(auth.user_code.replace('-', ''))))!;

    // The first redemption, whose commit went through and whose answer and claim were lost.
    t.clock.advance(5000);
    const first = await poll(t, auth.device_code);
    expect(first.status).toBe(200);
    const now = t.clock.now();
    expect(await codes.transition(stored.id, 'consumed', 'approved', now)).toBe(true);
    expect(
      await t.app.get<DeviceGrantRepository>(DeviceGrantRepository).findById(stored.id),
    ).not.toBeNull();

    t.clock.advance(5000);
    const again = await poll(t, auth.device_code);
    expect(again.status).toBe(400);
    expect(oauthError(again.body)).toBe('invalid_grant');
    expect(again.body.access_token).toBeUndefined();
    // The tokens of the lost answer are revoked, as for any replay.
    const tokens = t.app.get<TokenRepository>(TokenRepository);
    const access = await tokens.findByHash(hasher.hash(first.body.access_token as string));
    expect(access?.revokedAt).not.toBeNull();
    expect(events.filter((e) => e.type === 'token.issued')).toHaveLength(1);
    expect(events.map((e) => e.type)).toContain('device_code.reused');
  });
});
