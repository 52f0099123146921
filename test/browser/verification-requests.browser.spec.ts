import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEVICE_CODE_GRANT_TYPE } from '../../libs/device-flow/src/index.js';
import { DEMO_ADMIN_TOKEN } from '../../src/demo.config.js';
import { type DemoServer, startDemoServer } from '../support/demo-server.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';

/**
 * What a person does in a real browser besides filling the form in once: Back and reload (POST-redirect-GET),
 * a double click on Approve, an empty or pasted code, and a code of an app the administrator blocked. Headless
 * Chromium (Debian `chromium`, via playwright-core) against the demo server, as verification.browser.spec.ts.
 */

const NOT_VALID = 'That code is not valid. Check it and try again.';

describe.skipIf(!chromiumAvailable)(
  'verification page requests in Chromium',
  () => {
    let browser: Browser;
    let server: DemoServer;
    let context: BrowserContext;
    let page: Page;
    /** Navigations of the main frame since the last reset: `METHOD /path`. */
    let navigations: string[];

    beforeAll(async () => {
      [browser, server] = await Promise.all([launchChromium(), startDemoServer()]);
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });
    beforeEach(async () => {
      context = await browser.newContext();
      page = await context.newPage();
      navigations = [];
      page.on('request', (r) => {
        if (r.isNavigationRequest() && r.frame() === page.mainFrame())
          navigations.push(`${r.method()} ${new URL(r.url()).pathname}`);
      });
    });
    afterEach(() => context?.close());

    async function deviceAsks() {
      const r = await fetch(`${server.origin}/oauth/device_authorization`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: 'demo-device', scope: 'profile read' }),
      });
      expect(r.status).toBe(200);
      return (await r.json()) as {
        device_code: string;
        user_code: string;
        verification_uri: string;
        verification_uri_complete: string;
      };
    }

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

    /** The demo admin API's kill switch for the demo client. */
    async function killSwitch(engaged: boolean) {
      const r = await fetch(
        `${server.origin}/admin/kill-switch${engaged ? '' : '?client_id=demo-device'}`,
        {
          method: engaged ? 'POST' : 'DELETE',
          headers: {
            'X-Demo-Admin-Token': DEMO_ADMIN_TOKEN,
            ...(engaged ? { 'Content-Type': 'application/json' } : {}),
          },
          body: engaged ? JSON.stringify({ client_id: 'demo-device' }) : undefined,
        },
      );
      expect(r.status).toBeLessThan(300);
    }

    async function press(name: string) {
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name }).click()]);
    }

    const heading = () => page.locator('h1').textContent();
    const path = () => new URL(page.url()).pathname;
    const posts = () => navigations.filter((n) => n.startsWith('POST '));

    async function signIn(user = 'alice') {
      expect(path()).toBe('/login');
      await page.getByLabel('Username').fill(user);
      await page.getByLabel('Password').fill(user);
      await press('Sign in');
      expect(path()).toBe('/device');
    }

    async function enterCode(code: string) {
      await page.getByLabel('Code').fill(code);
      await press('Continue');
    }

    it('Back after approving goes to the code entry form, with no form to resend', async () => {
      const codes = await deviceAsks();
      await page.goto(codes.verification_uri_complete);
      await signIn();
      await press('Continue');
      expect(path()).toBe('/device/consent');
      expect(await heading()).toBe('Allow Demo TV App to access your account?');
      await press('Approve');
      expect(path()).toBe('/device/approved');

      navigations.length = 0;
      await page.goBack();
      await page.waitForLoadState();
      // Not the browser's "Confirm Form Resubmission" (ERR_CACHE_MISS): a page of ours, got by GET.
      expect(page.url()).not.toMatch(/^chrome-error:/);
      expect(path()).toBe('/device');
      expect(await heading()).toBe('Connect a device');
      expect(posts()).toEqual([]);
      expect((await devicePolls(codes.device_code)).status).toBe(200);
    });

    it('reloading the consent page or the "not valid" form sends no form again', async () => {
      const codes = await deviceAsks();
      await page.goto(`${server.origin}/device`);
      await signIn();
      await enterCode('BCDF-GHJK');
      expect(path()).toBe('/device');
      expect(await page.getByRole('alert').textContent()).toBe(NOT_VALID);
      expect(await page.getByLabel('Code').inputValue()).toBe('BCDF-GHJK');

      navigations.length = 0;
      await page.reload();
      expect(posts()).toEqual([]); // the wrong code is not sent, nor counted, again
      expect(await page.getByRole('alert').count()).toBe(0);

      await enterCode(codes.user_code);
      expect(path()).toBe('/device/consent');
      navigations.length = 0;
      await page.reload();
      expect(posts()).toEqual([]);
      expect(await heading()).toBe('Allow Demo TV App to access your account?');
      expect(await page.locator('.usercode').textContent()).toBe(codes.user_code);
      expect((await devicePolls(codes.device_code)).body.error).toBe('authorization_pending');
    });

    /**
     * Waits until the page has settled on a URL matching `pattern`. A double click submits the form twice, and
     * the second submission aborts the first one's navigation (`net::ERR_ABORTED`), which a plain `waitForURL`
     * takes for a failure whenever the first answer was still on its way: wait for the next navigation then.
     */
    async function settledOn(pattern: RegExp): Promise<void> {
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          await page.waitForURL(pattern);
          return;
        } catch (e) {
          if (!/ERR_ABORTED|frame was detached/.test(String(e))) throw e;
        }
      }
      throw new Error(`the page did not settle on ${pattern}`);
    }

    it('Approve sent twice (a double click, Enter pressed twice): "Device connected" both times', async () => {
      const codes = await deviceAsks();
      await page.goto(codes.verification_uri_complete);
      await signIn();
      await press('Continue');
      const csrf = await page.locator('input[name=csrf_token]').first().getAttribute('value');
      await Promise.all([
        settledOn(/\/device\/(approved|used)$/),
        page.getByRole('button', { name: 'Approve' }).dblclick(),
      ]);
      expect(await heading()).toBe('Device connected');
      // Whether or not Chromium sent the second click's form, here is that form arriving after the first
      // was decided: the same page, not "Code already used".
      const second = await page.request.post(`${server.origin}/device/decision`, {
        form: {
          csrf_token: csrf!,
          user_code: codes.user_code,
          decision: 'approve',
          scope_0: 'profile',
          scope_1: 'read',
        },
        headers: { Origin: server.origin },
      });
      expect(new URL(second.url()).pathname).toBe('/device/approved');
      expect(await second.text()).toContain('Device connected');
      const tokens = await devicePolls(codes.device_code);
      expect(tokens.status).toBe(200);
      expect(tokens.body.scope).toBe('profile read');
    });

    it('an empty field asks for the code however often it is sent; a pasted code with an en dash and a full stop works', async () => {
      const codes = await deviceAsks();
      await page.goto(`${server.origin}/device`);
      await signIn();
      for (let i = 0; i < 11; i++) {
        await enterCode('');
        expect(await page.getByRole('alert').textContent()).toBe(
          'Enter the code shown on your device.',
        );
        expect(await page.getByLabel('Code').getAttribute('aria-invalid')).toBe('true');
      }
      await enterCode(`${codes.user_code.replace('-', '\u2013')}.`);
      expect(path()).toBe('/device/consent');
      expect(await page.locator('.usercode').textContent()).toBe(codes.user_code);
    });

    it('a live code of an app the administrator blocked says so, not "not valid"', async () => {
      const codes = await deviceAsks();
      await killSwitch(true);
      try {
        await page.goto(codes.verification_uri_complete);
        await signIn();
        await press('Continue');
        expect(path()).toBe('/device/blocked');
        expect(await heading()).toBe('App blocked');
        expect(await page.locator('main').textContent()).toContain(
          'This app has been blocked by the administrator',
        );
      } finally {
        await killSwitch(false);
      }
    });
  },
  90_000,
);
