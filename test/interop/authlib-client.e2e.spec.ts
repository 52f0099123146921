import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../libs/device-flow/src/index.js';
import { type DemoServer, startDemoServer } from '../support/demo-server.js';
import {
  type DeviceEvent,
  PYTHON,
  type PythonDevice as Device,
  pythonProbe,
  runPythonDevice,
  until,
} from '../support/python-device.js';
import { signInAndDecide } from '../support/verification-agent.js';

/**
 * Interoperability with a second, independent client library in another language: Authlib's OAuth 2.0 client
 * (Python, `authlib.integrations.requests_client.OAuth2Session`, as Debian ships it in `python3-authlib`) — the
 * client side of the library whose RFC 8628 API this module grew from. A Python device
 * (`authlib/device_flow.py`) signs in to the demo server (src/, as `npm start` runs it) with Authlib's own
 * client authentication encoders, token requests and error parsing, bearer requests, automatic refresh,
 * revocation and introspection, while the person approves or denies over HTTP on the verification page.
 *
 * Needs `/usr/bin/python3` (or `PYTHON`) with `python3-authlib` and `python3-requests`; without them the suite
 * skips with a printed reason, and in CI (`CI=true`) fails instead. `.ci/services.sh` installs them.
 */

const DEVICE = fileURLToPath(new URL('./authlib/device_flow.py', import.meta.url));

/** Authlib's version, when Python can import its requests client here. */
const version = pythonProbe(
  'import authlib, authlib.integrations.requests_client; print(authlib.__version__)',
  `Authlib interop: ${PYTHON} cannot import authlib.integrations.requests_client (apt-get install python3-authlib python3-requests)`,
);

function runDevice(
  s: DemoServer<SystemClock>,
  clientId: string,
  authMethod: 'none' | 'client_secret_basic' | 'client_secret_post',
  scope: string,
  scenario: 'tokens' | 'introspect' | 'early',
  secret?: string,
): Device {
  return runPythonDevice(DEVICE, [
    s.origin,
    clientId,
    authMethod,
    scope,
    scenario,
    ...(secret ? [secret] : []),
  ]);
}

/** The device's authorization response; the device is polling once it has printed it. */
async function authorization(device: Device) {
  const first = await device.next();
  expect(first).toMatchObject({ event: 'device_authorization', status: 200 });
  return first as DeviceEvent & { user_code: string; verification_uri_complete: string };
}

/** Waits until the device has seen an authorization_pending, so its polling loop is exercised. */
async function pendingSeen(device: Device): Promise<void> {
  expect(await device.next()).toEqual({ event: 'pending', error: 'authorization_pending' });
}

describe.skipIf(!version)(`Authlib ${version ?? ''} (Python) against the demo server`, () => {
  let s: DemoServer<SystemClock>;
  beforeEach(async () => {
    s = await startDemoServer({ clock: new SystemClock(), env: { DEVICE_FLOW_INTERVAL: '1' } });
  });
  afterEach(() => s?.close());

  it('public client (none): pending, approval, the token on /api/me, automatic refresh, refresh-token reuse revokes the grant', async () => {
    const device = runDevice(s, 'demo-device', 'none', 'read profile', 'tokens');
    const shown = await authorization(device);
    expect(shown.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(shown).toMatchObject({ verification_uri: `${s.origin}/device`, interval: 1 });
    await pendingSeen(device);
    await signInAndDecide(s.origin, shown, 'alice', 'approve');

    const [...before] = await until(device, 'token');
    // Only pending answers before the tokens: Authlib's requests and the device's loop kept the interval.
    expect(before.slice(0, -1).every((e) => e.event === 'pending')).toBe(true);
    expect(before.at(-1)).toMatchObject({
      token_type: 'Bearer',
      scope: 'read profile',
      expires_in: 3600,
      has_refresh_token: true,
    });
    // Authlib turned expires_in into expires_at (its clock and the server's agree).
    const expiresAt = before.at(-1)!.expires_at as number;
    expect(Math.abs(expiresAt - (Date.now() / 1000 + 3600))).toBeLessThan(30);

    // The token through Authlib's bearer auth (Authorization: Bearer, RFC 6750 §2.1) on the guarded route.
    expect(await device.next()).toMatchObject({
      event: 'me',
      status: 200,
      body: { subject: 'alice', clientId: 'demo-device' },
    });
    // The token marked expired: Authlib refreshed it on its own before the request (rotation: a new
    // refresh token), and the request went through with the new access token.
    expect(await device.next()).toEqual({
      event: 'refreshed',
      scope: 'read profile',
      rotated: true,
    });
    expect(await device.next()).toMatchObject({
      event: 'me',
      status: 200,
      body: { subject: 'alice' },
    });
    // The spent refresh token again: OAuthError invalid_grant, and the whole grant is revoked, so the
    // refreshed access token Authlib holds is refused with a Bearer challenge.
    expect(await device.next()).toMatchObject({ event: 'reused', error: 'invalid_grant' });
    const after = await device.next();
    expect(after).toMatchObject({ event: 'me', status: 401 });
    expect(after.www_authenticate).toMatch(/^Bearer\b.*error="invalid_token"/);
    expect((await device.exited).code).toBe(0);
  });

  it('confidential client (client_secret_basic): narrowed consent, introspection, revocation', async () => {
    const device = runDevice(
      s,
      'demo-confidential',
      'client_secret_basic',
      'read write',
      'introspect',
      'demo-confidential-secret',
    );
    const shown = await authorization(device);
    await pendingSeen(device);
    await signInAndDecide(s.origin, shown, 'bob', 'approve', ['read']);
    const token = (await until(device, 'token')).at(-1)!;
    expect(token).toMatchObject({ token_type: 'Bearer', scope: 'read', has_refresh_token: true });

    const seen = await device.next();
    expect(seen).toMatchObject({
      event: 'introspection',
      status: 200,
      body: { active: true, client_id: 'demo-confidential', sub: 'bob', scope: 'read' },
    });
    expect(await device.next()).toEqual({
      event: 'revocation',
      status: 200,
      cache_control: 'no-store',
    });
    expect(await device.next()).toEqual({
      event: 'introspection',
      status: 200,
      body: { active: false },
    });
    expect((await device.exited).code).toBe(0);
  });

  it('confidential client (client_secret_post): the person denies, Authlib raises OAuthError access_denied', async () => {
    const device = runDevice(
      s,
      'demo-confidential',
      'client_secret_post',
      'read',
      'tokens',
      'demo-confidential-secret',
    );
    const shown = await authorization(device);
    await pendingSeen(device);
    await signInAndDecide(s.origin, shown, 'alice', 'deny');
    const last = (await until(device, 'denied')).at(-1);
    expect(last).toMatchObject({ error: 'access_denied' });
    expect(last!.description).toEqual(expect.any(String));
    expect((await device.exited).code).toBe(0);
  });

  it('a poll right after the previous one: OAuthError slow_down (RFC 8628 §3.5)', async () => {
    const device = runDevice(s, 'demo-device', 'none', 'read', 'early');
    await authorization(device);
    expect(await device.next()).toMatchObject({
      event: 'early',
      first: { error: 'authorization_pending' },
      second: { error: 'slow_down' },
    });
    expect((await device.exited).code).toBe(0);
  });

  it('a wrong client secret: the device authorization request is 401 invalid_client', async () => {
    const device = runDevice(
      s,
      'demo-confidential',
      'client_secret_basic',
      'read',
      'tokens',
      'not-the-secret',
    );
    const first = await device.next();
    expect(first).toMatchObject({
      event: 'device_authorization',
      status: 401,
      error: 'invalid_client',
    });
    expect((await device.exited).code).toBe(0);
  });
});
