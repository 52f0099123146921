import type request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEVICE_CODE_GRANT_TYPE,
  DeviceManagementService,
  type DeviceFlowModuleOptions,
} from '../../libs/device-flow/src/index.js';
import { createTestApp, form, type TestApp } from '../support/test-app.js';
import { CookieJar, csrfOf, headerUserProviders } from '../support/verification-agent.js';

const NOT_VALID = 'That code is not valid. Check it and try again.';
const ENTER_CODE = 'Enter the code shown on your device.';

/**
 * How the verification page answers what browsers really send: the same decision twice, empty and
 * punctuated entries, Back and reload (POST-redirect-GET), and codes of a client the administrator blocked.
 */
describe('verification page requests', () => {
  let t: TestApp;
  afterEach(() => t?.close());

  /** A session budget of `perSession` failed entries (generous elsewhere). */
  async function app(perSession = 10, options: Partial<DeviceFlowModuleOptions> = {}) {
    t = await createTestApp(
      {
        clients: [{ clientId: 'tv', displayName: 'Test TV', scopes: ['read', 'write'] }],
        verification: {
          perSession: { limit: perSession, windowSeconds: 60 },
          perIp: { limit: 100, windowSeconds: 60 },
          global: { limit: 100, windowSeconds: 60 },
        },
        ...options,
      },
      { providers: headerUserProviders },
    );
  }

  async function deviceAsks() {
    const res = await t.http
      .post('/oauth/device_authorization')
      .type('form')
      .send(form({ client_id: 'tv', scope: 'read write' }))
      .expect(200);
    return res.body as { device_code: string; user_code: string };
  }

  async function poll(deviceCode: string) {
    t.clock.advance(5000);
    const res = await t.http
      .post('/oauth/token')
      .type('form')
      .send(form({ grant_type: DEVICE_CODE_GRANT_TYPE, device_code: deviceCode, client_id: 'tv' }));
    return res.body as { error?: string; access_token?: string };
  }

  /** A signed-in browser: cookies kept from every response, as a browser keeps them. */
  async function browser(user = 'alice') {
    const jar = new CookieJar();
    const keep = (r: { headers: Record<string, string | string[] | undefined> }) =>
      jar.store(r.headers['set-cookie']);
    const first = await t.http.get('/device').set('x-test-user', user).expect(200);
    keep(first);
    const csrf = csrfOf(first.text);
    const b = {
      jar,
      csrf,
      post: (path: string, values: Record<string, string>) =>
        t.http
          .post(path)
          .set('x-test-user', user)
          .set('Cookie', jar.header())
          .type('form')
          .send(form({ csrf_token: csrf, ...values }))
          .on('response', keep),
      get: (path: string) =>
        t.http.get(path).set('x-test-user', user).set('Cookie', jar.header()).on('response', keep),
      /** Follows a 303 with a GET of its Location, as a browser does. */
      follow: async (r: request.Response) =>
        r.status === 303 ? await b.get(r.headers.location!) : r,
      enter: (userCode: string) => b.post('/device', { user_code: userCode }),
      decide: (userCode: string, decision: 'approve' | 'deny') =>
        b.post('/device/decision', { user_code: userCode, decision, scope_0: 'read' }),
    };
    return b;
  }

  /** Spends what is left of the session budget: `n` wrong entries are let through, the next is refused. */
  async function expectGuessesLeft(b: Awaited<ReturnType<typeof browser>>, n = 1) {
    for (let i = 0; i < n; i++)
      await b.enter('BCDF-GHJK').expect(303).expect('location', '/device');
    await b.enter('BCDF-GHJK').expect(429);
  }

  describe('the same decision sent twice', () => {
    it('Enter pressed twice on Approve: "approved" both times, the second not counted', async () => {
      await app(1);
      const codes = await deviceAsks();
      const b = await browser();
      await b.decide(codes.user_code, 'approve').expect(303).expect('location', '/device/approved');
      await b.decide(codes.user_code, 'approve').expect(303).expect('location', '/device/approved');
      expect((await poll(codes.device_code)).access_token).toEqual(expect.any(String));
      // After the device redeemed it (consumed), the same user's late repeat still lands on "approved".
      await b.decide(codes.user_code, 'approve').expect(303).expect('location', '/device/approved');
      await expectGuessesLeft(b);
      // Another user, or the opposite decision: "used", counted as before.
      const bob = await browser('bob');
      await bob.decide(codes.user_code, 'approve').expect(303).expect('location', '/device/used');
      await bob.enter('BCDF-GHJK').expect(429);
      const alice = await browser('alice'); // a fresh session of the same user
      await alice.decide(codes.user_code, 'deny').expect(303).expect('location', '/device/used');
      await alice.enter('BCDF-GHJK').expect(429);
    });

    it('a double click on Approve (two requests racing): both land on "approved"', async () => {
      // Racing entries each hold one attempt of the budget while in flight: two, for the two clicks.
      await app(2);
      const codes = await deviceAsks();
      const b = await browser();
      const answers = await Promise.all([
        b.decide(codes.user_code, 'approve'),
        b.decide(codes.user_code, 'approve'),
      ]);
      expect(answers.map((r) => [r.status, r.headers.location])).toEqual([
        [303, '/device/approved'],
        [303, '/device/approved'],
      ]);
      expect((await poll(codes.device_code)).access_token).toEqual(expect.any(String));
      await expectGuessesLeft(b, 2);
    });

    it('Deny twice: "denied" both times, the second not counted', async () => {
      await app(1);
      const codes = await deviceAsks();
      const b = await browser();
      await b.decide(codes.user_code, 'deny').expect(303).expect('location', '/device/denied');
      await b.decide(codes.user_code, 'deny').expect(303).expect('location', '/device/denied');
      expect((await poll(codes.device_code)).error).toBe('access_denied');
      await expectGuessesLeft(b);
    });
  });

  describe('entries that are not a code', () => {
    it('an empty field asks for the code, and is never counted as a guess', async () => {
      await app(3);
      const codes = await deviceAsks();
      const b = await browser();
      for (const typed of ['', '', ' ', ' - ', '\u00a0', '', '', '', '', '', '']) {
        const posted = await b.enter(typed).expect(303).expect('location', '/device');
        const page = await b.follow(posted);
        expect(page.status).toBe(200);
        expect(page.text).toContain(ENTER_CODE);
        expect(page.text).not.toContain(NOT_VALID);
        expect(page.text).toMatch(/role="alert"/);
        expect(page.text).toMatch(/aria-invalid="true"/);
      }
      await b.enter(codes.user_code).expect(303).expect('location', '/device/consent');
    });

    it('malformed entries say "not valid" and are never counted: they reach no storage', async () => {
      await app(2);
      const codes = await deviceAsks();
      const b = await browser();
      const malformed = [
        'AEIOU',
        'BCDF-GHJ',
        'BCDF-GHJKL',
        'x'.repeat(40),
        'BCDF\u200bGHJK',
        '\u0000',
      ];
      for (const typed of [...malformed, ...malformed]) {
        const page = await b.follow(await b.enter(typed).expect(303).expect('location', '/device'));
        expect(page.text).toContain(NOT_VALID);
      }
      await b.enter(codes.user_code).expect(303).expect('location', '/device/consent');
      // Well-formed unknown codes are guesses, counted as before.
      await b.enter('BCDF-GHJK').expect(303);
      await b.enter('BCDF-GHJL').expect(303);
      await b.enter('BCDF-GHJM').expect(429);
    });

    it.each([
      ['en dash', '\u2013'],
      ['em dash', '\u2014'],
      ['hyphen', '\u2010'],
      ['non-breaking hyphen', '\u2011'],
      ['minus sign', '\u2212'],
      ['fullwidth hyphen-minus', '\uff0d'],
      ['no-break space', '\u00a0'],
      ['narrow no-break space', '\u202f'],
      ['ideographic space', '\u3000'],
    ])('accepts a %s as the separator (§6.1)', async (_name, separator) => {
      await app();
      const codes = await deviceAsks();
      const b = await browser();
      const typed = codes.user_code.toLowerCase().replace('-', separator);
      await b.enter(typed).expect(303).expect('location', '/device/consent');
    });

    it('ignores a full stop copied after the code', async () => {
      await app();
      const codes = await deviceAsks();
      const b = await browser();
      await b.enter(`${codes.user_code}.`).expect(303).expect('location', '/device/consent');
      await b.enter(`${codes.user_code}..`).expect(303).expect('location', '/device');
    });
  });

  describe('POST-redirect-GET', () => {
    it('a live code: 303 to GET /device/consent, the code in the session and never in the URL', async () => {
      await app();
      const codes = await deviceAsks();
      const b = await browser();
      const posted = await b.enter(codes.user_code.toLowerCase()).expect(303);
      expect(posted.headers.location).toBe('/device/consent');
      // Reloads (and Back to it) are GETs: the same consent page, nothing resent, nothing counted.
      for (let i = 0; i < 3; i++) {
        const page = await b.get('/device/consent').expect(200);
        expect(page.text).toContain('Allow Test TV to access your account?');
        expect(page.text).toContain(codes.user_code);
        expect(page.text).toContain('action="/device/decision"');
        expect(page.headers['cache-control']).toBe('no-store');
        expect(page.headers['x-frame-options']).toBe('DENY');
        expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      }
      expect((await poll(codes.device_code)).error).toBe('authorization_pending');
      await b.decide(codes.user_code, 'approve').expect(303).expect('location', '/device/approved');
      // Back from "Device connected": the consent page is over, the entry form instead (no form to resend).
      await b.get('/device/consent').expect(303).expect('location', '/device');
      expect((await poll(codes.device_code)).access_token).toEqual(expect.any(String));
    });

    it('"not valid": 303 back to the form, which shows the error and the typed text once', async () => {
      await app(2);
      const codes = await deviceAsks();
      const b = await browser();
      const posted = await b.enter('bcdf-ghjk').expect(303).expect('location', '/device');
      const page = await b.follow(posted);
      expect(page.status).toBe(200);
      expect(page.text).toContain(NOT_VALID);
      expect(page.text).toContain('value="bcdf-ghjk"');
      expect(page.text).toMatch(/aria-invalid="true"/);
      // Reloading it is a GET of the empty form: the wrong code is not sent (nor counted) again.
      for (let i = 0; i < 3; i++) {
        const reloaded = await b.get('/device').expect(200);
        expect(reloaded.text).not.toContain(NOT_VALID);
        expect(reloaded.text).not.toContain('bcdf-ghjk');
      }
      await b.enter('BCDF-GHJL').expect(303).expect('location', '/device');
      await b.enter(codes.user_code).expect(429);
    });

    it('typed text shown again is escaped; a link with ?user_code= starts over', async () => {
      await app();
      const codes = await deviceAsks();
      const b = await browser();
      const page = await b.follow(await b.enter('"><script>x</script>').expect(303));
      expect(page.text).toContain(NOT_VALID);
      expect(page.text).not.toContain('<script');
      expect(page.text).toContain('value="&#34;&#62;&#60;script&#62;x&#60;/script&#62;"');
      await b.enter('BCDF-GHJK').expect(303);
      const link = await b.get(`/device?user_code=${codes.user_code}`).expect(200);
      expect(link.text).not.toContain(NOT_VALID);
      expect(link.text).toContain(`value="${codes.user_code}"`);
    });

    it('GET /device/consent: the entry form without an entered code, login when anonymous', async () => {
      await app();
      const b = await browser();
      await b.get('/device/consent').expect(303).expect('location', '/device');
      await t.http
        .get('/device/consent')
        .expect(303)
        .expect('location', '/login?return_to=%2Fdevice');
      // Another user on the same browser does not see the first one's code.
      const codes = await deviceAsks();
      await b.enter(codes.user_code).expect(303);
      await t.http
        .get('/device/consent')
        .set('x-test-user', 'mallory')
        .set('Cookie', b.jar.header())
        .expect(303)
        .expect('location', '/device');
    });

    it('a code that stopped being live while its consent page is open: its status page', async () => {
      await app();
      const codes = await deviceAsks();
      const b = await browser();
      await b.enter(codes.user_code).expect(303);
      t.clock.advance(1801_000);
      await b.get('/device/consent').expect(303).expect('location', '/device/expired');
      await b.get('/device/consent').expect(303).expect('location', '/device');
    });
  });

  describe('a client blocked by the administrator (kill switch)', () => {
    it('its live code goes to the "blocked" page and is not counted as a guess', async () => {
      await app(1);
      const codes = await deviceAsks();
      await t.app.get(DeviceManagementService).disableDeviceGrant('tv');
      const b = await browser();
      for (let i = 0; i < 3; i++)
        await b.enter(codes.user_code).expect(303).expect('location', '/device/blocked');
      const page = await b.get('/device/blocked').expect(200);
      expect(page.text).toContain('This app has been blocked by the administrator');
      expect(page.text).not.toContain(NOT_VALID);
      expect(page.headers['cache-control']).toBe('no-store');
      await expectGuessesLeft(b);
    });

    it('blocked while the consent page is open: the decision and the page go to "blocked"', async () => {
      await app(1);
      const codes = await deviceAsks();
      const b = await browser();
      await b.enter(codes.user_code).expect(303).expect('location', '/device/consent');
      await t.app.get(DeviceManagementService).disableDeviceGrant('tv');
      await b.get('/device/consent').expect(303).expect('location', '/device/blocked');
      await b.decide(codes.user_code, 'approve').expect(303).expect('location', '/device/blocked');
      await b.decide(codes.user_code, 'deny').expect(303).expect('location', '/device/blocked');
      expect((await poll(codes.device_code)).error).toBe('unauthorized_client');
      await expectGuessesLeft(b);
    });
  });
});
