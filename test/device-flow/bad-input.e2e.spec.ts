import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ClientRepository, DeviceCodeRepository } from '../../libs/device-flow/src/index.js';
import {
  CONFIDENTIAL_SECRET,
  createTestApp,
  DEVICE_GRANT,
  form,
  oauthError,
  TEST_CLIENTS,
  type TestApp,
  testAdapter,
} from '../support/test-app.js';

/**
 * Every bad-input rule on both POST endpoints, under each way a host app may have set up body parsing:
 * Nest's default parsers, `rawBody: true`, and no body parser at all. Bad input is rejected before any
 * storage lookup, and every error is `{"error","error_description"}`, never Nest's default shape.
 */
const SETUPS = [
  { name: 'default body parser', nest: {} },
  { name: 'rawBody: true', nest: { rawBody: true } },
  { name: 'bodyParser: false', nest: { bodyParser: false } },
];
const ENDPOINTS: { path: string; valid: Record<string, string> }[] = [
  { path: '/oauth/device_authorization', valid: { client_id: 'tv' } },
  {
    path: '/oauth/token',
    valid: { client_id: 'tv', grant_type: DEVICE_GRANT, device_code: 'x'.repeat(43) },
  },
];

describe.each(SETUPS)('bad input ($name)', ({ nest }) => {
  let t: TestApp;
  let lookups: ReturnType<typeof vi.fn<(method: string) => void>>;
  beforeAll(async () => {
    t = await createTestApp({}, {}, nest);
    // Count storage lookups: none may happen for a rejected request.
    lookups = vi.fn<(method: string) => void>();
    const clients = t.app.get<ClientRepository>(ClientRepository);
    const codes = t.app.get<DeviceCodeRepository>(DeviceCodeRepository);
    for (const [repo, method] of [
      [clients, 'findById'],
      [codes, 'findByDeviceCodeHash'],
    ] as const) {
      const original = (repo as unknown as Record<string, (...a: unknown[]) => unknown>)[
        method
      ].bind(repo);
      (repo as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        lookups(method);
        return original(...args);
      };
    }
  });
  afterAll(() => t?.close());

  describe.each(ENDPOINTS)('$path', ({ path, valid }) => {
    const rejected = async (
      req: PromiseLike<{ status: number; body: unknown; headers: Record<string, string> }>,
      status = 400,
    ) => {
      lookups.mockClear();
      const res = await req;
      expect(oauthError(res.body)).toBe('invalid_request');
      expect(res.status).toBe(status);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(lookups).not.toHaveBeenCalled();
      return res;
    };
    const post = () => t.http.post(path);

    it('accepts the valid form, also with a charset parameter', async () => {
      lookups.mockClear();
      const res = await post()
        .set('Content-Type', 'application/x-www-form-urlencoded; charset=UTF-8')
        .send(form(valid));
      expect(res.status === 200 || res.body.error === 'invalid_grant').toBe(true);
      expect(lookups).toHaveBeenCalled(); // the spy works, so its silence below means something
    });

    it('reads a form declared ISO-8859-1, as Java clients send it (Apache HttpClient)', async () => {
      for (const type of [
        'application/x-www-form-urlencoded; charset=ISO-8859-1',
        'application/x-www-form-urlencoded;charset="iso-8859-1"',
      ]) {
        const res = await post().set('Content-Type', type).send(form(valid));
        expect(res.status === 200 || res.body.error === 'invalid_grant', type).toBe(true);
      }
    });

    it('rejects JSON (valid or malformed), multipart, text and a missing content type', async () => {
      await rejected(post().set('Content-Type', 'application/json').send(JSON.stringify(valid)));
      await rejected(post().set('Content-Type', 'application/json').send('{"client_id":'));
      await rejected(post().field('client_id', 'tv'));
      await rejected(post().set('Content-Type', 'text/plain').send(form(valid)));
      await rejected(
        post()
          .send(Buffer.from(form(valid)))
          .unset('Content-Type'),
      );
      await rejected(
        post()
          .set('Content-Type', 'application/x-www-form-urlencoded; charset=windows-1252')
          .send(form(valid)),
      );
    });

    it('rejects a repeated parameter', async () => {
      await rejected(
        post()
          .type('form')
          .send(`${form(valid)}&client_id=tv`),
      );
      await rejected(
        post()
          .type('form')
          .send(`${form(valid)}&scope=read&scope=write`),
      );
    });

    it('rejects its own parameters nested as a[b]=c or a[]=c', async () => {
      await rejected(
        post()
          .type('form')
          .send(`${form(valid)}&scope[]=read`),
      );
      await rejected(
        post()
          .type('form')
          .send(`${form(valid)}&scope[a]=read`),
      );
      await rejected(
        post()
          .type('form')
          .send(`${form(valid)}&client_secret[x]=y`),
      );
    });

    it('ignores parameters it does not read, however they are sent (RFC 6749 §3.1)', async () => {
      const accepted = async (extra: string) => {
        const res = await post()
          .type('form')
          .send(`${form(valid)}&${extra}`);
        expect(res.status === 200 || res.body.error === 'invalid_grant', extra).toBe(true);
      };
      // An RFC 8707 client names several resources; others send their own extras, repeated or nested.
      await accepted('resource=https%3A%2F%2Fa.example&resource=https%3A%2F%2Fb.example');
      await accepted('foo=1&foo=2&foo=3');
      await accepted('a[b]=c');
      await accepted('x[]=1&x[]=2');
      await accepted('__proto__[a]=1');
      // Still counted against the limit on distinct names.
      const many = Array.from({ length: 40 }, (_, i) => `extra${i}=1`).join('&');
      await rejected(
        post()
          .type('form')
          .send(`${form(valid)}&${many}`),
      );
    });

    it('rejects an over-long value', async () => {
      await rejected(
        post()
          .type('form')
          .send(form({ ...valid, scope: 'r'.repeat(2049) })),
      );
    });

    it('rejects a 20 kB body and a 200 kB body with 413', async () => {
      await rejected(
        post()
          .type('form')
          .send(form({ ...valid, pad: 'p'.repeat(20_000) })),
        413,
      );
      await rejected(
        post()
          .type('form')
          .send(form({ ...valid, pad: 'p'.repeat(200_000) })),
        413,
      );
    });

    it('rejects a 200 kB JSON body in OAuth shape', async () => {
      const res = await post()
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ pad: 'p'.repeat(200_000) }));
      expect(oauthError(res.body)).toBe('invalid_request');
      expect([400, 413]).toContain(res.status);
    });

    it('gives every platform and body-parser setup the same answer to the same bad request', async () => {
      const described = async (
        req: PromiseLike<{ status: number; body: unknown; headers: Record<string, string> }>,
        description: string,
      ) =>
        expect(
          ((await rejected(req)).body as { error_description?: string }).error_description,
        ).toBe(description);
      const body = form(valid);
      const formType = 'application/x-www-form-urlencoded';
      const wrongType = `content type must be ${formType}`;
      await described(post().send(Buffer.from(body)).unset('Content-Type'), wrongType);
      await described(post().field('client_id', 'tv'), wrongType);
      for (const charset of ['utf8', 'us-ascii', 'latin1', 'bogus'])
        await described(
          post().set('Content-Type', `${formType}; charset=${charset}`).send(body),
          'form bodies must be UTF-8 or ISO-8859-1',
        );
      await described(
        post().type('form').set('Content-Encoding', 'gzip').send(body),
        'content encoding not supported; send the form uncompressed',
      );
      const many = Array.from({ length: 1000 }, (_, i) => `p${i}=1`).join('&');
      await described(post().type('form').send(`${body}&${many}`), 'too many parameters');
      // Empty pieces count too, as Express's body-parser counts them (its limit: 1000 pieces between `&`s) —
      // wherever the module reads the bytes: not behind Fastify's own parser without `rawBody`, whose parsed
      // object has no trace of them.
      if (testAdapter() === 'express' || 'rawBody' in nest || 'bodyParser' in nest) {
        const padded = (pieces: number) => '&'.repeat(pieces - body.split('&').length) + body;
        await described(post().type('form').send(padded(1001)), 'too many parameters');
        const within = await post().type('form').send(padded(1000));
        expect(within.body).not.toMatchObject({ error: 'invalid_request' });
      }
      // Over the size limit as well: too large, as the module's parser checks the size first (Express's own
      // parser would have said "too many parameters").
      const tooLarge = await rejected(
        post()
          .type('form')
          .send(`${body}&${many}&pad=${'a'.repeat(16 * 1024)}`),
        413,
      );
      expect(tooLarge.body).toMatchObject({ error_description: 'request body too large' });
      // Raw bytes that are not UTF-8: refused, not read as U+FFFD (RFC 6749 Appendix B).
      const notUtf8 = Buffer.concat([Buffer.from(`${body}&scope=read`), Buffer.from([0xff, 0xfe])]);
      await described(
        post()
          .set('Content-Type', formType)
          .serialize((b: unknown) => b as string) // as they are, not form-encoded again
          .send(notUtf8),
        'form bodies must be UTF-8',
      );
    });

    // Only where no host parser decoded the body first (Express's default one keeps `%FF` as the text "%FF").
    if ('rawBody' in nest || 'bodyParser' in nest)
      it('refuses percent-encoded bytes that are not UTF-8 where it reads the body itself', async () => {
        const body = form(valid);
        for (const bad of [`${body}&scope=%FF`, `${body}&x%C3=1`, `${body}&scope=%ED%A0%80`]) {
          const res = await rejected(post().type('form').send(bad));
          expect((res.body as { error_description?: string }).error_description).toBe(
            'form bodies must be UTF-8',
          );
        }
      });

    it('reads a POST with no body at all (no Content-Type needed) as a form without parameters', async () => {
      // Without Content-Length, and with Content-Length: 0: the answer is about the parameters, not the type.
      for (const length of [undefined, '0']) {
        const req = post().unset('Content-Type');
        const res = await (length === undefined ? req : req.set('Content-Length', length));
        expect(res.status, `Content-Length ${length}`).toBe(400);
        expect(res.body).toEqual({
          error: 'invalid_request',
          error_description:
            path === '/oauth/token'
              ? 'missing required parameter: grant_type'
              : 'missing required parameter: client_id',
        });
      }
      if (path === '/oauth/device_authorization') {
        // A confidential client authenticated by its Authorization header needs no parameter (RFC 8628 §3.1).
        const basic = Buffer.from(`secret-tv:${encodeURIComponent(CONFIDENTIAL_SECRET)}`).toString(
          'base64',
        );
        const res = await post().unset('Content-Type').set('Authorization', `Basic ${basic}`);
        expect(res.status).toBe(200);
        expect(typeof res.body.device_code).toBe('string');
      }
    });

    it('answers other methods with 405 and Allow: POST', async () => {
      for (const method of ['get', 'put', 'delete', 'patch'] as const) {
        const res = await t.http[method](path);
        expect(oauthError(res.body), method).toBe('invalid_request');
        expect(res.status).toBe(405);
        expect(res.headers.allow).toBe('POST');
      }
    });

    it('keeps OAuth errors at a trailing-slash or differently cased path', async () => {
      const res = await t.http
        .post(`${path.toUpperCase()}/`)
        .set('Content-Type', 'application/json')
        .send('{"x":');
      expect(oauthError(res.body)).toBe('invalid_request');
    });
  });

  it('answers the metadata endpoint with 405 and Allow: GET, HEAD for other methods', async () => {
    const res = await t.http.post('/.well-known/oauth-authorization-server');
    expect(oauthError(res.body)).toBe('invalid_request');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
  });
});

/**
 * A form declared ISO-8859-1 is decoded as Latin-1, percent-escapes included: `%E9` is `é`, not a stray byte of
 * UTF-8. Seen through a client secret holding `é`, which only the right decoding authenticates. Where Nest's
 * default parser on Fastify decodes the body before the module sees it (no `rawBody`), it decodes UTF-8 only.
 */
describe.each(
  SETUPS.filter(
    ({ nest }) => 'rawBody' in nest || 'bodyParser' in nest || testAdapter() === 'express',
  ),
)('ISO-8859-1 forms ($name)', ({ nest }) => {
  const SECRET = 'geheimé-passwort';
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(
      {
        clients: [...TEST_CLIENTS, { clientId: 'java-tv', clientSecret: SECRET, scopes: ['read'] }],
      },
      {},
      nest,
    );
  });
  afterAll(() => t?.close());
  const authorize = (charset: string, secret: string) =>
    t.http
      .post('/oauth/device_authorization')
      .set('Content-Type', `application/x-www-form-urlencoded; charset=${charset}`)
      .send(`client_id=java-tv&client_secret=${secret}&scope=read`);

  it('authenticates a secret percent-encoded in Latin-1 only when the form says ISO-8859-1', async () => {
    const latin1 = 'geheim%E9-passwort';
    const ok = await authorize('ISO-8859-1', latin1);
    expect(ok.status).toBe(200);
    expect(typeof ok.body.device_code).toBe('string');
    // The same secret sent as UTF-8 under either declaration.
    expect((await authorize('ISO-8859-1', encodeURIComponent(SECRET))).body.error).toBe(
      'invalid_client',
    );
    expect((await authorize('UTF-8', encodeURIComponent(SECRET))).status).toBe(200);
    // Latin-1 bytes declared UTF-8: not UTF-8, refused as such (Express's default parser keeps `%E9` as text,
    // which is then a wrong secret).
    const wrong = await authorize('UTF-8', latin1);
    expect(wrong.status).toBeGreaterThanOrEqual(400);
    expect(wrong.body.access_token).toBeUndefined();
  });

  it('decodes raw Latin-1 bytes and + as space in a form declared ISO-8859-1', async () => {
    const body = Buffer.concat([
      Buffer.from('client_id=java-tv&client_secret=geheim'),
      Buffer.from([0xe9]),
      Buffer.from('-passwort&scope=read+read'),
    ]);
    const res = await t.http
      .post('/oauth/device_authorization')
      .set('Content-Type', 'application/x-www-form-urlencoded; charset=iso-8859-1')
      .serialize((b: unknown) => b as string)
      .send(body);
    expect(res.status).toBe(200);
    expect(typeof res.body.user_code).toBe('string');
  });
});
