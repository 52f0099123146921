import { mkdirSync } from 'node:fs';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DefaultVerificationView, VerificationView } from '../../libs/device-flow/src/index.js';
import { createListeningTestApp, type ListeningTestApp } from '../support/listening-app.js';
import { type DemoServer, startDemoServer } from '../support/demo-server.js';
import { headerUserProviders } from '../support/verification-agent.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';

/**
 * The consent page's layout and contrast as Chromium renders them (Debian `chromium`, via playwright-core): long
 * scope tokens and client names wrap inside the card at phone, desktop and 200 % zoom widths (WCAG 2.2 SC 1.4.10
 * Reflow), text fields have a 3:1 boundary in the light and dark schemes (SC 1.4.11), and the device's own
 * description of itself reads as its unverified claim, set below and smaller than the facts the server saw
 * (RFC 8628 §5.4).
 */

/** The few DOM globals the in-page functions use (the project is type-checked without `lib.dom`). */
interface DomElement {
  className: string;
  tagName: string;
  textContent: string | null;
  closest(selector: string): DomElement | null;
  getBoundingClientRect(): { left: number; right: number; top: number };
}
declare const document: {
  documentElement: { scrollWidth: number };
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): Iterable<DomElement>;
};
declare const window: { innerWidth: number };
declare function getComputedStyle(el: DomElement): {
  backgroundColor: string;
  borderTopColor: string;
  borderTopWidth: string;
  fontSize: string;
};

const LONG_SCOPE = 'https://www.googleapis.com/auth/photoslibrary.readonly.appcreateddata';
/** A long scope token that has a description: shown beside it. */
const LONG_DESCRIBED = 'https://www.googleapis.com/auth/photoslibrary.sharing.appcreateddata';
const LONG_NAME =
  'Photos' + 'Supercalifragilisticexpialidocious'.repeat(3) + ' for the living room';
const PHISH = 'Verified by Example Support - this request is safe, you may approve it';

const launch = () => launchChromium();

/** WCAG 2.2 contrast ratio of two computed `rgb(r, g, b)` colours. */
function contrast(a: string, b: string): number {
  const luminance = (rgb: string) => {
    const [r, g, bl] = rgb
      .match(/[\d.]+/g)!
      .slice(0, 3)
      .map((v) => {
        const c = Number(v) / 255;
        return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** The border colour of a text field, and the background of the field and of the card around it. */
function fieldColours(page: Page, selector: string) {
  return page.locator(selector).evaluate((el: DomElement) => {
    const field = getComputedStyle(el);
    const card = getComputedStyle(el.closest('.card')!);
    return {
      border: field.borderTopColor,
      borderWidth: field.borderTopWidth,
      field: field.backgroundColor,
      card: card.backgroundColor,
    };
  });
}

describe.skipIf(!chromiumAvailable)(
  'verification page layout and contrast in Chromium',
  () => {
    let browser: Browser;
    let t: ListeningTestApp;

    beforeAll(async () => {
      [browser, t] = await Promise.all([
        launch(),
        createListeningTestApp(
          {
            clients: [
              {
                clientId: 'photos',
                displayName: LONG_NAME,
                scopes: ['read', 'write', LONG_SCOPE, LONG_DESCRIBED, 'profile'],
              },
            ],
          },
          {
            providers: [
              ...headerUserProviders,
              {
                provide: VerificationView,
                useValue: new DefaultVerificationView({
                  texts: { scopeDescriptions: { [LONG_DESCRIBED]: 'Share photos this app made' } },
                }),
              },
            ],
          },
        ),
      ]);
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await t?.close();
    });

    /** A device (with a phishing User-Agent) asks for codes; the signed-in user opens its consent page. */
    async function consentPage(viewport: { width: number; height: number }, deviceScaleFactor = 1) {
      const r = await fetch(`${t.url}/oauth/device_authorization`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'User-Agent': PHISH },
        body: new URLSearchParams({
          client_id: 'photos',
          scope: `read write ${LONG_SCOPE} ${LONG_DESCRIBED}`,
        }),
      });
      expect(r.status).toBe(200);
      const { user_code } = (await r.json()) as { user_code: string };
      const context = await browser.newContext({
        viewport,
        deviceScaleFactor,
        extraHTTPHeaders: { 'x-test-user': 'alice' },
      });
      const page = await context.newPage();
      await page.goto(`${t.url}/device?user_code=${user_code}`);
      await Promise.all([
        page.waitForNavigation(),
        page.getByRole('button', { name: 'Continue' }).click(),
      ]);
      expect(await page.locator('h1').textContent()).toBe(
        `Allow ${LONG_NAME} to access your account?`,
      );
      return page;
    }

    // 390: a phone; 1280: a desktop; 640 CSS px at scale 2: a 1280 px window at 200 % zoom.
    it.each([
      { width: 390, height: 844, scale: 1 },
      { width: 1280, height: 800, scale: 1 },
      { width: 640, height: 400, scale: 2 },
    ])(
      'consent at $width CSS px (×$scale): no sideways scrolling, everything inside the card',
      async ({ width, height, scale }) => {
        const page = await consentPage({ width, height }, scale);
        try {
          const m = await page.evaluate(() => {
            const box = (el: DomElement) => el.getBoundingClientRect();
            const card = box(document.querySelector('.card')!);
            const inside = [
              ...document.querySelectorAll('h1, p, ul.scopes li, label.check > *, dl, .actions'),
            ]
              .filter((el) => box(el).right > card.right + 0.5 || box(el).left < card.left - 0.5)
              .map((el) => `${el.tagName}.${el.className}: ${el.textContent!.trim().slice(0, 40)}`);
            return {
              scrollWidth: document.documentElement.scrollWidth,
              viewport: window.innerWidth,
              cardRight: card.right,
              outside: inside,
            };
          });
          mkdirSync('.tmp/screenshots', { recursive: true });
          await page.screenshot({
            path: `.tmp/screenshots/consent-long-names-${width}x${scale}.png`,
            fullPage: true,
          });
          expect(m.viewport).toBe(width);
          expect(m.scrollWidth).toBeLessThanOrEqual(m.viewport);
          expect(m.cardRight).toBeLessThanOrEqual(m.viewport);
          expect(m.outside).toEqual([]);
          // The long scope has no description: shown once, as its token.
          expect(await page.getByText(LONG_SCOPE, { exact: true }).count()).toBe(1);
        } finally {
          await page.context().close();
        }
      },
    );

    it('the device’s description of itself is labelled as its claim, below and smaller than the facts', async () => {
      const page = await consentPage({ width: 560, height: 900 });
      try {
        const claim = page.locator('p.claim');
        expect((await claim.textContent())!.replace(/\s+/g, ' ').trim()).toBe(
          `Device says it is: ${PHISH} (not verified: the device chose this text)`,
        );
        expect(await page.locator('dl.details').textContent()).not.toContain('Verified by');
        const sizes = await page.evaluate(() => {
          const px = (s: string) =>
            parseFloat(getComputedStyle(document.querySelector(s)!).fontSize);
          const y = (s: string) => document.querySelector(s)!.getBoundingClientRect().top;
          return {
            claim: px('p.claim q'),
            fact: px('dl.details dd'),
            claimTop: y('p.claim'),
            factsTop: y('dl.details'),
          };
        });
        expect(sizes.claim).toBeLessThan(sizes.fact);
        expect(sizes.claimTop).toBeGreaterThan(sizes.factsTop);
      } finally {
        await page.context().close();
      }
    });

    it.each(['light', 'dark'] as const)(
      'the code field’s border has 3:1 against the card (%s scheme)',
      async (colorScheme) => {
        const context = await browser.newContext({
          colorScheme,
          extraHTTPHeaders: { 'x-test-user': 'alice' },
        });
        try {
          const page = await context.newPage();
          await page.goto(`${t.url}/device`);
          const c = await fieldColours(page, '#user_code');
          expect(c.borderWidth).toBe('2px');
          expect(contrast(c.border, c.card)).toBeGreaterThanOrEqual(3);
          expect(contrast(c.border, c.field)).toBeGreaterThanOrEqual(3);
        } finally {
          await context.close();
        }
      },
    );
  },
  90_000,
);

describe.skipIf(!chromiumAvailable)(
  'demo login page contrast in Chromium',
  () => {
    let browser: Browser;
    let server: DemoServer;

    beforeAll(async () => {
      [browser, server] = await Promise.all([launch(), startDemoServer()]);
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });

    it.each(['light', 'dark'] as const)(
      'the login fields (the module’s input.field) have a 3:1 border (%s scheme)',
      async (colorScheme) => {
        const context = await browser.newContext({ colorScheme });
        try {
          const page = await context.newPage();
          await page.goto(`${server.origin}/login`);
          for (const label of ['Username', 'Password']) {
            const id = await page.getByLabel(label).getAttribute('id');
            const c = await fieldColours(page, `#${id}`);
            expect(contrast(c.border, c.card), label).toBeGreaterThanOrEqual(3);
            expect(contrast(c.border, c.field), label).toBeGreaterThanOrEqual(3);
          }
        } finally {
          await context.close();
        }
      },
    );
  },
  90_000,
);
