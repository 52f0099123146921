import { afterEach, describe, expect, it } from 'vitest';
import {
  DEVICE_CODE_GRANT_TYPE,
  type DeviceFlowModuleOptions,
  DeviceManagementService,
} from '../../libs/device-flow/src/index.js';
import { visibleText } from '../../libs/device-flow/src/verification/html.js';
import { createTestApp, form, poll, type TestApp } from '../support/test-app.js';
import { headerUserProviders, openVerificationPage } from '../support/verification-agent.js';

const STAYS =
  'It will also stay signed in on the device for as long as it is used at least once every';

/**
 * The consent page tells the user when approving also keeps the device signed in — a refresh token the user
 * has no box to untick — and for how long it may go unused, and how long ago the device asked (RFC 8628 §5.4:
 * the user must know what they grant, and be able to tell a request they just started from another).
 */
describe('consent page: what approving gives, and when the device asked', () => {
  let t: TestApp;
  afterEach(() => t?.close());

  const clients: DeviceFlowModuleOptions['clients'] = [
    { clientId: 'tv', displayName: 'Test TV', scopes: ['read', 'offline_access'] },
    {
      clientId: 'short-lived',
      grantTypes: [DEVICE_CODE_GRANT_TYPE],
      scopes: ['read', 'offline_access'],
    },
  ];

  /** The consent page alice sees for a code of `clientId` asking for `scope`, `laterMs` after the device asked. */
  async function consentPage(clientId: string, scope: string, laterMs = 0): Promise<string> {
    const auth = await t.http
      .post('/oauth/device_authorization')
      .type('form')
      .send(form({ client_id: clientId, scope }))
      .expect(200);
    t.clock.advance(laterMs);
    const server = t.app.getHttpServer();
    const browser = await openVerificationPage(server, 'alice');
    const entered = await browser
      .post(server, '/device', { user_code: auth.body.user_code })
      .expect(303);
    const page = await browser.get(server, entered.headers.location!).expect(200);
    expect(page.text).toContain(auth.body.user_code); // the consent page of this code
    return page.text;
  }

  it('a client allowed refresh tokens that did not ask for offline_access: says so, with refreshTokenTtl', async () => {
    t = await createTestApp({ clients }, { providers: headerUserProviders });
    expect(await consentPage('tv', 'read')).toContain(`${STAYS} 30 days.`);
    // No scope at all: "no other access", and still the device stays signed in.
    const bare = await consentPage('tv', '');
    expect(bare).toContain('Sign in as you (no other access).');
    expect(bare).toContain(STAYS);
  });

  it('follows refreshTokenTtl', async () => {
    t = await createTestApp(
      { clients, refreshTokenTtl: 7 * 86400 },
      { providers: headerUserProviders },
    );
    expect(await consentPage('tv', 'read')).toContain(`${STAYS} 7 days.`);
  });

  it('not said where the user chooses (offline_access asked for) or where no refresh token comes', async () => {
    t = await createTestApp({ clients }, { providers: headerUserProviders });
    const choice = await consentPage('tv', 'read offline_access');
    expect(choice).not.toContain(STAYS);
    expect(choice).toContain('Stay signed in on the device when you are not using it');
    expect(await consentPage('short-lived', 'read')).not.toContain(STAYS);
  });

  it("shows the client's name without bidi overrides or other invisible characters", async () => {
    t = await createTestApp(
      {
        clients: [
          { clientId: 'tv', displayName: 'Evil\u202Eppa\u202C \u200BTV\n App', scopes: ['read'] },
          { clientId: 'blank', displayName: '\u202E\u200B \u3164\u2800', scopes: ['read'] },
        ],
      },
      { providers: headerUserProviders },
    );
    const page = await consentPage('tv', 'read');
    expect(page).toContain('Allow Evilppa TV App to access your account?');
    // A zero-width character between spaces leaves one space, not two.
    expect(visibleText('a \u200B b\tc\u0000d')).toBe('a b cd');
    expect(page).not.toMatch(/[\u202E\u202C\u200B]/);
    // Nothing visible left: the client id stands in, as for a client without a name.
    expect(await consentPage('blank', 'read')).toContain('Allow blank to access your account?');
    // The user's list of devices names the client the same way.
    const auth = await t.http
      .post('/oauth/device_authorization')
      .set('User-Agent', 'Living \t  Room TV')
      .type('form')
      .send(form({ client_id: 'tv', scope: 'read' }))
      .expect(200);
    await t.grants.approve(auth.body.user_code, 'alice', ['read']);
    t.clock.advance(auth.body.interval * 1000);
    await poll(t, auth.body.device_code, { client_id: 'tv' }).expect(200);
    const [device] = await t.app.get(DeviceManagementService).listDevices('alice');
    expect(device.clientName).toBe('Evilppa TV App');
    expect(device.userAgent).toBe('Living Room TV');
  });

  it('offline_access asked for by a client not allowed refresh tokens: no box that would change nothing', async () => {
    t = await createTestApp({ clients }, { providers: headerUserProviders });
    const page = await consentPage('short-lived', 'read offline_access');
    expect(page).not.toContain('value="offline_access"');
    expect(page).not.toContain('Stay signed in on the device');
    expect(page).toContain('value="read"');
  });

  it('says how long ago the device asked, by the module clock', async () => {
    t = await createTestApp({ clients }, { providers: headerUserProviders });
    const page = await consentPage('tv', 'read', 7 * 60_000);
    expect(page.replace(/\s+/g, ' ')).toMatch(
      /<dd> 7 minutes ago, \d{4}-\d\d-\d\d \d\d:\d\d UTC <\/dd>/,
    );
  });

  it('offlineAccessScope: false — asking for offline_access is no choice, so it is said', async () => {
    t = await createTestApp(
      { clients, offlineAccessScope: false },
      { providers: headerUserProviders },
    );
    expect(await consentPage('tv', 'read offline_access')).toContain(STAYS);
  });

  it('warns when the page is shown on another network than the device asked from (remote phishing)', async () => {
    t = await createTestApp({ clients }, { providers: headerUserProviders }, { trustProxy: true });
    const server = t.app.getHttpServer();
    /** The consent page alice sees from `viewer` for a code the device asked for from `device`. */
    const seenFrom = async (device: string, viewer: string): Promise<string> => {
      const auth = await t.http
        .post('/oauth/device_authorization')
        .set('X-Forwarded-For', device)
        .type('form')
        .send(form({ client_id: 'tv', scope: 'read' }))
        .expect(200);
      const browser = await openVerificationPage(server, 'alice');
      const entered = await browser
        .post(server, '/device', { user_code: auth.body.user_code })
        .expect(303);
      const page = await browser
        .get(server, entered.headers.location!)
        .set('X-Forwarded-For', viewer)
        .expect(200);
      expect(page.text).toContain(auth.body.user_code);
      return page.text.replace(/\s+/g, ' ');
    };
    const WARNING = 'This request came from a different network than the one you are on now.';
    const elsewhere = await seenFrom('203.0.113.5', '198.51.100.7');
    expect(elsewhere).toContain(WARNING);
    expect(elsewhere).toContain('<dd>203.0.113.5 (not the network you are on now)</dd>');
    // The same address, the same IPv6 /64, or one of each family (a dual-stack home): nothing said.
    for (const [device, viewer] of [
      ['203.0.113.5', '203.0.113.5'],
      ['2001:db8:0:1::a', '2001:db8:0:1::b'],
      ['203.0.113.5', '2001:db8:0:1::b'],
    ] as const) {
      const page = await seenFrom(device, viewer);
      expect(page, `${device} / ${viewer}`).not.toContain(WARNING);
      expect(page).not.toContain('not the network you are on now');
    }
  });
});
