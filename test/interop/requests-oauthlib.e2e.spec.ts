import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../libs/device-flow/src/index.js';
import { type DemoServer, startDemoServer } from '../support/demo-server.js';
import { PYTHON, pythonProbe, runPythonDevice, until } from '../support/python-device.js';
import { signInAndDecide } from '../support/verification-agent.js';

/**
 * Interoperability with requests-oauthlib (Python; oauthlib's `DeviceClient`, as Debian ships them in
 * `python3-requests-oauthlib` and `python3-oauthlib`): a device polls the demo server with
 * `OAuth2Session.fetch_token(…, device_code=…)`, which authenticates a client without a secret as it does by
 * default — HTTP Basic with the client id and an empty password — and then calls the guarded route with the
 * token. Needs `/usr/bin/python3` (or `PYTHON`) with those packages; without them the suite skips with a printed
 * reason, and in CI (`CI=true`) fails instead. `.ci/services.sh` installs them.
 */

const DEVICE = fileURLToPath(new URL('./requests_oauthlib/device_flow.py', import.meta.url));

const version = pythonProbe(
  'import requests_oauthlib, oauthlib.oauth2; oauthlib.oauth2.DeviceClient; print(requests_oauthlib.__version__)',
  `requests-oauthlib interop: ${PYTHON} cannot import requests_oauthlib with oauthlib's DeviceClient (apt-get install python3-requests-oauthlib)`,
);

describe.skipIf(!version)(
  `requests-oauthlib ${version ?? ''} (Python) against the demo server`,
  () => {
    let s: DemoServer<SystemClock>;
    beforeEach(async () => {
      s = await startDemoServer({ clock: new SystemClock(), env: { DEVICE_FLOW_INTERVAL: '1' } });
    });
    afterEach(() => s?.close());

    it('public client through Basic with an empty secret: pending, approval, tokens, the guarded route', async () => {
      const device = runPythonDevice(DEVICE, [s.origin]);
      const shown = await device.next();
      expect(shown).toMatchObject({ event: 'device_authorization', status: 200, interval: 1 });
      // The device polls: its first answer is pending, sent with requests-oauthlib's default client authentication.
      expect(await device.next()).toEqual({
        event: 'error',
        error: 'authorization_pending',
        authorization: `Basic ${Buffer.from('demo-device:').toString('base64')}`,
      });
      await signInAndDecide(
        s.origin,
        shown as typeof shown & { user_code: string; verification_uri_complete: string },
        'alice',
        'approve',
      );
      const seen = await until(device, 'token');
      expect(seen.slice(0, -1).every((e) => e.error === 'authorization_pending')).toBe(true);
      expect(seen.at(-1)).toMatchObject({
        authorization: `Basic ${Buffer.from('demo-device:').toString('base64')}`,
        token_type: 'Bearer',
        scope: ['read'],
        has_refresh_token: true,
      });
      expect(await device.next()).toMatchObject({
        event: 'me',
        status: 200,
        body: { subject: 'alice', clientId: 'demo-device' },
      });
      expect((await device.exited).code).toBe(0);
    }, 40_000);
  },
);
