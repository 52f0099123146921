import { mkdirSync } from 'node:fs';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEVICE_CODE_GRANT_TYPE, ManualClock } from '../../libs/device-flow/src/index.js';
import { type DemoServer, startDemoServer, startStaticServer } from '../support/demo-server.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';

/**
 * The verification flow in real headless Chromium (Debian `chromium`, driven by playwright-core) against the
 * demo server: a device asks for codes, a person signs in, reads the consent page and decides; the device's
 * next poll shows the result. Screenshots of the entry and consent pages go to `.tmp/screenshots/` (and to
 * `docs/` with `UPDATE_SCREENSHOTS=1`, which is how the README images were made).
 */

const DEVICE_UA = 'DemoTV/2.1 (living-room)';

describe.skipIf(!chromiumAvailable)(
  'verification page in Chromium',
  () => {
    let browser: Browser;
    let server: DemoServer;
    let context: BrowserContext;
    let page: Page;

    beforeAll(async () => {
      [browser, server] = await Promise.all([launchChromium(), startDemoServer()]);
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });
    beforeEach(async () => {
      context = await browser.newContext({
        viewport: { width: 560, height: 620 },
        deviceScaleFactor: 1,
      });
      page = await context.newPage();
    });
    afterEach(() => context?.close());

    /** The device's side: RFC 8628 §3.1 request. */
    async function deviceAsks(scope = 'profile read offline_access') {
      const r = await fetch(`${server.origin}/oauth/device_authorization`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'User-Agent': DEVICE_UA },
        body: new URLSearchParams({ client_id: 'demo-device', scope }),
      });
      expect(r.status).toBe(200);
      return (await r.json()) as {
        device_code: string;
        user_code: string;
        verification_uri: string;
        verification_uri_complete: string;
      };
    }

    /** The device's next poll (after the interval, on the manual clock). */
    async function devicePolls(deviceCode: string) {
      server.clock.advance(5000);
      const r = await fetch(`${server.origin}/oauth/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: DEVICE_CODE_GRANT_TYPE,
          device_code: deviceCode,
          client_id: 'demo-device',
        }),
      });
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    }

    /** Clicks a submit button and waits for the page it leads to. */
    async function press(name: string) {
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name }).click()]);
    }

    const heading = () => page.locator('h1').textContent();
    const path = () => new URL(page.url()).pathname;

    async function signIn(user = 'alice', password = user) {
      expect(path()).toBe('/login');
      await page.getByLabel('Username').fill(user);
      await page.getByLabel('Password').fill(password);
      await press('Sign in');
      expect(path()).toBe('/device');
    }

    async function enterCode(code: string) {
      await page.getByLabel('Code').fill(code);
      await press('Continue');
    }

    async function screenshot(name: string) {
      mkdirSync('.tmp/screenshots', { recursive: true });
      await page.screenshot({ path: `.tmp/screenshots/${name}.png`, fullPage: true });
      if (process.env.UPDATE_SCREENSHOTS === '1')
        await page.screenshot({ path: `docs/${name}.png`, fullPage: true });
    }

    it('verification_uri_complete → log in → consent → approve → the next poll gets tokens', async () => {
      const codes = await deviceAsks();
      await page.goto(codes.verification_uri_complete);
      await signIn('alice');
      // Back on the same code, pre-filled but not approved (RFC 8628 §3.3.1).
      expect(await page.getByLabel('Code').inputValue()).toBe(codes.user_code);
      expect((await devicePolls(codes.device_code)).body.error).toBe('authorization_pending');
      await screenshot('verification-entry');

      await page.getByRole('button', { name: 'Continue' }).click();
      expect(await heading()).toBe('Allow Demo TV App to access your account?');
      expect(await page.locator('.usercode').textContent()).toBe(codes.user_code);
      expect(
        await page.getByText('Only approve a device you are using right now').isVisible(),
      ).toBe(true);
      const details = await page.locator('dl.details').textContent();
      expect(details).toContain('127.0.0.1');
      // The User-Agent is the device's own unverified claim, shown apart from the facts (RFC 8628 §5.4).
      expect(await page.locator('p.claim').textContent()).toContain(DEVICE_UA);
      await screenshot('verification-consent');

      await page.getByLabel(/Stay signed in/).uncheck(); // narrow: no offline_access
      await press('Approve');
      expect(await heading()).toBe('Device connected');
      expect(new URL(page.url()).pathname).toBe('/device/approved');
      await screenshot('verification-approved');

      const tokens = await devicePolls(codes.device_code);
      expect(tokens.status).toBe(200);
      expect(tokens.body).toMatchObject({ token_type: 'Bearer', scope: 'profile read' });
      // "Stay signed in" unticked: the device gets no refresh token.
      expect(tokens.body.refresh_token).toBeUndefined();
    });

    it('a wrong password: Reload and Back never send the password again (POST-redirect-GET)', async () => {
      const codes = await deviceAsks('read');
      const logins: string[] = [];
      page.on('request', (r) => {
        if (r.method() === 'POST' && new URL(r.url()).pathname === '/login') logins.push(r.url());
      });
      await page.goto(codes.verification_uri_complete);
      await page.getByLabel('Username').fill('alice');
      await page.getByLabel('Password').fill('wrong');
      await press('Sign in');
      expect(path()).toBe('/login');
      expect(await page.getByRole('alert').textContent()).toBe('Wrong username or password.');
      expect(await page.getByLabel('Username').inputValue()).toBe('alice');
      expect(logins).toHaveLength(1);

      // Reload: the page again, without the message, and no POST (a resent wrong password would count).
      await page.reload();
      expect(logins).toHaveLength(1);
      expect(await page.getByRole('alert').count()).toBe(0);

      await signIn('alice');
      expect(await page.getByLabel('Code').inputValue()).toBe(codes.user_code);
      await press('Continue');
      expect(path()).toBe('/device/consent');
      // Back through the history, past the failed sign-in: pages, never "Confirm Form Resubmission".
      for (let i = 0; i < 3; i++) {
        const back = await page.goBack();
        expect(back?.status()).toBeLessThan(500);
        expect(await page.locator('h1').count()).toBe(1);
      }
      expect(path()).toBe('/login');
      expect(logins).toHaveLength(2);
    });

    it('"Not you? Sign out" on the consent page: another account signs in, continues with the same code and is the one granted', async () => {
      const codes = await deviceAsks('read');
      await page.goto(codes.verification_uri_complete);
      await signIn('alice');
      await page.getByRole('button', { name: 'Continue' }).click();
      expect(await page.locator('.who p').textContent()).toBe('Signed in as Alice');
      await press('Not you? Sign out');
      // Signed out: the verification page asks for a sign-in again, and then returns to the same code.
      expect(path()).toBe('/login');
      await page.goto(`${server.origin}/device`);
      expect(path()).toBe('/login');
      await page.goBack();
      await signIn('bob');
      expect(await page.getByLabel('Code').inputValue()).toBe(codes.user_code);
      expect(await page.locator('.who p').textContent()).toBe('Signed in as Bob');
      await press('Continue');
      expect(await page.locator('.who p').textContent()).toBe('Signed in as Bob');
      await press('Approve');
      expect(await heading()).toBe('Device connected');

      const tokens = await devicePolls(codes.device_code);
      expect(tokens.status).toBe(200);
      const r = await fetch(`${server.origin}/oauth/introspect`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          client_id: 'demo-device',
          token: String(tokens.body.access_token),
        }),
      });
      expect(await r.json()).toMatchObject({ active: true, sub: 'bob', scope: 'read' });
    });

    it('deny → the device gets access_denied, and the code cannot be approved afterwards', async () => {
      const codes = await deviceAsks();
      await page.goto(codes.verification_uri);
      await signIn('bob');
      await enterCode(codes.user_code.toLowerCase().replace('-', ' '));
      await press('Deny');
      expect(await heading()).toBe('Request denied');
      expect((await devicePolls(codes.device_code)).body.error).toBe('access_denied');

      // Entering the code again, or replaying an approval of it, lands on "already used".
      await page.goto(`${server.origin}/device`);
      const csrf = await page.locator('input[name=csrf_token]').getAttribute('value');
      await enterCode(codes.user_code);
      expect(await heading()).toBe('Code already used');
      const replay = await page.request.post(`${server.origin}/device/decision`, {
        form: { csrf_token: csrf!, user_code: codes.user_code, decision: 'approve' },
        headers: { Origin: server.origin },
      });
      expect(new URL(replay.url()).pathname).toBe('/device/used');
      expect((await devicePolls(codes.device_code)).body.error).toBe('access_denied');
    });

    it('a wrong code re-renders the form with "not valid" tied to the field', async () => {
      await page.goto(`${server.origin}/device`);
      await signIn();
      await enterCode('BCDF-GHJK');
      const field = page.getByLabel('Code');
      expect(await field.getAttribute('aria-invalid')).toBe('true');
      expect(await page.getByRole('alert').textContent()).toBe(
        'That code is not valid. Check it and try again.',
      );
      // The error is read first, then the hint; the tab title says there is one to fix (WCAG 2.4.2, G88).
      expect(await field.getAttribute('aria-describedby')).toBe('user_code_error user_code_hint');
      expect(await page.title()).toBe('Error: Connect a device · Device sign-in');
    });

    it('Enter on a permission checkbox decides nothing and leaves the page as it was; only a button decides', async () => {
      const codes = await deviceAsks('profile read');
      await page.goto(codes.verification_uri_complete);
      await signIn('alice');
      await press('Continue');
      const consent = page.url();
      const answers: number[] = [];
      page.on('response', (r) => {
        if (r.request().method() === 'POST') answers.push(r.status());
      });
      const box = page.getByRole('checkbox').first();
      await box.focus();
      await page.keyboard.press('Space'); // Space toggles it
      await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST'),
        page.keyboard.press('Enter'),
      ]);
      // The browser submitted with the hidden default button: 204, no navigation, the untick kept.
      expect(answers).toEqual([204]);
      expect(page.url()).toBe(consent);
      expect(await box.isChecked()).toBe(false);
      expect(await page.locator(':focus').getAttribute('name')).toBe('scope_0'); // focus stayed too
      expect((await devicePolls(codes.device_code)).body.error).toBe('authorization_pending');
      // The hidden button is neither focusable nor in the accessibility tree.
      expect((await page.getByRole('button').allTextContents()).map((b) => b.trim())).toEqual([
        'Not you? Sign out',
        'Deny',
        'Approve',
      ]);
      await page.getByRole('button', { name: 'Approve' }).focus();
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      expect(await heading()).toBe('Device connected');
      const tokens = await devicePolls(codes.device_code);
      expect(tokens.body).toMatchObject({ scope: 'read' });
    });

    it('an expired code shows the expired page', async () => {
      const codes = await deviceAsks();
      await page.goto(codes.verification_uri_complete);
      await signIn();
      server.clock.advance(1801_000);
      await press('Continue');
      expect(await heading()).toBe('Code expired');
      expect((await devicePolls(codes.device_code)).body.error).toBe('expired_token');
    });

    it('a cross-site form POST is refused and changes nothing', async () => {
      const codes = await deviceAsks();
      await page.goto(codes.verification_uri_complete);
      await signIn(); // the victim has a live session on the verification site
      const attacker = await startStaticServer(() => ({
        '/': `<!doctype html><form method="post" action="${server.origin}/device/decision">
<input name="user_code" value="${codes.user_code}"><input name="decision" value="approve">
<input name="csrf_token" value="guess"><button>Win a prize</button></form>`,
      }));
      try {
        await page.goto(attacker.origin + '/');
        await press('Win a prize');
        expect(await heading()).toBe('Request refused');
        expect((await devicePolls(codes.device_code)).body.error).toBe('authorization_pending');
      } finally {
        await attacker.close();
      }
    });

    it('the page cannot be framed by another site', async () => {
      const attacker = await startStaticServer((origin) => ({
        '/': `<!doctype html><iframe name="victim" src="${server.origin}/device"></iframe>
<iframe name="control" src="${origin}/inner"></iframe>`,
        '/inner': '<!doctype html><h1>attacker content</h1>',
      }));
      try {
        await page.goto(attacker.origin + '/');
        await page.waitForLoadState('load');
        const control = page.frame({ name: 'control' })!;
        expect(await control.locator('h1').textContent()).toBe('attacker content'); // framing works at all
        const victim = page.frame({ name: 'victim' })!;
        // Chromium refuses to render it (X-Frame-Options / frame-ancestors): an error page, not ours.
        expect(victim.url()).toBe('chrome-error://chromewebdata/');
        expect(await victim.content()).toContain('ERR_BLOCKED_BY_RESPONSE');
        expect(await victim.getByLabel('Code').count()).toBe(0);
      } finally {
        await attacker.close();
      }
    });

    // Last: it spends this session's guessing budget.
    it('locks out after repeated wrong codes: 429 with Retry-After, even for a valid code', async () => {
      const codes = await deviceAsks();
      await page.goto(`${server.origin}/device`);
      await signIn();
      for (let i = 0; i < 10; i++) {
        await enterCode(`BCDF-GH${'JKLMNPQRST'[i]}${'JKLMNPQRST'[9 - i]}`);
        expect(await page.getByRole('alert').isVisible()).toBe(true);
      }
      await page.getByLabel('Code').fill(codes.user_code);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Continue' }).click(),
      ]);
      await page.waitForLoadState();
      expect(response.status()).toBe(429);
      expect(Number(response.headers()['retry-after'])).toBeGreaterThan(0);
      expect(await heading()).toBe('Too many attempts');
    });
  },
  90_000,
);

describe.skipIf(!chromiumAvailable)(
  'verification page in Chromium, issuer with a path (ISSUER=<origin>/auth)',
  () => {
    let browser: Browser;
    let server: DemoServer;
    let page: Page;
    const fetched: string[] = [];

    beforeAll(async () => {
      [browser, server] = await Promise.all([
        launchChromium(),
        startDemoServer({ clock: new ManualClock(), issuerPath: '/auth' }),
      ]);
      page = await browser.newPage();
      page.on('response', (r) => fetched.push(`${r.status()} ${new URL(r.url()).pathname}`));
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });

    async function press(name: string) {
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name }).click()]);
    }
    const path = () => new URL(page.url()).pathname;

    it('discovery at the §3.1 location → verification_uri_complete → log in → approve, all under /auth', async () => {
      const issuer = `${server.origin}/auth`;
      const meta = await fetch(`${server.origin}/.well-known/oauth-authorization-server/auth`);
      expect(meta.status).toBe(200);
      const metadata = (await meta.json()) as Record<string, string>;
      expect(metadata.issuer).toBe(issuer);
      const asked = await fetch(metadata.device_authorization_endpoint!, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: 'demo-device', scope: 'profile read' }),
      });
      expect(asked.status).toBe(200);
      const codes = (await asked.json()) as Record<string, string>;
      expect(codes.verification_uri).toBe(`${issuer}/device`);

      await page.goto(codes.verification_uri_complete!);
      expect(path()).toBe('/auth/login');
      await page.getByLabel('Username').fill('alice');
      await page.getByLabel('Password').fill('alice');
      await press('Sign in');
      expect(path()).toBe('/auth/device');
      expect(await page.getByLabel('Code').inputValue()).toBe(codes.user_code);
      await press('Continue');
      expect(await page.locator('h1').textContent()).toBe(
        'Allow Demo TV App to access your account?',
      );
      await press('Approve');
      expect(path()).toBe('/auth/device/approved');
      expect(await page.locator('h1').textContent()).toBe('Device connected');
      // The pages' stylesheet came from under /auth; nothing the browser asked for was missing.
      expect(fetched).toContain('200 /auth/device/style.css');
      expect(fetched.filter((f) => /^4/.test(f) && !f.endsWith('/favicon.ico'))).toEqual([]);

      server.clock.advance(5000);
      const polled = await fetch(metadata.token_endpoint!, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: DEVICE_CODE_GRANT_TYPE,
          device_code: codes.device_code!,
          client_id: 'demo-device',
        }),
      });
      expect(polled.status).toBe(200);
      expect(((await polled.json()) as Record<string, string>).scope).toBe('profile read');
    });
  },
  90_000,
);
