import { afterEach, describe, expect, it } from 'vitest';
import {
  CodeHasher,
  DeviceCodeRepository,
  type DeviceFlowModuleOptions,
  DeviceManagementService,
  UserCodeDecisionError,
} from '../../libs/device-flow/src/index.js';
import {
  CONFIDENTIAL_SECRET,
  createTestApp,
  oauthError,
  poll,
  startAuthorization,
  type TestApp,
} from '../support/test-app.js';

const problem = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: unknown) => (e instanceof UserCodeDecisionError ? e.problem : String(e)),
  );

/**
 * A request that asked for scopes is never granted none: the token response could only leave `scope` out,
 * which tells the client it got everything it asked for (RFC 6749 §5.1). `DeviceGrantService.approve` refuses
 * it as the verification page does.
 */
describe.each([
  ['typeorm', {}],
  ['memory', { storage: 'memory' }],
] as [string, Partial<DeviceFlowModuleOptions>][])(
  'approving no scope (%s storage)',
  (_, options) => {
    let t: TestApp;
    afterEach(() => t?.close());

    it('approve() with an empty scope list is no_scope when scopes were requested; the code stays pending', async () => {
      t = await createTestApp(options);
      const auth = await startAuthorization(t, { client_id: 'tv', scope: 'read write' });
      expect(await problem(t.grants.approve(auth.user_code, 'alice', []))).toBe('no_scope');
      expect(oauthError((await poll(t, auth.device_code)).body)).toBe('authorization_pending');
      // The user can still approve some of it, and the response names what was granted.
      await t.grants.approve(auth.user_code, 'alice', ['write']);
      t.clock.advance(5000);
      const ok = await poll(t, auth.device_code);
      expect(ok.status).toBe(200);
      expect(ok.body.scope).toBe('write');

      // A request without scope is approved with none, and its response has no scope (nothing differs).
      const unscoped = await startAuthorization(t, { client_id: 'tv' });
      await t.grants.approve(unscoped.user_code, 'alice', []);
      const plain = await poll(t, unscoped.device_code);
      expect(plain.status).toBe(200);
      expect(plain.body).not.toHaveProperty('scope');
    });

    it('a code approved with no scope for a request that asked for some is access_denied, no tokens', async () => {
      t = await createTestApp(options);
      const creds = { client_id: 'secret-tv', client_secret: CONFIDENTIAL_SECRET };
      const auth = await startAuthorization(t, { ...creds, scope: 'read' });
      // As approve() did before it refused this (or a custom caller writing to the repository).
      const codes = t.app.get<DeviceCodeRepository>(DeviceCodeRepository);
      const hasher = t.app.get(CodeHasher);
      const stored = await codes.findByUserCodeHash(hasher.hash(auth.user_code.replace('-', '')));
      const now = t.clock.now();
      expect(
        await codes.transition(stored!.id, 'pending', 'approved', now, {
          subject: 'alice',
          grantedScope: '',
          decidedAt: now,
        }),
      ).toBe(true);
      const res = await poll(t, auth.device_code, creds);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: 'access_denied',
        error_description: 'the user granted none of the requested scopes',
      });
      // Nothing was issued: no device listed, the code not used.
      expect(await t.app.get(DeviceManagementService).listDevices('alice')).toEqual([]);
      expect((await codes.findByUserCodeHash(stored!.userCodeHash))?.status).toBe('approved');
    });
  },
);
