import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceManagementService } from '../../libs/device-flow/src/index.js';
import { obtainTokens } from '../support/demo-app.js';
import {
  basic,
  CONFIDENTIAL_SECRET,
  createTestApp,
  DEVICE_GRANT,
  form,
  introspectAs,
  oauthError,
  startAuthorization,
  type TestApp,
} from '../support/test-app.js';

/**
 * Client ids and subjects are compared exactly on every database (`TEST_DATABASE`; under `e2e-mariadb` a MariaDB
 * whose default collation ignores case and trailing spaces), and a client id that cannot be one (a NUL byte,
 * which PostgreSQL refuses in a query parameter) is `invalid_client` like any unknown client (RFC 6749 §5.2).
 */
describe(`exact identifiers on ${process.env.TEST_DATABASE || 'sqlite'}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    // Dozens of wrong ids from one address on purpose: a budget of failed secret verifications
    // (clientAuthenticationLimit, tested in client-authentication.e2e.spec.ts) large enough not to answer 429.
    t = await createTestApp({ clientAuthenticationLimit: { limit: 1000, windowSeconds: 60 } });
  });
  afterAll(() => t?.close());

  /** Every endpoint that authenticates the client, with what it needs besides the client's credentials. */
  const endpoints: [string, Record<string, string>][] = [
    ['/oauth/device_authorization', {}],
    ['/oauth/token', { grant_type: DEVICE_GRANT, device_code: 'x'.repeat(43) }],
    ['/oauth/introspect', { token: 'x' }],
    ['/oauth/revoke', { token: 'x' }],
  ];
  const send = (path: string, params: Record<string, string>, authorization?: string) => {
    const req = t.http.post(path).type('form');
    if (authorization !== undefined) req.set('Authorization', authorization);
    return req.send(form(params));
  };
  const expectInvalidClient = (res: { status: number; body: unknown }, what: string) => {
    expect([what, res.status, oauthError(res.body)]).toEqual([what, 401, 'invalid_client']);
  };

  describe.each(endpoints)('%s', (path, extra) => {
    it('a NUL or another control character in client_id is invalid_client, in the body or in Basic', async () => {
      for (const id of ['tv\u0000', 'demo\u0000device', 'tv\u0001', 'tv\u007f', 'télé']) {
        expectInvalidClient(await send(path, { ...extra, client_id: id }), JSON.stringify(id));
        expectInvalidClient(
          await send(path, extra, basic(id.replace('tv', 'secret-tv'), CONFIDENTIAL_SECRET)),
          `Basic ${JSON.stringify(id)}`,
        );
      }
    });

    it('a case variant or trailing space of a client id is invalid_client', async () => {
      for (const id of ['TV', 'Tv', 'tv ', 'tv  ']) {
        expectInvalidClient(await send(path, { ...extra, client_id: id }), JSON.stringify(id));
      }
      for (const id of ['SECRET-TV', 'Secret-Tv', 'secret-tv ']) {
        expectInvalidClient(
          await send(path, extra, basic(id, CONFIDENTIAL_SECRET)),
          `Basic ${JSON.stringify(id)}`,
        );
        expectInvalidClient(
          await send(path, { ...extra, client_id: id, client_secret: CONFIDENTIAL_SECRET }),
          `post ${JSON.stringify(id)}`,
        );
      }
      // The exact ids authenticate (the request then fails or succeeds on its own merits, never 401).
      expect((await send(path, { ...extra, client_id: 'tv' })).status).not.toBe(401);
      expect((await send(path, extra, basic('secret-tv', CONFIDENTIAL_SECRET))).status).not.toBe(
        401,
      );
    });
  });

  it("a subject's case variant or trailing space sees and removes none of the subject's devices", async () => {
    const management = t.app.get(DeviceManagementService);
    const { grantId } = await obtainTokens(t, { clientId: 'tv', scope: 'read', subject: 'alice' });
    for (const other of ['ALICE', 'Alice', 'alice ']) {
      expect(await management.listDevices(other)).toEqual([]);
      expect(await management.removeDevice(other, grantId)).toBe(false);
    }
    expect((await management.listDevices('alice')).map((d) => d.grantId)).toEqual([grantId]);
  });

  it("a kill switch for a client id's case variant neither disables that client nor revokes its grants", async () => {
    const management = t.app.get(DeviceManagementService);
    const tokens = await obtainTokens(t, { clientId: 'tv', scope: 'read', subject: 'bob' });
    try {
      expect(await management.disableDeviceGrant('TV', { revokeTokens: true })).toBe(0);
      expect(await management.disableDeviceGrant('tv ', { revokeTokens: true })).toBe(0);
      await startAuthorization(t, { client_id: 'tv' }); // not disabled
      expect((await introspectAs(t, tokens.access_token)).body.active).toBe(true);
    } finally {
      await management.enableDeviceGrant('TV');
      await management.enableDeviceGrant('tv ');
    }
  });
});
