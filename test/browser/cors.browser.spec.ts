import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_CODE_GRANT_TYPE } from '../../libs/device-flow/src/index.js';
import { startStaticServer } from '../support/demo-server.js';
import { createListeningTestApp, type ListeningTestApp } from '../support/listening-app.js';
import { TEST_CLIENTS } from '../support/test-app.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';

/**
 * A device client running in a browser (a smart-TV web app) on another origin: Chromium itself enforces CORS.
 * The page of the origin registered for the client reads the device authorization, the pending poll and the
 * tokens; a page on an unregistered origin sending the very same requests can read nothing.
 */

/** The page's script: the device side of RFC 8628 with fetch(), reporting what it could read. */
const DEVICE_PAGE = `<!doctype html><meta charset="utf-8"><title>web tv</title><script>
async function run(server) {
  const post = async (path, params) => {
    try {
      const r = await fetch(server + path, { method: 'POST', body: new URLSearchParams(params) });
      return { status: r.status, body: await r.json() };
    } catch (e) {
      return { blocked: String(e) };
    }
  };
  const start = await post('/oauth/device_authorization', { client_id: 'web-tv', scope: 'read' });
  if (!start.body) return { start };
  const poll = await post('/oauth/token', {
    grant_type: '${DEVICE_CODE_GRANT_TYPE}', device_code: start.body.device_code, client_id: 'web-tv' });
  return { start, poll };
}
</script>`;

describe.skipIf(!chromiumAvailable)('CORS in Chromium', () => {
  let browser: Browser;
  let allowedSite: { origin: string; close(): Promise<void> };
  let otherSite: { origin: string; close(): Promise<void> };
  let t: ListeningTestApp;

  beforeAll(async () => {
    [allowedSite, otherSite] = await Promise.all([
      startStaticServer(() => ({ '/': DEVICE_PAGE })),
      startStaticServer(() => ({ '/': DEVICE_PAGE })),
    ]);
    t = await createListeningTestApp({
      clients: [
        ...TEST_CLIENTS,
        { clientId: 'web-tv', scopes: ['read'], allowedOrigins: [allowedSite.origin] },
      ],
    });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await Promise.all([t?.close(), allowedSite?.close(), otherSite?.close()]);
  });

  async function runOn(origin: string) {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${origin}/`);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      return (await page.evaluate(`run(${JSON.stringify(t.url)})`)) as any;
    } finally {
      await context.close();
    }
  }

  it('the registered origin reads the codes and the pending poll; then the tokens', async () => {
    const r = await runOn(allowedSite.origin);
    expect(r.start.status).toBe(200);
    expect(r.start.body.user_code).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    expect(r.poll).toEqual({
      status: 400,
      body: expect.objectContaining({ error: 'authorization_pending' }),
    });
    await t.grants.approve(r.start.body.user_code, 'alice');
    t.clock.advance(10_000);
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${allowedSite.origin}/`);
    const tokens = await page.evaluate(
      async ([server, deviceCode, grantType]) => {
        const r = await fetch(`${server}/oauth/token`, {
          method: 'POST',
          body: new URLSearchParams({
            grant_type: grantType!,
            device_code: deviceCode!,
            client_id: 'web-tv',
          }),
        });
        return { status: r.status, body: (await r.json()) as Record<string, unknown> };
      },
      [t.url, r.start.body.device_code as string, DEVICE_CODE_GRANT_TYPE],
    );
    await context.close();
    expect(tokens.status).toBe(200);
    expect(tokens.body).toMatchObject({ token_type: 'Bearer', scope: 'read' });
  });

  it('a page on another origin sending the same requests can read no answer', async () => {
    const r = await runOn(otherSite.origin);
    expect(r.start.blocked).toMatch(/Failed to fetch/);
    expect(r.poll).toBeUndefined();
  });
});
