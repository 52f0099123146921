import { afterEach, describe, expect, it } from 'vitest';
import { DEVICE_CODE_GRANT_TYPE } from '../../libs/device-flow/src/index.js';
import { createTestApp, form, type TestApp } from '../support/test-app.js';
import { CookieJar, csrfOf, headerUserProviders } from '../support/verification-agent.js';

describe('verification page', () => {
  let t: TestApp;
  afterEach(() => t?.close());

  async function start(scope = 'read write') {
    const auth = await t.http
      .post('/oauth/device_authorization')
      .type('form')
      .send(form({ client_id: 'tv', scope }))
      .set('User-Agent', 'TestTV/1.0 <script>')
      .expect(200);
    return auth.body as { device_code: string; user_code: string };
  }

  async function openPage(jar: CookieJar, user = 'alice', query = '') {
    const res = await t.http
      .get(`/device${query}`)
      .set('x-test-user', user)
      .set('Cookie', jar.header())
      .expect(200);
    jar.store(res.headers['set-cookie']);
    return { res, csrf: csrfOf(res.text) };
  }

  function post(path: string, jar: CookieJar, values: Record<string, string>, user = 'alice') {
    return t.http
      .post(path)
      .set('x-test-user', user)
      .set('Cookie', jar.header())
      .type('form')
      .send(form(values));
  }

  it('entry → consent → approve → the device gets tokens', async () => {
    t = await createTestApp({}, { providers: headerUserProviders });
    const codes = await start();
    const jar = new CookieJar();
    const { res, csrf } = await openPage(jar, 'alice', `?user_code=${codes.user_code}`);
    expect(res.text).toContain(`value="${codes.user_code}"`);
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['set-cookie']![0]).toMatch(/HttpOnly/);
    expect(res.headers['set-cookie']![0]).toMatch(/SameSite=Lax/);

    const consent = await post('/device', jar, {
      csrf_token: csrf,
      user_code: codes.user_code.toLowerCase().replace('-', ''),
    }).expect(200);
    expect(consent.text).toContain('Test TV');
    expect(consent.text).toContain(codes.user_code);
    expect(consent.text).toContain('Read your data');
    expect(consent.text).toContain('TestTV/1.0 &#60;script&#62;');
    expect(consent.text).not.toContain('<script>');

    const approved = await post('/device/decision', jar, {
      csrf_token: csrf,
      user_code: codes.user_code,
      decision: 'approve',
      scope_0: 'read',
    }).expect(303);
    expect(approved.headers.location).toBe('/device/approved');

    t.clock.advance(5000);
    const tokens = await t.http
      .post('/oauth/token')
      .type('form')
      .send(
        form({
          grant_type: DEVICE_CODE_GRANT_TYPE,
          device_code: codes.device_code,
          client_id: 'tv',
        }),
      )
      .expect(200);
    expect(tokens.body.scope).toBe('read');
  });
});
