import { afterEach, describe, expect, it } from 'vitest';
import {
  AttemptLimiter,
  DEVICE_CODE_GRANT_TYPE,
  type DeviceFlowEvent,
  DeviceFlowEvents,
  type DeviceFlowModuleOptions,
  InMemoryAttemptLimiter,
} from '../../libs/device-flow/src/index.js';
import type request from 'supertest';
import { createTestApp, form, type TestApp } from '../support/test-app.js';
import { CookieJar, csrfOf, headerUserProviders } from '../support/verification-agent.js';

const NOT_VALID = 'That code is not valid. Check it and try again.';

describe('verification page (RFC 8628 §3.3)', () => {
  let t: TestApp;
  afterEach(() => t?.close());

  async function app(options: Partial<DeviceFlowModuleOptions> = {}, trustProxy = false) {
    t = await createTestApp(
      {
        ...options,
        clients: [{ clientId: 'tv', displayName: 'Test TV', scopes: ['read', 'write'] }],
      },
      { providers: headerUserProviders },
      { trustProxy },
    );
  }

  async function deviceAsks(scope = 'read write', headers: Record<string, string> = {}) {
    const res = await t.http
      .post('/oauth/device_authorization')
      .set(headers)
      .type('form')
      .send(form({ client_id: 'tv', scope }))
      .expect(200);
    return res.body as { device_code: string; user_code: string };
  }

  async function poll(deviceCode: string) {
    t.clock.advance(5000);
    const res = await t.http
      .post('/oauth/token')
      .type('form')
      .send(form({ grant_type: DEVICE_CODE_GRANT_TYPE, device_code: deviceCode, client_id: 'tv' }));
    return res.body as { error?: string; scope?: string };
  }

  /**
   * A browser: a cookie jar (kept up to date with every response, as the page session changes), a signed-in
   * user and the CSRF token of the last page.
   */
  async function browser(user = 'alice', headers: Record<string, string> = {}) {
    const jar = new CookieJar();
    const res = await t.http.get('/device').set(headers).set('x-test-user', user).expect(200);
    jar.store(res.headers['set-cookie']);
    const keep = (r: { headers: Record<string, string | string[] | undefined> }) =>
      jar.store(r.headers['set-cookie']);
    const b = {
      jar,
      csrf: csrfOf(res.text),
      post: (path: string, values: Record<string, string>, extra: Record<string, string> = {}) =>
        t.http
          .post(path)
          .set(headers)
          .set('x-test-user', user)
          .set('Cookie', jar.header())
          .set(extra)
          .type('form')
          .send(form({ csrf_token: b.csrf, ...values }))
          .on('response', keep),
      get: (path: string) =>
        t.http
          .get(path)
          .set(headers)
          .set('x-test-user', user)
          .set('Cookie', jar.header())
          .on('response', keep),
      /** Follows a 303 as a browser does (a GET of its Location, with the cookies); any other answer as it is. */
      follow: async (r: request.Response) =>
        r.status === 303 ? await b.get(r.headers.location!) : r,
      /** Approve on the consent form of `userCode`, with `read` kept: expects the "approved" page. */
      approveRead: (userCode: string) =>
        b
          .post('/device/decision', { user_code: userCode, decision: 'approve', scope_0: 'read' })
          .expect(303)
          .expect('location', '/device/approved'),
      /** Submits a code on the entry form and follows the redirect: the page the browser ends on. */
      enter: async (userCode: string, extra: Record<string, string> = {}) =>
        b.follow(await b.post('/device', { user_code: userCode }, extra)),
    };
    return b;
  }

  describe('pages', () => {
    it('?user_code= pre-fills the form and never approves by itself', async () => {
      await app();
      const codes = await deviceAsks();
      const code = codes.user_code.toLowerCase().replace('-', '');
      const res = await t.http
        .get(`/device?user_code=${code}`)
        .set('x-test-user', 'alice')
        .expect(200);
      expect(res.text).toContain(`value="${codes.user_code}"`);
      expect((await poll(codes.device_code)).error).toBe('authorization_pending');
    });

    it('a malformed ?user_code= is not reflected', async () => {
      await app();
      const res = await t.http
        .get('/device?user_code=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E')
        .set('x-test-user', 'alice')
        .expect(200);
      expect(res.text).not.toContain('alert(1)');
      expect(res.text).toMatch(/name="user_code"\s+class="code"\s+type="text"\s+value=""/);
    });

    it('consent shows client, scopes in plain words, code, when and where; everything escaped', async () => {
      t = await createTestApp(
        {
          clients: [{ clientId: 'tv', displayName: 'Evil <b>TV</b>', scopes: ['read', 'x<y'] }],
        },
        { providers: headerUserProviders },
      );
      const codes = await deviceAsks('read x<y', {
        'User-Agent': '<img src=x onerror=alert(1)>',
        'X-Forwarded-For': '203.0.113.9',
      });
      const b = await browser('<i>mallory</i>');
      const res = await b.enter(codes.user_code);
      expect(res.status).toBe(200);
      expect(res.text).toContain('Allow Evil &#60;b&#62;TV&#60;/b&#62; to access your account?');
      expect(res.text).toContain('Read your data');
      expect(res.text).toContain('x&#60;y'); // a scope without description: shown by name, escaped
      expect(res.text).toContain(`<p class="usercode"`);
      expect(res.text).toContain(codes.user_code);
      expect(res.text).toContain('2026-01-01 00:00 UTC');
      expect(res.text).toContain('&#60;img src&#61;x onerror&#61;alert(1)&#62;');
      expect(res.text).toContain('Signed in as &#60;i&#62;mallory&#60;/i&#62;');
      expect(res.text).toMatch(/If someone sent you this code/);
      expect(res.text).not.toMatch(/<(b|i|img)[ >]/);
      // X-Forwarded-For is not trusted without `trust proxy`: the socket address is shown.
      expect(res.text).not.toContain('203.0.113.9');
      expect(res.text).not.toContain('<script');
    });

    it('a User-Agent sent as UTF-8 bytes reads as the device wrote it', async () => {
      t = await createTestApp({}, { providers: headerUserProviders });
      // Node.js's client sends header text as UTF-8 bytes, as such devices do; its server reads them as Latin-1.
      const codes = await deviceAsks('read', { 'User-Agent': 'DemoTV® Küche' });
      const res = await (await browser()).enter(codes.user_code);
      expect(res.text).toContain('<q>DemoTV® Küche</q>');
    });

    it('status pages are fixed; an unknown one is a 404 page', async () => {
      await app();
      for (const s of ['approved', 'denied', 'expired', 'used', 'invalid', 'blocked'])
        await t.http
          .get(`/device/${s}`)
          .expect(200)
          .expect('content-type', /text\/html/);
      const res = await t.http.get('/device/https%3A%2F%2Fevil.example').expect(404);
      expect(res.text).toContain('<title>Page not found · Device sign-in</title>');
      expect(res.text).not.toContain('Code not valid');
    });

    it('an address with no page is 404 "Page not found"; a page asked with a method it does not serve is 405 "Action not available" with Allow', async () => {
      await app();
      const cases: [method: string, path: string, status: number, allow?: string][] = [
        ['get', '/device/nope', 404],
        ['get', '/device/a/b', 404],
        ['post', '/device/nope', 404],
        ['put', '/device', 405, 'GET, HEAD, POST'],
        ['delete', '/device/', 405, 'GET, HEAD, POST'],
        ['patch', '/device/consent', 405, 'GET, HEAD'],
        ['post', '/device/consent', 405, 'GET, HEAD'],
        ['post', '/device/approved', 405, 'GET, HEAD'],
        ['put', '/device/style.css', 405, 'GET, HEAD'],
        ['get', '/device/decision', 405, 'POST'],
        ['get', '/device/DECISION', 405, 'POST'],
        ['delete', '/device/decision', 405, 'POST'],
      ];
      for (const [method, path, status, allow] of cases) {
        const call = t.http[method as 'get'](path).set('x-test-user', 'alice');
        const res = await call.expect(status);
        expect(res.headers['content-type'], `${method} ${path}`).toMatch(/^text\/html/);
        expect(res.headers['allow'], `${method} ${path}`).toBe(allow);
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
        expect(res.text, `${method} ${path}`).toContain(
          `<h1 class="status status-error">${status === 404 ? 'Page not found' : 'Action not available'}</h1>`,
        );
        expect(res.text).toContain('<a class="link" href="/device">Enter a code</a>');
        expect(res.text).not.toMatch(/try again in a moment|Something went wrong/);
      }
      // Status pages in any letter case, like every other route: GET shows the page, POST is 405 for it.
      expect((await t.http.get('/device/Approved').expect(200)).text).toContain('Device connected');
      expect((await t.http.post('/device/APPROVED').expect(405)).headers['allow']).toBe(
        'GET, HEAD',
      );
      // HEAD follows GET: the pages that answer GET answer it, the decision endpoint does not.
      await t.http.head('/device/approved').expect(200);
      const head = await t.http.head('/device/decision').expect(405);
      expect(head.headers['allow']).toBe('POST');
    });

    it('every page carries the security headers', async () => {
      await app();
      const codes = await deviceAsks();
      const b = await browser();
      const responses = [
        await t.http.get('/device').set('x-test-user', 'alice'),
        await t.http.get('/device'), // anonymous: redirect
        await b.post('/device', { user_code: codes.user_code }),
        await b.get('/device/consent'), // the consent page, after the redirect
        await b.post('/device', { user_code: 'BCDF-GHJK' }),
        await b.get('/device'), // the form again, with "not valid"
        await b.post('/device', { user_code: codes.user_code, csrf_token: 'wrong' }),
        await b.post('/device/decision', { user_code: codes.user_code, decision: 'deny' }),
        await t.http.get('/device/denied'),
        await t.http.get('/device/nope'),
      ];
      for (const r of responses) {
        const csp = r.headers['content-security-policy'];
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).toContain("default-src 'none'");
        expect(csp).not.toMatch(/script-src|unsafe-inline/);
        expect(r.headers['x-frame-options']).toBe('DENY');
        expect(r.headers['cross-origin-opener-policy']).toBe('same-origin');
        expect(r.headers['cache-control']).toBe('no-store');
        expect(r.headers['referrer-policy']).toBe('same-origin');
        if (r.status !== 303) expect(r.text).not.toMatch(/<script|\bon\w+=/i);
      }
    });

    it('serves its own stylesheet (no external assets)', async () => {
      await app();
      const page = await t.http.get('/device').set('x-test-user', 'alice');
      expect(page.text).not.toMatch(/https?:\/\//);
      const css = await t.http
        .get('/device/style.css')
        .expect(200)
        .expect('content-type', /text\/css/);
      expect(css.text).toContain('.card');
    });
  });

  describe('sign-in hand-off', () => {
    it('sends anonymous users to the login URL and back to the same code', async () => {
      await app({ verification: { loginUrl: '/auth/login?realm=x' } });
      const codes = await deviceAsks();
      const res = await t.http.get(`/device?user_code=${codes.user_code}`).expect(303);
      expect(res.headers.location).toBe(
        `/auth/login?realm=x&return_to=${encodeURIComponent(`/device?user_code=${codes.user_code}`)}`,
      );
      const post = await t.http
        .post('/device')
        .type('form')
        .send(form({ user_code: codes.user_code.toLowerCase() }))
        .expect(303);
      expect(post.headers.location).toContain(encodeURIComponent(`?user_code=${codes.user_code}`));
    });

    it('a consent page asked for once signed out goes to the login and back to the code this browser entered', async () => {
      await app();
      const codes = await deviceAsks();
      const b = await browser();
      await b.enter(codes.user_code);
      // Signed out (no user any more), the same browser: Back to the consent page, or a reload.
      const signedOut = await t.http
        .get('/device/consent')
        .set('Cookie', b.jar.header())
        .expect(303);
      expect(signedOut.headers.location).toBe(
        `/login?return_to=${encodeURIComponent(`/device?user_code=${codes.user_code}`)}`,
      );
      // Only a session this server signed: without one, or with a forged one, the plain entry form.
      const none = await t.http.get('/device/consent').expect(303);
      expect(none.headers.location).toBe(`/login?return_to=${encodeURIComponent('/device')}`);
      const [name, value] = b.jar.header().split('=') as [string, string];
      const [body] = value.split('.') as [string, string];
      const forged = await t.http
        .get('/device/consent')
        .set('Cookie', `${name}=${body}.${'A'.repeat(43)}`)
        .expect(303);
      expect(forged.headers.location).toBe(`/login?return_to=${encodeURIComponent('/device')}`);
      // Signed in again, the code is pre-filled, not decided.
      expect((await poll(codes.device_code)).error).toBe('authorization_pending');
    });

    it('offers sign-out only with verification.logoutUrl; the form returns to the code', async () => {
      await app();
      const codes = await deviceAsks();
      const without = await browser();
      expect((await without.get('/device').expect(200)).text).not.toContain('Sign out');
      expect((await without.enter(codes.user_code)).text).not.toContain('Sign out');

      await t.close();
      // The issuer of the test app is http://localhost:3000: an absolute logoutUrl on its origin is accepted.
      await app({ verification: { logoutUrl: 'http://localhost:3000/logout?app=tv' } });
      const again = await deviceAsks();
      const b = await browser();
      const entry = await b.get(`/device?user_code=${again.user_code}`).expect(200);
      const signOutOf = (page: string) =>
        page.match(
          /<form method="post" action="([^"]*)">\s*<input type="hidden" name="return_to" value="([^"]*)"/,
        );
      expect(signOutOf(entry.text)?.slice(1)).toEqual([
        'http://localhost:3000/logout?app&#61;tv',
        `/device?user_code&#61;${again.user_code}`,
      ]);
      // The consent page's sign-out also returns to this code, for the next account to continue with it.
      const consent = await b.enter(again.user_code);
      expect(signOutOf(consent.text)?.[2]).toBe(`/device?user_code&#61;${again.user_code}`);
      // Same origin: the pages' forms still reach 'self' only.
      const csp = String(consent.headers['content-security-policy']);
      expect(csp).toMatch(/form-action 'self'(;|$)/);
      // A rejected entry's typed text is never carried into the sign-out return path.
      const bad = await b.enter('"><x');
      expect(signOutOf(bad.text)?.[2]).toBe('/device');
    });

    it('an external loginUrl is the one other origin the pages may send forms to', async () => {
      await app({ verification: { loginUrl: 'https://sso.example/login', logoutUrl: '/logout' } });
      const res = await t.http.get('/device').set('x-test-user', 'alice').expect(200);
      expect(String(res.headers['content-security-policy'])).toMatch(
        /form-action 'self' https:\/\/sso\.example(;|$)/,
      );
      expect(res.text).toContain('<form method="post" action="/logout">');
    });

    it('a malformed code is not carried to the login page', async () => {
      await app();
      const res = await t.http.get('/device?user_code=%2F%2Fevil.example').expect(303);
      expect(res.headers.location).toBe('/login?return_to=%2Fdevice');
    });
  });

  describe('CSRF and cross-site requests', () => {
    it('refuses a POST without the session CSRF token, re-rendering the form (never JSON)', async () => {
      await app();
      const codes = await deviceAsks();
      const b = await browser();
      for (const token of ['', 'wrong', b.csrf.slice(0, -1) + (b.csrf.endsWith('A') ? 'B' : 'A')]) {
        const res = await b
          .post('/device', { user_code: codes.user_code, csrf_token: token })
          .expect(403);
        expect(res.headers['content-type']).toMatch(/text\/html/);
        expect(res.text).toContain('Your form expired');
        // The code the form carried is on the new form: typing it again is not the price of an expired page.
        expect(res.text).toContain(`value="${codes.user_code}"`);
      }
      const noCookie = await t.http
        .post('/device')
        .set('x-test-user', 'alice')
        .type('form')
        .send(form({ csrf_token: b.csrf, user_code: codes.user_code }))
        .expect(403);
      expect(noCookie.text).toContain('Your form expired');
      expect((await poll(codes.device_code)).error).toBe('authorization_pending');
    });

    it('a consent page shown late in the session renews it: Approve still works past the first lifetime', async () => {
      await app({ expiresIn: 7200, verification: { sessionTtl: 3600 } });
      const b = await browser(); // the page session begins now
      const codes = await deviceAsks('read');
      t.clock.advance(10 * 60_000);
      // Entered early in the session: saving it then does not renew it (not past half its lifetime).
      await b.post('/device', { user_code: codes.user_code }).expect(303);
      t.clock.advance(49 * 60_000); // 59 min in: the user comes back and reloads the consent page
      const consent = await t.http
        .get('/device/consent')
        .set('x-test-user', 'alice')
        .set('Cookie', b.jar.header())
        .on('response', (r) => b.jar.store(r.headers['set-cookie']))
        .expect(200);
      expect(consent.text).toContain('Allow Test TV');
      expect(consent.headers['set-cookie']?.[0]).toMatch(/Max-Age=3600;/); // renewed: a new hour
      t.clock.advance(2 * 60_000); // past the first hour
      await b.approveRead(codes.user_code);
      expect((await poll(codes.device_code)).scope).toBe('read');
    });

    it('an entry page shown late in the session renews it; an hour without any page ends it', async () => {
      await app({ verification: { sessionTtl: 3600 } });
      const b = await browser();
      t.clock.advance(59 * 60_000);
      const entry = await t.http
        .get('/device')
        .set('x-test-user', 'alice')
        .set('Cookie', b.jar.header())
        .on('response', (r) => b.jar.store(r.headers['set-cookie']))
        .expect(200);
      expect(entry.headers['set-cookie']?.[0]).toMatch(/Max-Age=3600;/);
      expect(csrfOf(entry.text)).toBe(b.csrf); // the same session: forms of other tabs keep working
      t.clock.advance(2 * 60_000);
      const codes = await deviceAsks('read');
      await b.post('/device', { user_code: codes.user_code }).expect(303);
      // Renewed by a page shown, not kept for ever: an hour without one, and the form has expired.
      t.clock.advance(3600_000);
      const expired = await b.post('/device', { user_code: codes.user_code }).expect(403);
      expect(expired.text).toContain('Your form expired');
    });

    it("binds the token to the signed-in user: another user's session does not work", async () => {
      await app();
      const codes = await deviceAsks();
      const alice = await browser('alice');
      const res = await t.http
        .post('/device/decision')
        .set('x-test-user', 'bob')
        .set('Cookie', alice.jar.header())
        .type('form')
        .send(form({ csrf_token: alice.csrf, user_code: codes.user_code, decision: 'approve' }))
        .expect(403);
      expect(res.text).toContain('Your form expired');
    });

    it('a tampered session cookie is rejected', async () => {
      await app();
      const b = await browser();
      const [name, value] = b.jar.header().split('=') as [string, string];
      const [body, sig] = value.split('.') as [string, string];
      const session = JSON.parse(Buffer.from(body, 'base64url').toString()) as { csrf: string };
      session.csrf = 'attacker-chosen';
      const forged = `${Buffer.from(JSON.stringify(session)).toString('base64url')}.${sig}`;
      await t.http
        .post('/device')
        .set('x-test-user', 'alice')
        .set('Cookie', `${name}=${forged}`)
        .type('form')
        .send(form({ csrf_token: 'attacker-chosen', user_code: 'BCDF-GHJK' }))
        .expect(403);
    });

    it.each([
      [{ 'Sec-Fetch-Site': 'cross-site' }],
      [{ 'Sec-Fetch-Site': 'same-site' }],
      [{ Origin: 'https://evil.example' }],
      [{ Origin: 'null' }],
      [{ Origin: 'http://localhost:3000.evil.example' }],
    ])('refuses a cross-site POST %j with a page, changing nothing', async (headers) => {
      await app();
      const codes = await deviceAsks();
      const b = await browser();
      const res = await b
        .post('/device/decision', { user_code: codes.user_code, decision: 'approve' }, headers)
        .expect(403);
      expect(res.text).toContain('Request refused');
      expect((await poll(codes.device_code)).error).toBe('authorization_pending');
    });

    it('accepts same-origin POSTs (Sec-Fetch-Site wins over Origin: null from no-referrer)', async () => {
      await app();
      const codes = await deviceAsks();
      const b = await browser();
      await b
        .post(
          '/device',
          { user_code: codes.user_code },
          { 'Sec-Fetch-Site': 'same-origin', Origin: 'null' },
        )
        .expect(303)
        .expect('location', '/device/consent');
      await b
        .post('/device', { user_code: codes.user_code }, { Origin: 'http://localhost:3000' })
        .expect(303)
        .expect('location', '/device/consent');
    });

    it('the session cookie is HttpOnly, SameSite=Lax, and Secure behind TLS (trust proxy)', async () => {
      await app();
      const plain = await t.http.get('/device').set('x-test-user', 'alice');
      const cookie = plain.headers['set-cookie']![0]!;
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).toMatch(/; SameSite=Lax/);
      expect(cookie).toMatch(/; Path=\/device/);
      expect(cookie).not.toMatch(/; Secure/);
      // Without trust proxy a forged X-Forwarded-Proto changes nothing…
      const forged = await t.http
        .get('/device')
        .set('x-test-user', 'a')
        .set('X-Forwarded-Proto', 'https');
      expect(forged.headers['set-cookie']![0]).not.toMatch(/; Secure/);
      // …behind a trusted proxy that terminated TLS, the cookie is Secure.
      await t.close();
      await app({}, true);
      const tls = await t.http
        .get('/device')
        .set('x-test-user', 'a')
        .set('X-Forwarded-Proto', 'https');
      expect(tls.headers['set-cookie']![0]).toMatch(/; Secure/);
    });
  });

  describe('decisions', () => {
    it('approves a request for as many scopes as the client may have, every box ticked (one field each)', async () => {
      const scopes = Array.from({ length: 60 }, (_, i) => `scope.${i}`);
      t = await createTestApp(
        { clients: [{ clientId: 'tv', displayName: 'Test TV', scopes }] },
        { providers: headerUserProviders },
      );
      const codes = await deviceAsks(scopes.join(' '));
      const b = await browser();
      const consent = await b.enter(codes.user_code);
      expect(consent.status).toBe(200);
      // What the browser submits: every ticked box of the consent page, as the page named them.
      const ticked = Object.fromEntries(
        [...consent.text.matchAll(/name="(scope_\d+)"\s+value="([^"]+)"\s+checked/g)].map((m) => [
          m[1]!,
          m[2]!,
        ]),
      );
      expect(Object.keys(ticked)).toHaveLength(60);
      const approved = await b
        .post('/device/decision', { user_code: codes.user_code, decision: 'approve', ...ticked })
        .expect(303);
      expect(approved.headers.location).toBe('/device/approved');
      expect((await poll(codes.device_code)).scope).toBe(scopes.join(' '));
    });

    it('deny reaches the device, and a denied code can never be approved', async () => {
      await app();
      const codes = await deviceAsks();
      const b = await browser();
      const denied = await b
        .post('/device/decision', { user_code: codes.user_code, decision: 'deny' })
        .expect(303);
      expect(denied.headers.location).toBe('/device/denied');
      const again = await b
        .post('/device/decision', {
          user_code: codes.user_code,
          decision: 'approve',
          scope_0: 'read',
        })
        .expect(303);
      expect(again.headers.location).toBe('/device/used');
      const entry = await b.post('/device', { user_code: codes.user_code }).expect(303);
      expect(entry.headers.location).toBe('/device/used');
      expect((await poll(codes.device_code)).error).toBe('access_denied');
    });

    it('a used code cannot be approved again', async () => {
      await app();
      const codes = await deviceAsks();
      const b = await browser();
      await b
        .post('/device/decision', {
          user_code: codes.user_code,
          decision: 'approve',
          scope_0: 'read',
          scope_1: 'write',
        })
        .expect(303);
      expect((await poll(codes.device_code)).scope).toBe('read write');
      const approve = { user_code: codes.user_code, decision: 'approve', scope_0: 'read' };
      const res = await (await browser('bob')).post('/device/decision', approve).expect(303);
      expect(res.headers.location).toBe('/device/used');
      // The user who approved it, approving again (a late double submit): the page they saw, and nothing more.
      const again = await b.post('/device/decision', approve).expect(303);
      expect(again.headers.location).toBe('/device/approved');
      t.clock.advance(5000);
      const replay = await t.http
        .post('/oauth/token')
        .type('form')
        .send(
          form({
            grant_type: DEVICE_CODE_GRANT_TYPE,
            device_code: codes.device_code,
            client_id: 'tv',
          }),
        );
      expect((replay.body as { error?: string }).error).toBe('invalid_grant');
    });

    it('narrows scopes to those kept; ignores scopes that were not requested', async () => {
      await app();
      const codes = await deviceAsks('read write');
      const b = await browser();
      await b
        .post('/device/decision', {
          user_code: codes.user_code,
          decision: 'approve',
          scope_1: 'write',
          scope_0: 'admin', // not what scope_0 was: dropped
          scope_2: 'admin',
        })
        .expect(303);
      expect((await poll(codes.device_code)).scope).toBe('write');
    });

    it('approving with no scope kept re-renders consent with an error', async () => {
      await app();
      const codes = await deviceAsks('read write');
      const b = await browser();
      const posted = await b
        .post('/device/decision', { user_code: codes.user_code, decision: 'approve' })
        .expect(303);
      expect(posted.headers.location).toBe('/device/consent');
      const res = await b.follow(posted);
      expect(res.status).toBe(200);
      expect(res.text).toContain('Choose at least one permission');
      expect(res.text).toContain(codes.user_code);
      expect(res.text).not.toMatch(/name="scope_0"[^>]* checked/);
      // Shown once: a reload is the consent page as it first was.
      const reloaded = await b.get('/device/consent').expect(200);
      expect(reloaded.text).not.toContain('Choose at least one permission');
      expect((await poll(codes.device_code)).error).toBe('authorization_pending');
    });

    it('a code that expired on the consent page goes to the expired page', async () => {
      await app();
      const codes = await deviceAsks();
      const b = await browser();
      await b.post('/device', { user_code: codes.user_code }).expect(303);
      t.clock.advance(1801_000);
      const res = await b
        .post('/device/decision', {
          user_code: codes.user_code,
          decision: 'approve',
          scope_0: 'read',
        })
        .expect(303);
      expect(res.headers.location).toBe('/device/expired');
    });

    it('no decision (the hidden default button: Enter on a checkbox) is 204, decides nothing, and still needs the CSRF token', async () => {
      await app();
      const codes = await deviceAsks('read write');
      const b = await browser();
      const consent = await b.follow(
        await b.post('/device', { user_code: codes.user_code }).expect(303),
      );
      // The form's first submit button is that one, so browsers submit with it on Enter.
      expect(consent.text).toMatch(
        /<form method="post" action="\/device\/decision">\s*<button\s+type="submit"\s+name="decision"\s+value="none"\s+hidden\s+tabindex="-1"\s*><\/button>/,
      );
      const none = { user_code: codes.user_code, decision: 'none', scope_1: 'write' };
      const res = await b.post('/device/decision', none).expect(204);
      expect(res.text).toBe('');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['x-frame-options']).toBe('DENY');
      await b.post('/device/decision', { ...none, csrf_token: 'wrong' }).expect(403);
      expect((await poll(codes.device_code)).error).toBe('authorization_pending');
      // The consent page is still the session's: the user goes on deciding.
      await b.get('/device/consent').expect(200);
      await b
        .post('/device/decision', { ...none, decision: 'approve' })
        .expect(303)
        .expect('location', '/device/approved');
      t.clock.advance(5000);
      expect((await poll(codes.device_code)).scope).toBe('write');
    });

    it('an unknown decision is refused', async () => {
      await app();
      const codes = await deviceAsks();
      const b = await browser();
      await b
        .post('/device/decision', { user_code: codes.user_code, decision: 'maybe' })
        .expect(400);
      expect((await poll(codes.device_code)).error).toBe('authorization_pending');
    });

    it('redirect targets never come from the request', async () => {
      await app();
      const codes = await deviceAsks();
      const b = await browser();
      const res = await b
        .post('/device/decision?return_to=https://evil.example', {
          user_code: codes.user_code,
          decision: 'deny',
          redirect_uri: 'https://evil.example',
        })
        .expect(303);
      expect(res.headers.location).toBe('/device/denied');
    });
  });

  describe('wrong codes and normalisation (§6.1)', () => {
    it('unknown and malformed codes get the same "not valid" answer', async () => {
      await app();
      const b = await browser();
      const strip = (html: string) =>
        html.replace(/value="[^"]*" *\n? *autocomplete/, 'autocomplete');
      const unknown = await b.enter('BCDF-GHJK');
      const malformed = await b.enter('AEIOU');
      expect(unknown.status).toBe(200);
      expect(unknown.text).toContain(NOT_VALID);
      expect(strip(unknown.text)).toBe(strip(malformed.text));
    });

    it.each([
      [
        'fullwidth',
        (c: string) => c.replace(/[A-Z]/, (x) => String.fromCharCode(x.charCodeAt(0) + 0xfee0)),
      ],
      ['zero-width space', (c: string) => c.slice(0, 2) + '\u200b' + c.slice(2)],
      ['NUL', (c: string) => c + '\u0000'],
      [
        'Cyrillic look-alike',
        (c: string) =>
          c.replace(
            /[BCKMPTX]/,
            (x) => ({ B: 'В', C: 'С', K: 'К', M: 'М', P: 'Р', T: 'Т', X: 'Х' })[x]!,
          ),
      ],
      ['lone surrogate', (c: string) => c + '\ud800'],
    ])('a %s never matches and never causes a 500', async (_name, mangle) => {
      await app();
      // A random code may hold no letter the mangler touches (e.g. no Cyrillic look-alike in
      // JNQF-LVLN, ~3 % of codes): ask again until it does, so the test never compares a code
      // with itself.
      let codes = await deviceAsks();
      for (let tries = 0; mangle(codes.user_code) === codes.user_code && tries < 30; tries++) {
        codes = await deviceAsks();
      }
      const b = await browser();
      const mangled = mangle(codes.user_code);
      expect(mangled).not.toBe(codes.user_code);
      const res = await b.enter(mangled);
      expect(res.status).toBe(200);
      expect(res.text).toContain(NOT_VALID);
      expect(res.text).not.toContain('Allow Test TV');
    });

    it('accepts lower case, spaces and no dash', async () => {
      await app();
      const codes = await deviceAsks();
      const b = await browser();
      const typed = ` ${codes.user_code.toLowerCase().replace('-', ' ')} `;
      await b
        .post('/device', { user_code: typed })
        .expect(303)
        .expect('location', '/device/consent');
    });

    it('a non-form or oversized body is answered with a page, not JSON', async () => {
      await app();
      const b = await browser();
      const json = await t.http
        .post('/device')
        .set('x-test-user', 'alice')
        .set('Cookie', b.jar.header())
        .set('Content-Type', 'application/json')
        .send('{"user_code":"x"}')
        .expect(400);
      expect(json.headers['content-type']).toMatch(/text\/html/);
      const repeated = await t.http
        .post('/device')
        .set('x-test-user', 'alice')
        .set('Cookie', b.jar.header())
        .type('form')
        .send(`csrf_token=${b.csrf}&user_code=A&user_code=B`)
        .expect(400);
      expect(repeated.headers['content-type']).toMatch(/text\/html/);
      // Errors of the host app's body parser, before any controller, are pages here too.
      const broken = await t.http
        .post('/device')
        .set('Content-Type', 'application/json')
        .send('{"user_code":')
        .expect(400);
      expect(broken.headers['content-type']).toMatch(/text\/html/);
      expect(broken.headers['x-frame-options']).toBe('DENY');
      const shouting = await t.http
        .post('/DEVICE/')
        .set('Content-Type', 'application/json')
        .send('{')
        .expect(400);
      expect(shouting.headers['content-type']).toMatch(/text\/html/);
      // Over the host parser's default limit on both platforms (Express 100 kB, Fastify 1 MiB).
      const huge = await t.http
        .post('/device/decision')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ user_code: 'x'.repeat(1_100_000) }))
        .expect(413);
      expect(huge.headers['content-type']).toMatch(/text\/html/);
      // Many parameters in a small form: refused as the page's own parser refuses them on either platform
      // (400), not as too large (Express's parser calls more than 1,000 parameters a 413).
      const many = Array.from({ length: 1100 }, (_, i) => `p${i}=`).join('&');
      const crowded = await b
        .post('/device', {}, { 'Content-Type': 'application/x-www-form-urlencoded' })
        .send(`csrf_token=${b.csrf}&user_code=BCDF-GHJK&${many}`)
        .expect(400);
      expect(crowded.text).toContain('Request refused');
      // A large body of another media type that does not parse: refused for what it is (400), not its size.
      await t.http
        .post('/device')
        .set('Content-Type', 'application/json')
        .send(`{"user_code":"${'x'.repeat(20_000)}"`)
        .expect(400);
    });
  });

  describe('guessing limits (§5.1)', () => {
    const tight = {
      verification: {
        perSession: { limit: 3, windowSeconds: 60 },
        perIp: { limit: 5, windowSeconds: 60 },
        global: { limit: 8, windowSeconds: 60 },
      },
    };

    async function fail(b: Awaited<ReturnType<typeof browser>>, n: number) {
      for (let i = 0; i < n; i++)
        await b
          .post('/device', { user_code: 'BCDF-GHJK' })
          .expect(303)
          .expect('location', '/device');
    }

    it('per session: past the budget, 429 with Retry-After even for a valid code; reopens after the window', async () => {
      await app(tight);
      const codes = await deviceAsks();
      const b = await browser();
      await fail(b, 3);
      const locked = await b.post('/device', { user_code: codes.user_code }).expect(429);
      expect(locked.headers['retry-after']).toBe('60');
      expect(locked.text).toContain('Too many attempts');
      expect(locked.text).not.toContain('Allow Test TV');
      // Not a dead end: a link back to the entry form (a reload would send the refused form again).
      expect(locked.text).toContain('<a class="link" href="/device">Enter a code</a>');
      const decision = await b
        .post('/device/decision', {
          user_code: codes.user_code,
          decision: 'approve',
          scope_0: 'read',
        })
        .expect(429);
      expect(decision.headers['retry-after']).toBeDefined();
      expect((await poll(codes.device_code)).error).toBe('authorization_pending');
      t.clock.advance(50_000); // 55 s after the first failure (poll advanced 5 s)
      expect(
        (await b.post('/device', { user_code: codes.user_code }).expect(429)).headers[
          'retry-after'
        ],
      ).toBe('5');
      t.clock.advance(5_000);
      await b.post('/device', { user_code: codes.user_code }).expect(303);
    });

    it('raises user_code.guessing_limit_hit once when a budget is spent', async () => {
      await app(tight);
      const events: DeviceFlowEvent[] = [];
      t.app.get<DeviceFlowEvents>(DeviceFlowEvents).subscribe((e) => void events.push(e));
      const codes = await deviceAsks();
      const b = await browser();
      await fail(b, 2);
      expect(events.filter((e) => e.type === 'user_code.guessing_limit_hit')).toEqual([]);
      await fail(b, 1);
      const hits = events.filter((e) => e.type === 'user_code.guessing_limit_hit');
      expect(hits).toEqual([
        expect.objectContaining({ source: 'session', attempts: 3, at: t.clock.now() }),
      ]);
      await b.post('/device', { user_code: codes.user_code }).expect(429);
      expect(events.filter((e) => e.type === 'user_code.guessing_limit_hit')).toHaveLength(1);
    });

    it('per client IP: a fresh session does not reset it', async () => {
      await app(tight);
      const codes = await deviceAsks();
      await fail(await browser('a'), 3);
      await fail(await browser('b'), 2);
      await (await browser('c')).post('/device', { user_code: codes.user_code }).expect(429);
    });

    it('X-Forwarded-For counts only with trust proxy', async () => {
      await app(tight);
      const codes = await deviceAsks();
      await fail(await browser('a', { 'X-Forwarded-For': '198.51.100.0' }), 3);
      await fail(await browser('b', { 'X-Forwarded-For': '198.51.100.1' }), 2);
      // Spoofed XFF ignored: both came from the same socket IP, now over its budget of 5.
      await (
        await browser('c', { 'X-Forwarded-For': '198.51.100.9' })
      )
        .post('/device', { user_code: codes.user_code })
        .expect(429);

      await t.close();
      await app(tight, true);
      const again = await deviceAsks();
      for (const [i, user] of ['a', 'b'].entries())
        await fail(await browser(user, { 'X-Forwarded-For': `198.51.100.${i}` }), 3);
      await (
        await browser('c', { 'X-Forwarded-For': '198.51.100.9' })
      )
        .post('/device', { user_code: again.user_code })
        .expect(303)
        .expect('location', '/device/consent');
    });

    it('an IPv4-mapped IPv6 address is the same IP as its IPv4 form', async () => {
      await app(tight, true);
      const codes = await deviceAsks();
      await fail(await browser('a', { 'X-Forwarded-For': '198.51.100.1' }), 3);
      await fail(await browser('b', { 'X-Forwarded-For': '::ffff:198.51.100.1' }), 2);
      // Its budget of 5 is spent, whichever way it is written; another address still gets through.
      for (const [user, ip] of [
        ['c', '198.51.100.1'],
        ['d', '::ffff:198.51.100.1'],
      ])
        await (
          await browser(user, { 'X-Forwarded-For': ip })
        )
          .post('/device', { user_code: codes.user_code })
          .expect(429);
      await (
        await browser('e', { 'X-Forwarded-For': '198.51.100.2' })
      )
        .post('/device', { user_code: codes.user_code })
        .expect(303);
    });

    it('per user: one account rotating addresses and sessions cannot spend the global budget', async () => {
      await app(
        { verification: { ...tight.verification, perUser: { limit: 4, windowSeconds: 60 } } },
        true,
      );
      const events: DeviceFlowEvent[] = [];
      t.app.get<DeviceFlowEvents>(DeviceFlowEvents).subscribe((e) => void events.push(e));
      const codes = await deviceAsks();
      await fail(await browser('alice', { 'X-Forwarded-For': '198.51.100.1' }), 2);
      await fail(await browser('alice', { 'X-Forwarded-For': '198.51.100.2' }), 2);
      // A third address and a fresh session: still alice, whose budget of 4 is spent — even for a valid code.
      await (
        await browser('alice', { 'X-Forwarded-For': '198.51.100.3' })
      )
        .post('/device', { user_code: codes.user_code })
        .expect(429);
      expect(events.filter((e) => e.type === 'user_code.guessing_limit_hit')).toEqual([
        expect.objectContaining({ source: 'user', subject: 'alice', attempts: 4 }),
      ]);
      // The global budget (8) is not spent: bob goes on.
      await (
        await browser('bob', { 'X-Forwarded-For': '198.51.100.4' })
      )
        .post('/device', { user_code: codes.user_code })
        .expect(303)
        .expect('location', '/device/consent');
    });

    it('globally: many IPs together are capped too', async () => {
      await app(tight, true);
      const codes = await deviceAsks();
      for (let i = 0; i < 4; i++)
        await fail(await browser(`u${i}`, { 'X-Forwarded-For': `198.51.100.${i}` }), 2);
      const other = await browser('z', { 'X-Forwarded-For': '192.0.2.1' });
      await other.post('/device', { user_code: codes.user_code }).expect(429);
    });

    it('racing wrong entries get no more lookups than the budget; the valid code stays usable after', async () => {
      await app(tight);
      const codes = await deviceAsks();
      const b = await browser();
      // 12 wrong entries in flight at once from one session whose budget is 3.
      const answers = await Promise.all(
        Array.from({ length: 12 }, () => b.post('/device', { user_code: 'BCDF-GHJK' })),
      );
      const statuses = answers.map((r) => r.status).sort();
      expect(statuses).toEqual([...Array<number>(3).fill(303), ...Array<number>(9).fill(429)]);
      await b.post('/device', { user_code: codes.user_code }).expect(429);
      t.clock.advance(60_000);
      await b.post('/device', { user_code: codes.user_code }).expect(303);
    });

    it('racing entries of a valid code are all answered, and give their reservation back', async () => {
      await app(tight);
      const codes = await deviceAsks();
      const b = await browser();
      const answers = await Promise.all(
        Array.from({ length: 3 }, () => b.post('/device', { user_code: codes.user_code })),
      );
      expect(answers.map((r) => r.status)).toEqual([303, 303, 303]);
      expect(answers.map((r) => r.headers.location)).toEqual(Array(3).fill('/device/consent'));
      // Nothing was kept: the whole budget of 3 failures is still there.
      await fail(b, 3);
      await b.post('/device', { user_code: codes.user_code }).expect(429);
    });

    /** The test app with `limiter` as its AttemptLimiter. */
    async function appWithLimiter(limiter: AttemptLimiter) {
      t = await createTestApp(
        { ...tight, clients: [{ clientId: 'tv', displayName: 'Test TV', scopes: ['read'] }] },
        { providers: [...headerUserProviders, { provide: AttemptLimiter, useValue: limiter }] },
      );
    }

    it('a limiter without take and release is checked ahead of each entry and counted after a failure', async () => {
      const counts = new InMemoryAttemptLimiter();
      const checkThenCount: AttemptLimiter = {
        retryAfterMs: (buckets, now) => counts.retryAfterMs(buckets, now),
        record: (buckets, now) => counts.record(buckets, now),
      };
      await appWithLimiter(checkThenCount);
      const codes = await deviceAsks('read');
      const b = await browser();
      await fail(b, 3);
      // Only the check ahead can refuse this one: the code is valid, so nothing after it would count it.
      const locked = await b.post('/device', { user_code: codes.user_code }).expect(429);
      expect(locked.headers['retry-after']).toBe('60');
      t.clock.advance(60_000);
      await b.post('/device', { user_code: codes.user_code }).expect(303);
    });

    it('with take and release, an entry reads no counter ahead: its reservation is the check', async () => {
      const counts = new InMemoryAttemptLimiter();
      let reads = 0;
      const counting: AttemptLimiter = {
        retryAfterMs: (buckets, now) => (reads++, counts.retryAfterMs(buckets, now)),
        record: (buckets, now) => counts.record(buckets, now),
        take: (bucket, now) => counts.take(bucket, now),
        release: (bucket, now) => counts.release(bucket, now),
      };
      await appWithLimiter(counting);
      const codes = await deviceAsks('read');
      const b = await browser();
      await b.post('/device', { user_code: codes.user_code }).expect(303);
      expect(reads).toBe(0);
      await fail(b, 3);
      await b.post('/device', { user_code: codes.user_code }).expect(429);
    });

    it('a decision on the code this session entered is not refused by a budget spent since', async () => {
      await app(tight, true);
      const codes = await deviceAsks();
      const b = await browser('alice', { 'X-Forwarded-For': '198.51.100.7' });
      await b.enter(codes.user_code);
      // Another tab of the same session, and others behind the same address, spend the session, IP and
      // global budgets.
      await fail(b, 3);
      await fail(await browser('bob', { 'X-Forwarded-For': '198.51.100.7' }), 2);
      await fail(await browser('carol', { 'X-Forwarded-For': '192.0.2.1' }), 3);
      await b.post('/device', { user_code: codes.user_code }).expect(429);
      // Approve on the consent page shown before goes through, and reaches the device.
      await b.approveRead(codes.user_code);
      expect((await poll(codes.device_code)).scope).toBe('read');
      // Deny, likewise (a new window: dave's own session budget spent).
      t.clock.advance(60_000);
      const other = await deviceAsks();
      const c = await browser('dave', { 'X-Forwarded-For': '198.51.100.8' });
      await c.enter(other.user_code);
      await fail(c, 3);
      await c
        .post('/device/decision', { user_code: other.user_code, decision: 'deny' })
        .expect(303)
        .expect('location', '/device/denied');
      expect((await poll(other.device_code)).error).toBe('access_denied');
    });

    it('a decision on any other code is an entry: refused once a budget is spent, counted when wrong', async () => {
      await app(tight);
      const codes = await deviceAsks();
      const b = await browser();
      await b.enter(codes.user_code);
      // A wrong code in the decision form counts (it guesses like an entry): three of them spend the budget.
      for (let i = 0; i < 3; i++)
        await b
          .post('/device/decision', { user_code: 'BCDF-GHJK', decision: 'deny' })
          .expect(303)
          .expect('location', '/device/invalid');
      const another = await deviceAsks();
      await b
        .post('/device/decision', { user_code: another.user_code, decision: 'deny' })
        .expect(429);
      expect((await poll(another.device_code)).error).toBe('authorization_pending');
      // The code entered before is still decided on.
      await b
        .post('/device/decision', { user_code: codes.user_code, decision: 'deny' })
        .expect(303)
        .expect('location', '/device/denied');
    });

    it('with a limiter checked ahead (no take and release) the entered code is decided on too', async () => {
      const counts = new InMemoryAttemptLimiter();
      await appWithLimiter({
        retryAfterMs: (buckets, now) => counts.retryAfterMs(buckets, now),
        record: (buckets, now) => counts.record(buckets, now),
      });
      const codes = await deviceAsks('read');
      const b = await browser();
      await b.enter(codes.user_code);
      await fail(b, 3);
      await b.post('/device', { user_code: codes.user_code }).expect(429);
      await b.approveRead(codes.user_code);
    });

    it('successful entries are not counted', async () => {
      await app(tight);
      const codes = await deviceAsks();
      const b = await browser();
      for (let i = 0; i < 5; i++)
        await b.post('/device', { user_code: codes.user_code }).expect(303);
    });
  });

  describe('mounting', () => {
    it('is not mounted when verificationUri is on another host', async () => {
      await app({ verificationUri: 'https://login.example.com/device' });
      await t.http.get('/device').set('x-test-user', 'alice').expect(404);
    });

    it('is mounted at the path of an absolute verificationUri on the issuer', async () => {
      await app({ verificationUri: 'http://localhost:3000/activate' });
      const res = await t.http.get('/activate').set('x-test-user', 'alice').expect(200);
      expect(res.text).toContain('action="/activate"');
      expect(res.text).toContain('href="/activate/style.css"');
    });
  });
});

describe('device code issuance limit', () => {
  let t: TestApp;
  afterEach(() => t?.close());

  const ask = (clientId: string) =>
    t.http
      .post('/oauth/device_authorization')
      .type('form')
      .send(form({ client_id: clientId }));

  it('answers 429 temporarily_unavailable with Retry-After past the per client and IP budget', async () => {
    t = await createTestApp({ issuanceLimit: { limit: 2, windowSeconds: 60 } });
    await ask('tv').expect(200);
    await ask('tv').expect(200);
    const limited = await ask('tv').expect(429);
    expect(limited.body).toEqual({
      error: 'temporarily_unavailable',
      error_description: expect.any(String),
    });
    expect(limited.headers['retry-after']).toBe('60');
    expect(limited.headers['cache-control']).toBe('no-store');
    await ask('no-refresh').expect(200); // another client from the same IP has its own budget
    t.clock.advance(60_000);
    await ask('tv').expect(200);
  });

  it('lets exactly the budget through when requests race', async () => {
    t = await createTestApp({ issuanceLimit: { limit: 5, windowSeconds: 60 } });
    const answers = await Promise.all(Array.from({ length: 12 }, () => ask('tv')));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array<number>(5).fill(200), ...Array<number>(7).fill(429)]);
  });

  it('does not count requests that fail client authentication', async () => {
    t = await createTestApp({ issuanceLimit: { limit: 1, windowSeconds: 60 } });
    await ask('nobody').expect(401);
    await ask('tv').expect(200);
  });
});
