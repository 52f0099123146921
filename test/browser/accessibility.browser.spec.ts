import { createRequire } from 'node:module';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoServer, startDemoServer } from '../support/demo-server.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';

/**
 * Every page a person meets on the way from a device's code to its decision, audited by axe-core (WCAG 2.0,
 * 2.1 and 2.2 A/AA rules and axe's best practices) in Chromium: at phone width in the light and dark schemes
 * and at desktop width, as the demo serves them (`npm start`). The pages are reached by really using them
 * (sign in, enter codes, untick every permission, …); axe needs its script in the page, so this browser context
 * bypasses the pages' script-free Content-Security-Policy (which the other browser suites keep).
 */

const AXE = createRequire(import.meta.url).resolve('axe-core');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

/** What the in-page function returns: one line per violation, enough to find it. */
interface Finding {
  id: string;
  impact: string | null;
  targets: string[];
}
/** axe-core's global in the page (the project is type-checked without `lib.dom`). */
declare const axe: {
  run(
    context: unknown,
    options: unknown,
  ): Promise<{
    violations: { id: string; impact: string | null; nodes: { target: unknown[] }[] }[];
  }>;
};
declare const document: unknown;

const VIEWS = [
  { name: 'phone light', width: 390, height: 844, scheme: 'light' },
  { name: 'phone dark', width: 390, height: 844, scheme: 'dark' },
  { name: 'desktop light', width: 1280, height: 800, scheme: 'light' },
] as const;

describe.skipIf(!chromiumAvailable)(
  'accessibility of the verification and sign-in pages (axe-core in Chromium)',
  () => {
    let browser: Browser;
    let server: DemoServer;
    let context: BrowserContext;
    let page: Page;

    beforeAll(async () => {
      [browser, server] = await Promise.all([launchChromium(), startDemoServer()]);
      context = await browser.newContext({ bypassCSP: true });
      page = await context.newPage();
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });

    /** The violations on the current page, in every view. */
    async function audit(): Promise<Record<string, Finding[]>> {
      await page.addScriptTag({ path: AXE });
      const found: Record<string, Finding[]> = {};
      for (const view of VIEWS) {
        await page.setViewportSize({ width: view.width, height: view.height });
        await page.emulateMedia({ colorScheme: view.scheme });
        const result = await page.evaluate(
          (tags) =>
            axe.run(document, {
              runOnly: { type: 'tag', values: tags },
              resultTypes: ['violations'],
            }),
          TAGS,
        );
        const findings = result.violations.map((v) => ({
          id: v.id,
          impact: v.impact,
          targets: v.nodes.map((n) => n.target.join(' ')),
        }));
        if (findings.length > 0) found[view.name] = findings;
      }
      return found;
    }

    /** Audits the page now shown, named `state` in a failure. */
    async function expectAccessible(state: string) {
      expect({ state, title: await page.title(), violations: await audit() }).toEqual({
        state,
        title: expect.any(String),
        violations: {},
      });
    }

    async function press(name: string) {
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name }).click()]);
    }

    async function deviceAsks() {
      const r = await fetch(`${server.origin}/oauth/device_authorization`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          client_id: 'demo-device',
          scope: 'profile read offline_access',
        }),
      });
      return (await r.json()) as { user_code: string; verification_uri_complete: string };
    }

    it('the audit finds what it should (an image without alt text, faint text)', async () => {
      await page.setContent(
        '<!doctype html><html lang="en"><title>t</title><main><img src="data:,">' +
          '<p style="color:#eee;background:#fff">faint</p></main></html>',
      );
      const ids = Object.values(await audit()).flatMap((f) => f.map((v) => v.id));
      expect(ids).toContain('image-alt');
      expect(ids).toContain('color-contrast');
    });

    it('sign-in, code entry, consent and decision pages, with and without errors', async () => {
      const codes = await deviceAsks();
      await page.goto(codes.verification_uri_complete);
      expect(new URL(page.url()).pathname).toBe('/login');
      await expectAccessible('sign-in');
      await page.getByLabel('Username').fill('alice');
      await page.getByLabel('Password').fill('wrong');
      await press('Sign in');
      await expectAccessible('sign-in, wrong password');
      await page.getByLabel('Password').fill('alice');
      await press('Sign in');
      await expectAccessible('code entry, pre-filled');

      await page.getByLabel('Code').fill('');
      await press('Continue');
      await expectAccessible('code entry, empty');
      await page.getByLabel('Code').fill('BCDF-GHJK');
      await press('Continue');
      expect(await page.getByRole('alert').textContent()).toContain('not valid');
      await expectAccessible('code entry, not valid');

      await page.getByLabel('Code').fill(codes.user_code);
      await press('Continue');
      await expectAccessible('consent');
      for (const box of await page.getByRole('checkbox').all()) await box.uncheck();
      await press('Approve');
      expect(await page.title()).toBe(
        'Error: Allow Demo TV App to access your account? · Device sign-in',
      );
      await expectAccessible('consent, no permission ticked');
      await page.getByRole('checkbox').first().check();
      await press('Approve');
      expect(new URL(page.url()).pathname).toBe('/device/approved');
      await expectAccessible('approved');

      for (const status of ['denied', 'expired', 'used', 'invalid', 'blocked', 'no-such-page']) {
        await page.goto(`${server.origin}/device/${status}`);
        await expectAccessible(status);
      }
    });

    it('the lock-out page after too many wrong codes', async () => {
      await page.goto(`${server.origin}/device`);
      for (let i = 0; i < 11; i++) {
        await page.getByLabel('Code').fill(`BCDF-GH${'JKLMNPQRSTV'[i]}${'JKLMNPQRSTV'[10 - i]}`);
        await press('Continue');
        if (!(await page.getByLabel('Code').count())) break;
      }
      expect(await page.locator('h1').textContent()).toBe('Too many attempts');
      await expectAccessible('too many attempts');
    });
  },
  120_000,
);
