import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type HttpRequest,
  type HttpResponse,
  ManualClock,
} from '../../libs/device-flow/src/index.js';
import { DEMO_HASH_SECRET } from '../../src/demo.config.js';
import { LoginNotices } from '../../src/login-notice.js';
import { demoLogin, noticeCookie } from '../support/demo-login.js';
import { type DemoServer, startDemoServer } from '../support/demo-server.js';

/** The demo's login page: users alice/alice and bob/bob, session regenerated at login, no open redirect. */
describe('demo login', () => {
  let s: DemoServer;
  afterEach(() => s?.close());

  const login = (
    values: Record<string, string>,
    cookie = '',
    headers: Record<string, string> = {},
  ) =>
    request(s.origin)
      .post('/login')
      .set('Cookie', cookie)
      .set(headers)
      .type('form')
      .send(new URLSearchParams(values).toString());

  const sessionCookie = (res: request.Response) =>
    (res.headers['set-cookie'] as unknown as string[] | undefined)?.[0]?.split(';')[0] ?? '';

  it('signs alice and bob in and sends them back to the verification page', async () => {
    s = await startDemoServer();
    for (const user of ['alice', 'bob']) {
      const res = await login({
        username: user,
        password: user,
        return_to: '/device?user_code=BCDF-GHJK',
      }).expect(303);
      expect(res.headers.location).toBe('/device?user_code=BCDF-GHJK');
      expect(res.headers['set-cookie']![0]).toMatch(
        /^demo_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax$/,
      );
      const page = await request(s.origin)
        .get('/device')
        .set('Cookie', sessionCookie(res))
        .expect(200);
      expect(page.text).toContain(`Signed in as ${user === 'alice' ? 'Alice' : 'Bob'}`);
    }
  });

  it('says the sign-in is for connecting a device when it leads back to the verification page', async () => {
    s = await startDemoServer();
    const page = async (returnTo: string) =>
      (
        await request(s.origin)
          .get(`/login?return_to=${encodeURIComponent(returnTo)}`)
          .expect(200)
      ).text;
    const says = 'Sign in to connect your device.';
    expect(await page('/device?user_code=BCDF-GHJK')).toContain(says);
    expect(await page('/device/consent')).toContain(says);
    expect(await page('/api/me')).not.toContain(says);
    expect(await page('/devices')).not.toContain(says); // a path that only begins like the page's
  });

  it('refuses wrong passwords with a page that keeps the username (WCAG 2.2 SC 3.3.7)', async () => {
    s = await startDemoServer();
    const res = await demoLogin(
      s.origin,
      new URLSearchParams({ username: 'alice', password: 'bob' }).toString(),
    ).expect(401);
    expect(res.text).toContain('Wrong username or password.');
    expect(String(res.headers['set-cookie'])).not.toContain('demo_session=');
    expect(res.headers['x-frame-options']).toBe('DENY');
    // A 401 names how to authenticate (RFC 9110 §15.5.2): with this page's form, not a browser dialog.
    expect(res.headers['www-authenticate']).toBe('Form realm="Device sign-in"');
    expect(res.text).toMatch(/id="username"[^>]*value="alice"/);
    expect(res.text).toMatch(/id="password"[^>]*autofocus[^>]*aria-invalid="true"/);
    // Usernames are exact: phones must not capitalise or "correct" them. The title says there is an error.
    expect(res.text).toMatch(
      /id="username"[^>]*autocapitalize="none"\s+autocorrect="off"\s+spellcheck="false"/,
    );
    expect(res.text).toContain('<title>Error: Sign in · Device sign-in</title>');
    const clean = await request(s.origin).get('/login').expect(200);
    expect(clean.text).toContain('<title>Sign in · Device sign-in</title>');
    // The typed username is escaped like any other value.
    const odd = await demoLogin(
      s.origin,
      new URLSearchParams({ username: '"><script>x</script>', password: 'x' }).toString(),
    ).expect(401);
    expect(odd.text).not.toContain('<script>x</script>');
    expect(odd.text).toContain('value="&#34;&#62;&#60;script&#62;x&#60;/script&#62;"');
  });

  it('answers a failed sign-in with a redirect (POST-redirect-GET): Back and Reload never send the password again', async () => {
    s = await startDemoServer();
    const posted = await login({
      username: 'alice',
      password: 'wrong',
      return_to: '/device?user_code=BCDF-GHJK',
    }).expect(303);
    expect(posted.headers.location).toBe('/login?return_to=%2Fdevice%3Fuser_code%3DBCDF-GHJK');
    expect(posted.headers['cache-control']).toBe('no-store');
    expect(posted.text).not.toContain('Wrong username or password.');
    const set = (posted.headers['set-cookie'] as unknown as string[]).join('\n');
    expect(set).not.toContain('demo_session=');
    expect(set).toMatch(
      /^demo_login_notice=[^;]+; Path=\/login; Max-Age=60; HttpOnly; SameSite=Lax$/m,
    );
    const notice = noticeCookie(posted)!;

    // The page it leads to says what happened, once: it drops the notice.
    const page = await request(s.origin)
      .get(posted.headers.location)
      .set('Cookie', notice)
      .expect(401);
    expect(page.text).toContain('Wrong username or password.');
    expect(page.text).toContain('name="return_to" value="/device?user_code&#61;BCDF-GHJK"');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(String(page.headers['set-cookie'])).toMatch(
      /^demo_login_notice=; Path=\/login; Max-Age=0; HttpOnly; SameSite=Lax$/,
    );
    // Reload (the browser dropped the cookie): the plain form, nothing counted or sent again.
    const reload = await request(s.origin).get(posted.headers.location).expect(200);
    expect(reload.text).not.toContain('Wrong username or password.');
    expect(reload.text).toContain('<title>Sign in · Device sign-in</title>');

    // A notice not signed by this server (another page of the site setting the cookie) claims nothing.
    const [body] = notice.slice('demo_login_notice='.length).split('.');
    const forged = `demo_login_notice=${body}.${'A'.repeat(43)}`;
    const refused = await request(s.origin).get('/login').set('Cookie', forged).expect(200);
    expect(refused.text).not.toContain('Wrong username or password.');
    const other = Buffer.from(
      JSON.stringify({ failure: 'locked', username: 'x', retryAfterSeconds: 9, at: Date.now() }),
    ).toString('base64url');
    await request(s.origin)
      .get('/login')
      .set('Cookie', `demo_login_notice=${other}.${notice.split('.')[1]}`)
      .expect(200);
  });

  it("signs notices with a key of the deployment's secret; with the demo's public default, a key of its own", async () => {
    /** A notice made outside the server, with a key derived from `secret`, as a forger would. */
    const forged = (secret: string) => {
      const cookies: string[] = [];
      const res = { header: (_: string, v: string) => cookies.push(v) } as unknown as HttpResponse;
      new LoginNotices('/login', secret).put({ headers: {} } as HttpRequest, res, {
        failure: 'locked',
        username: 'someone',
        retryAfterSeconds: 900,
      });
      return cookies[0]!.split(';')[0]!;
    };
    s = await startDemoServer();
    const refused = await request(s.origin).get('/login').set('Cookie', forged(DEMO_HASH_SECRET));
    expect(refused.status).toBe(200);
    expect(refused.text).not.toContain('Too many failed sign-in attempts');
    await s.close();

    // A secret of its own: every instance of the deployment reads the others' notices.
    const secret = 'a-hash-secret-of-this-deployment';
    s = await startDemoServer({
      clock: new ManualClock(),
      env: { DEVICE_FLOW_HASH_SECRET: secret },
    });
    const read = await request(s.origin).get('/login').set('Cookie', forged(secret)).expect(429);
    expect(read.text).toContain('Too many failed sign-in attempts. Try again in 15 minutes.');
  });

  it('marks no field invalid when the form was refused, not wrong', async () => {
    s = await startDemoServer();
    const res = await login({ username: 'alice', password: 'alice' }, '', {
      Origin: 'https://evil.example',
    }).expect(403);
    expect(res.text).toContain('role="alert"');
    expect(res.text).not.toContain('aria-invalid');
  });

  it('signs out: POST /logout ends the session server-side and expires the cookie', async () => {
    s = await startDemoServer();
    const cookie = sessionCookie(await login({ username: 'alice', password: 'alice' }));
    await request(s.origin).get('/device').set('Cookie', cookie).expect(200);
    const out = await request(s.origin)
      .post('/logout')
      .set('Cookie', cookie)
      .type('form')
      .send('return_to=%2Fdevice%3Fuser_code%3DBCDF-GHJK')
      .expect(303);
    expect(out.headers.location).toBe('/login?return_to=%2Fdevice%3Fuser_code%3DBCDF-GHJK');
    expect(out.headers['set-cookie']![0]).toMatch(/^demo_session=; Path=\/; Max-Age=0; HttpOnly/);
    // The old cookie, kept by a careless browser or a thief, no longer signs anyone in.
    await request(s.origin).get('/device').set('Cookie', cookie).expect(303);
  });

  it('refuses a cross-site sign-out (the session stays)', async () => {
    s = await startDemoServer();
    const cookie = sessionCookie(await login({ username: 'alice', password: 'alice' }));
    await request(s.origin)
      .post('/logout')
      .set('Cookie', cookie)
      .set('Origin', 'https://evil.example')
      .type('form')
      .send('')
      .expect(403);
    await request(s.origin).get('/device').set('Cookie', cookie).expect(200);
  });

  it('regenerates the session at login: a planted or previous session id is dead afterwards', async () => {
    s = await startDemoServer();
    const first = sessionCookie(await login({ username: 'alice', password: 'alice' }));
    const second = sessionCookie(await login({ username: 'bob', password: 'bob' }, first));
    expect(second).not.toBe(first);
    await request(s.origin).get('/device').set('Cookie', first).expect(303); // anonymous again
    await request(s.origin).get('/device').set('Cookie', second).expect(200);
    const planted = await login({ username: 'alice', password: 'alice' }, 'demo_session=attacker');
    expect(sessionCookie(planted)).not.toBe('demo_session=attacker');
  });

  it.each(['//evil.example', 'https://evil.example', '/\\evil.example', 'javascript:alert(1)'])(
    'never redirects off-site: return_to=%s',
    async (returnTo) => {
      s = await startDemoServer();
      const res = await login({ username: 'alice', password: 'alice', return_to: returnTo }).expect(
        303,
      );
      expect(res.headers.location).toBe('/device');
      const form = await request(s.origin).get(`/login?return_to=${encodeURIComponent(returnTo)}`);
      expect(form.text).toContain('name="return_to" value="/device"');
    },
  );

  it('refuses a cross-site login POST (login CSRF)', async () => {
    s = await startDemoServer();
    const res = await login({ username: 'alice', password: 'alice' }, '', {
      Origin: 'https://evil.example',
    }).expect(403);
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});
