import { afterAll, beforeAll, expect, it } from 'vitest';
import { DeviceManagementService } from '../../libs/device-flow/src/index.js';
import {
  ALL_DATABASES,
  createIsolatedDatabase,
  describeOnDatabases,
  type IsolatedDatabase,
} from '../support/databases.js';
import {
  createTestApp,
  form,
  poll,
  refreshGrant,
  startAuthorization,
  type TestApp,
} from '../support/test-app.js';

/** A response as the races read it. */
type Answer = { status: number; body: Record<string, string> };

/**
 * A refresh (one unit of work: the grant row, then the old refresh token, then the new tokens) racing whatever
 * revokes its grant — a device removal, the revocation endpoint given the spent or the live refresh token, a
 * reuse — on every engine: never a 500 (on PostgreSQL and MySQL the two once took their locks in opposite orders
 * and deadlocked), never a token alive afterwards, never the device still listed.
 */
await describeOnDatabases(
  'a refresh racing its own revocation',
  (server) => {
    let db: IsolatedDatabase;
    let t: TestApp;
    beforeAll(async () => {
      db = await createIsolatedDatabase(server);
      t = await createTestApp({
        database: db.options,
        issuanceLimit: { limit: 1000, windowSeconds: 60 },
      });
    });
    afterAll(async () => {
      await t?.close();
      await db?.drop();
    });

    it('device removal, revocation (spent or live token) or a reuse at the same moment: no 500, nothing left alive', async () => {
      const devices = t.app.get(DeviceManagementService);
      const active = async (token: string) =>
        (
          await t.http
            .post('/oauth/introspect')
            .type('form')
            .send(form({ token, client_id: 'tv' }))
        ).body.active as boolean;
      const revoke = (token: string) =>
        t.http
          .post('/oauth/revoke')
          .type('form')
          .send(form({ token, client_id: 'tv' }));
      const failures: string[] = [];
      for (let round = 0; round < 24; round++) {
        const auth = await startAuthorization(t, { client_id: 'tv', scope: 'read' });
        await t.grants.approve(auth.user_code, 'alice');
        const first = (await poll(t, auth.device_code)).body as Record<string, string>;
        // One rotation first, so that the first refresh token is a spent one.
        const second = (await refreshGrant(t, first.refresh_token!)).body as Record<string, string>;
        const [device] = await devices.listDevices('alice');
        const mode = round % 4;
        const rival =
          mode === 0
            ? devices.removeDevice('alice', device!.grantId)
            : mode === 1
              ? revoke(first.refresh_token!)
              : mode === 2
                ? revoke(second.refresh_token!)
                : refreshGrant(t, second.refresh_token!);
        const [refreshed, other] = await Promise.all([
          refreshGrant(t, second.refresh_token!) as PromiseLike<Answer>,
          rival as Promise<Answer | boolean>,
        ]);
        const answers = [refreshed, ...(typeof other === 'boolean' ? [] : [other])];
        for (const a of answers)
          if (a.status >= 500)
            failures.push(`round ${round}: ${a.status} ${JSON.stringify(a.body)}`);
        const tokens = [
          first,
          second,
          ...answers.filter((a) => a.status === 200).map((a) => a.body),
        ]
          .flatMap((b) => [b.access_token, b.refresh_token])
          .filter((x): x is string => typeof x === 'string');
        for (const token of tokens)
          if (await active(token))
            failures.push(`round ${round} (mode ${mode}): a token is still active`);
        if ((await devices.listDevices('alice')).length > 0)
          failures.push(`round ${round} (mode ${mode}): the device is still listed`);
      }
      expect(failures).toEqual([]);
    }, 120_000);
  },
  ALL_DATABASES,
);
