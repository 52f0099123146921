import { type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_CODE_GRANT_TYPE } from '../../libs/device-flow/src/index.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';
import { type DemoServer, startDemoServer } from '../support/demo-server.js';

/**
 * The pages over plain HTTP on a host name other than loopback — a phone on the home network opening
 * `http://192.168.…:3000/device` from the TV's QR code. Such a page is not a secure context, so Chromium sends
 * no Fetch Metadata (`Sec-Fetch-Site`) with its form posts, and the `Origin` header alone tells the server the
 * post came from its own page. Under `Referrer-Policy: no-referrer` that header was `null`, and every sign-in,
 * code entry and decision was refused as cross-site. Chromium resolves `lan-device.test` to 127.0.0.1 here.
 */
describe.skipIf(!chromiumAvailable)('pages over plain HTTP on a LAN host name, in Chromium', () => {
  const HOST = 'lan-device.test';
  let browser: Browser;
  let server: DemoServer;

  beforeAll(async () => {
    [browser, server] = await Promise.all([
      launchChromium([
        `--host-resolver-rules=MAP ${HOST} 127.0.0.1`,
        // Chromium would otherwise try https:// first for a host that is not loopback.
        '--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable',
      ]),
      startDemoServer(),
    ]);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('signs in, enters the code and approves; the posts carry the page origin and no Fetch Metadata', async () => {
    const auth = await fetch(`${server.origin}/oauth/device_authorization`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: 'demo-device', scope: 'read' }),
    });
    const codes = (await auth.json()) as { device_code: string; user_code: string };
    const lan = server.origin.replace('127.0.0.1', HOST);
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const sent: Array<Promise<Record<string, string>>> = [];
      page.on('request', (r) => {
        if (r.method() === 'POST') sent.push(r.allHeaders());
      });
      const press = (name: string) =>
        Promise.all([page.waitForNavigation(), page.getByRole('button', { name }).click()]);

      await page.goto(`${lan}/device`);
      expect(new URL(page.url()).host).toBe(new URL(lan).host);
      await page.getByLabel('Username').fill('alice');
      await page.getByLabel('Password').fill('alice');
      await press('Sign in');
      expect(new URL(page.url()).pathname).toBe('/device');
      await page.getByLabel('Code').fill(codes.user_code);
      await press('Continue');
      await press('Approve');
      expect(await page.locator('h1').textContent()).toBe('Device connected');

      const posts = await Promise.all(sent);
      expect(posts.length).toBe(3); // sign-in, code, decision
      for (const h of posts) {
        expect(h['sec-fetch-site']).toBeUndefined();
        expect(h.origin).toBe(lan);
      }
    } finally {
      await context.close();
    }

    server.clock.advance(5000);
    const tokens = await fetch(`${server.origin}/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: DEVICE_CODE_GRANT_TYPE,
        device_code: codes.device_code,
        client_id: 'demo-device',
      }),
    });
    expect(tokens.status).toBe(200);
  }, 60_000);
});
