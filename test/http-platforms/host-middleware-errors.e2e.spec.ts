import { HttpException, type INestApplication } from '@nestjs/common';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, form, type TestApp, testAdapter } from '../support/test-app.js';
import { headerUserProviders } from '../support/verification-agent.js';

/**
 * The module's app-wide filter answers what the platform refused before any handler ran — no route for a
 * method, a body its parser refused — in the module's shapes. A host middleware's own refusal (a throttler's
 * 429, a gateway's 401 or 403) is not that: it reaches the client with its own status, on the module's paths
 * too, whatever the method.
 */
describe(`host middleware errors on the module's paths, on ${testAdapter()}`, () => {
  let t: TestApp;
  afterEach(() => t?.close());

  /** The test app behind a host middleware that refuses requests carrying `x-block: <status>`. */
  async function app() {
    t = await createTestApp(
      { clients: [{ clientId: 'tv', scopes: ['read'] }] },
      { providers: headerUserProviders },
      {
        beforeInit: (host: INestApplication) =>
          host.use(
            (
              req: { headers: Record<string, unknown> },
              _res: unknown,
              next: (e?: unknown) => void,
            ) => {
              const status = Number(req.headers['x-block'] ?? 0);
              next(status ? new HttpException('blocked by the host', status) : undefined);
            },
          ),
      },
    );
  }

  it('keeps a host middleware 401, 403 or 429 at the verification page, GET or POST', async () => {
    await app();
    for (const status of [401, 403, 429]) {
      const post = await t.http
        .post('/device')
        .set('x-block', String(status))
        .set('x-test-user', 'alice')
        .type('form')
        .send(form({ user_code: 'BCDF-GHJK' }));
      expect(post.status, `POST ${status}`).toBe(status);
      expect(post.headers['content-type']).toMatch(/^text\/html/);
      expect(post.text).not.toContain('Request refused');
      const get = await t.http.get('/device').set('x-block', String(status));
      expect(get.status, `GET ${status}`).toBe(status);
      // A wrong method behind the host's refusal: the host's answer, not 405.
      const put = await t.http.put('/device').set('x-block', String(status));
      expect(put.status, `PUT ${status}`).toBe(status);
    }
  });

  it("keeps a host middleware 401, 403 or 429 at the OAuth endpoints, as OAuth JSON with the host's status", async () => {
    await app();
    for (const status of [401, 403, 429]) {
      const error = status === 429 ? 'temporarily_unavailable' : 'invalid_request';
      const poll = await t.http
        .post('/oauth/token')
        .set('x-block', String(status))
        .type('form')
        .send(
          form({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: 'tv' }),
        );
      expect(poll.status, `POST /oauth/token ${status}`).toBe(status);
      expect(poll.body.error, `POST /oauth/token ${status}`).toBe(error);
      expect(poll.headers['cache-control']).toBe('no-store');
      const wrongMethod = await t.http.get('/oauth/token').set('x-block', String(status));
      expect(wrongMethod.status, `GET /oauth/token ${status}`).toBe(status);
      expect(wrongMethod.headers.allow).toBeUndefined();
      expect(wrongMethod.body.error).toBe(error);
    }
    // Without the host's refusal, the same wrong method is the module's 405.
    const wrong = await t.http.get('/oauth/token').expect(405);
    expect(wrong.headers.allow).toBe('POST');
  });
});
