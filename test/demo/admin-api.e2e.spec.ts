import { deflateSync, gzipSync } from 'node:zlib';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_ADMIN_TOKEN } from '../../src/demo.config.js';
import { createDemoApp, type DemoApp } from '../support/demo-app.js';
import { form } from '../support/test-app.js';

/** Test cases with a name short enough for a title. */
function named(cases: [input: string, description: string][]) {
  return cases.map(([input, description]) => ({
    name: input.length > 48 ? `${input.slice(0, 45)}…` : input,
    input,
    description,
  }));
}

/**
 * The demo admin API's input validation: a malformed request is refused with 400 (413, 415) and the admin API's
 * JSON error shape, identically on Express and Fastify, and never engages or releases a kill switch it did not
 * name. Every admin response is `Cache-Control: no-store`.
 */
describe('demo admin API: bad input', () => {
  let t: DemoApp;
  afterEach(() => t?.close());

  const admin = { 'X-Demo-Admin-Token': DEMO_ADMIN_TOKEN };
  const BODY = 'the body must be a JSON object {"client_id"?, "reason"?, "revoke_tokens"?}';
  const CLIENT_ID =
    'client_id must be a client id: a string of 1 to 255 characters without control characters, not "*" (omit client_id for every client)';
  const REASON = 'reason must be a string of at most 512 characters without control characters';
  const invalid = (description: string) => ({
    error: 'invalid_request',
    error_description: description,
  });

  /** POSTs a raw body to the kill switch. */
  const engage = (body: string, contentType: string | null = 'application/json') => {
    const req = request(t.app.getHttpServer()).post('/admin/kill-switch').set(admin);
    return (contentType === null ? req : req.set('Content-Type', contentType)).send(body);
  };
  const switches = async () => (await t.management.listKillSwitches()).map((s) => s.target);

  it.each(
    named([
      ['{"client_id":123}', CLIENT_ID],
      ['{"client_id":["demo-device"]}', CLIENT_ID],
      ['{"client_id":""}', CLIENT_ID],
      ['{"client_id":null}', CLIENT_ID],
      ['{"client_id":"*"}', CLIENT_ID],
      [`{"client_id":"${'x'.repeat(256)}"}`, CLIENT_ID],
      ['{"client_id":{"id":"demo-device"}}', CLIENT_ID],
      ['{"client_id":"x\\u0000y"}', CLIENT_ID],
      ['{"client_id":"demo-device\\n"}', CLIENT_ID],
      ['[]', BODY],
      ['["demo-device"]', BODY],
      ['"x"', BODY],
      ['null', BODY],
      ['123', BODY],
      ['true', BODY],
      ['{not json', BODY],
      ['', BODY],
      ['{"clientId":"demo-device"}', BODY],
      ['{"client_id":"demo-device","extra":1}', BODY],
      ['{"reason":5}', REASON],
      [`{"reason":"${'r'.repeat(513)}"}`, REASON],
      ['{"reason":"a\\u0000b"}', REASON],
      ['{"client_id":"demo-device","reason":"one\\ntwo"}', REASON],
      ['{"client_id":"x","client_id":"demo-device"}', BODY],
      ['{"client_id":"x","client\\u005fid":"demo-device"}', BODY],
      ['{"reason":"a","reason":"b"}', BODY],
      ['{"client_id":"a\\ud800b"}', CLIENT_ID],
      ['{"client_id":"\\udc00"}', CLIENT_ID],
      ['{"reason":"x\\ud83d"}', REASON],
      ['{"revoke_tokens":"true"}', 'revoke_tokens must be true or false'],
      ['{"revoke_tokens":1}', 'revoke_tokens must be true or false'],
      ['{"client_id":"demo-device","revoke_tokens":null}', 'revoke_tokens must be true or false'],
    ]),
  )(
    'POST /admin/kill-switch $name → 400, no switch engaged',
    async ({ input: body, description }) => {
      t = await createDemoApp();
      const res = await engage(body).expect(400);
      expect(res.body).toEqual(invalid(description));
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(await switches()).toEqual([]);
    },
  );

  it.each([
    ['client_id=demo-device', 'application/x-www-form-urlencoded'],
    ['client_id[]=demo-device', 'application/x-www-form-urlencoded'],
    ['demo-device', 'text/plain'],
    ['{}', 'application/json; charset=latin1'],
    ['{}', null],
  ])('POST /admin/kill-switch %s as %s → 415, no switch engaged', async (body, type) => {
    t = await createDemoApp();
    const res = await engage(body, type).expect(415);
    expect(res.body).toEqual(invalid('the body must be application/json in UTF-8'));
    expect(res.headers['cache-control']).toBe('no-store');
    expect(await switches()).toEqual([]);
  });

  it('POST /admin/kill-switch with bytes that are not UTF-8 → 400, no switch engaged', async () => {
    t = await createDemoApp();
    const body = Buffer.concat([
      Buffer.from('{"client_id":"demo'),
      Buffer.from([0xff]),
      Buffer.from('"}'),
    ]);
    const res = await request(t.app.getHttpServer())
      .post('/admin/kill-switch')
      .set(admin)
      .set('Content-Type', 'application/json')
      .serialize((b: unknown) => b as string)
      .send(body)
      .expect(400);
    expect(res.body).toEqual(invalid(BODY));
    expect(await switches()).toEqual([]);
  });

  it.each([
    ['gzip', gzipSync('{"client_id":"demo-device"}')],
    ['gzip', Buffer.from('{}')], // not compressed at all: Fastify used to read it and engage the global switch
    ['deflate', deflateSync('{}')],
    ['br', Buffer.from('{}')],
    ['x-unknown', Buffer.from('{"client_id":"demo-device"}')],
  ])(
    'POST /admin/kill-switch with Content-Encoding: %s → 415, no switch engaged',
    async (coding, body) => {
      t = await createDemoApp();
      const res = await request(t.app.getHttpServer())
        .post('/admin/kill-switch')
        .set(admin)
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', coding)
        .serialize((b: unknown) => b as string)
        .send(body)
        .expect(415);
      expect(res.body).toEqual(invalid('the body must not be compressed (no Content-Encoding)'));
      expect(res.headers['cache-control']).toBe('no-store');
      expect(await switches()).toEqual([]);
    },
  );

  it.each(['identity', ' Identity ', ''])(
    'Content-Encoding: %j is no coding: the body is read as sent',
    async (coding) => {
      t = await createDemoApp();
      await request(t.app.getHttpServer())
        .post('/admin/kill-switch')
        .set(admin)
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', coding)
        .send('{"client_id":"demo-device"}')
        .expect(200);
      expect(await switches()).toEqual(['demo-device']);
    },
  );

  it('POST /admin/kill-switch with an oversize body → 413', async () => {
    t = await createDemoApp();
    const res = await engage(JSON.stringify({ reason: 'r'.repeat(200_000) })).expect(413);
    expect(res.body).toEqual(invalid('the body is too large (at most 4096 bytes)'));
    expect(await switches()).toEqual([]);
  });

  it('only a JSON object without client_id engages the global switch; a well-formed one works', async () => {
    t = await createDemoApp();
    const one = await engage(
      '{"client_id":"demo-device","reason":"phishing","revoke_tokens":false}',
    );
    expect(one.status).toBe(200);
    expect(one.body).toEqual({ revokedGrants: 0 });
    expect(one.headers['cache-control']).toBe('no-store');
    expect(await switches()).toEqual(['demo-device']);
    await engage('{"revoke_tokens":true}', 'application/json; charset=utf-8').expect(200);
    expect((await switches()).sort()).toEqual(['*', 'demo-device']);
  });

  it.each(
    named([
      ['?client_id=', CLIENT_ID],
      ['?client_id=demo-device&client_id=demo-confidential', CLIENT_ID],
      ['?client_id=*', CLIENT_ID],
      [`?client_id=${'x'.repeat(256)}`, CLIENT_ID],
      ['?client_id=x%00y', CLIENT_ID],
      ['?client_id[x]=demo-device', 'unknown query parameter: only client_id is allowed'],
      ['?clientId=demo-device', 'unknown query parameter: only client_id is allowed'],
    ]),
  )(
    'DELETE /admin/kill-switch$name → 400, nothing released',
    async ({ input: query, description }) => {
      t = await createDemoApp();
      await t.management.disableDeviceGrant(null);
      await t.management.disableDeviceGrant('demo-device');
      const res = await request(t.app.getHttpServer())
        .delete(`/admin/kill-switch${query}`)
        .set(admin)
        .expect(400);
      expect(res.body).toEqual(invalid(description));
      expect(res.headers['cache-control']).toBe('no-store');
      expect((await switches()).sort()).toEqual(['*', 'demo-device']);
    },
  );

  it('DELETE /admin/kill-switch releases the named switch, or without client_id the global one', async () => {
    t = await createDemoApp();
    await t.management.disableDeviceGrant(null);
    await t.management.disableDeviceGrant('demo-device');
    const http = request(t.app.getHttpServer());
    const res = await http
      .delete('/admin/kill-switch?client_id=demo-device')
      .set(admin)
      .expect(204);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(await switches()).toEqual(['*']);
    await http.delete('/admin/kill-switch').set(admin).expect(204);
    expect(await switches()).toEqual([]);
  });

  it.each([
    ['GET', '/admin/users/%00/devices', 'subject'],
    ['GET', '/admin/users/al%0Aice/devices', 'subject'],
    ['DELETE', '/admin/users/%7F/devices/abc', 'subject'],
    ['DELETE', '/admin/users/alice/devices/%00', 'grantId'],
  ])('%s %s → 400', async (method, path, name) => {
    t = await createDemoApp();
    const http = request(t.app.getHttpServer());
    const res = await (method === 'GET' ? http.get(path) : http.delete(path))
      .set(admin)
      .expect(400);
    expect(res.body).toEqual(
      invalid(`${name} must be 1 to 255 characters without control characters`),
    );
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('answers in its own shape, no-store, for refusals, unknown routes and failures', async () => {
    t = await createDemoApp();
    const http = request(t.app.getHttpServer());
    const forbidden = await http.get('/admin/kill-switch').expect(403);
    expect(forbidden.body).toEqual({
      error: 'forbidden',
      error_description: 'admin token required',
    });
    expect(forbidden.headers['cache-control']).toBe('no-store');
    // A malformed body is refused before the token is checked (the platforms parse bodies first): still 400.
    await engage('{not json').expect(400);

    const list = await http.get('/admin/kill-switch').set(admin).expect(200);
    expect(list.headers['cache-control']).toBe('no-store');
    const devices = await http.get('/admin/users/alice/devices').set(admin).expect(200);
    expect(devices.headers['cache-control']).toBe('no-store');

    const gone = await http.delete('/admin/users/alice/devices/nope').set(admin).expect(404);
    expect(gone.body).toEqual({ error: 'not_found', error_description: 'no such device' });
    expect(gone.headers['cache-control']).toBe('no-store');
    const unknown = await http.get('/admin/nope').set(admin).expect(404);
    expect(unknown.body).toEqual({ error: 'not_found', error_description: 'no such admin route' });

    t.management.listKillSwitches = () => Promise.reject(new Error('database is down'));
    const failed = await http.get('/admin/kill-switch').set(admin).expect(500);
    expect(failed.body).toEqual({ error: 'server_error', error_description: 'internal error' });
    expect(failed.headers['cache-control']).toBe('no-store');
  });

  it('accepts the public default token only from this machine, a token of its own from anywhere', async () => {
    t = await createDemoApp();
    const http = request(t.app.getHttpServer());
    const remoteOnly = {
      error: 'forbidden',
      error_description:
        'the default admin token is accepted only from this machine; set DEMO_ADMIN_TOKEN to use the admin API remotely',
    };
    // A proxy on this host forwarded it: the socket is loopback, the caller is not.
    for (const forwarded of [
      { 'X-Forwarded-For': '203.0.113.9' },
      { 'X-Forwarded-For': '127.0.0.1' },
      { Forwarded: 'for=203.0.113.9' },
      { 'X-Real-IP': '203.0.113.9' },
      { Via: '1.1 nginx' },
      // A page whose DNS name was rebound to 127.0.0.1: same-origin for the browser, not this machine's name.
      { Host: 'attacker.example' },
    ]) {
      const res = await http
        .post('/admin/kill-switch')
        .set(admin)
        .set(forwarded)
        .send({})
        .expect(403);
      expect(res.body).toEqual(remoteOnly);
      expect(res.headers['cache-control']).toBe('no-store');
    }
    expect(await switches()).toEqual([]);
    await http.get('/admin/kill-switch').set(admin).expect(200);
    await t.close();

    t = await createDemoApp({ DEMO_ADMIN_TOKEN: 'a-secret-of-this-deployment' });
    const own = request(t.app.getHttpServer());
    await own
      .post('/admin/kill-switch')
      .set({
        'X-Demo-Admin-Token': 'a-secret-of-this-deployment',
        'X-Forwarded-For': '203.0.113.9',
      })
      .send({})
      .expect(200);
    expect(await switches()).toEqual(['*']);
    // The default token is no longer accepted at all once a token of its own is set.
    await own.get('/admin/kill-switch').set(admin).expect(403);
    await t.close();

    // Set explicitly to the public value, it is the public value: this machine only.
    t = await createDemoApp({ DEMO_ADMIN_TOKEN });
    const explicit = request(t.app.getHttpServer());
    await explicit.get('/admin/kill-switch').set(admin).expect(200);
    await explicit
      .get('/admin/kill-switch')
      .set(admin)
      .set('X-Forwarded-For', '203.0.113.9')
      .expect(403);
  });

  it("answers alike under the issuer's path (a global prefix)", async () => {
    t = await createDemoApp({ ISSUER: 'http://localhost:3000/auth' });
    const http = request(t.app.getHttpServer());
    for (const body of ['null', '{not json', '{"client_id":""}']) {
      const res = await http
        .post('/auth/admin/kill-switch')
        .set(admin)
        .set('Content-Type', 'application/json')
        .send(body)
        .expect(400);
      expect(res.body.error).toBe('invalid_request');
      expect(res.headers['cache-control']).toBe('no-store');
    }
    expect(await switches()).toEqual([]);
    await http.post('/auth/admin/kill-switch').set(admin).send({}).expect(200);
    expect(await switches()).toEqual(['*']);
  });

  it("leaves the module's own error rendering alone (OAuth JSON for a JSON body at the token endpoint)", async () => {
    t = await createDemoApp();
    const http = request(t.app.getHttpServer());
    const json = await http
      .post('/oauth/token')
      .set('Content-Type', 'application/json')
      .send('{not json')
      .expect(400);
    // The module's own answer, word for word: the demo's filter passed it on.
    expect(json.body).toEqual({
      error: 'invalid_request',
      error_description: 'content type must be application/x-www-form-urlencoded',
    });
    // The verification page still answers a body it cannot read with its page, not JSON.
    const page = await http
      .post('/device')
      .set('Content-Type', 'application/json')
      .send('{not json')
      .expect(400);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const ok = await http
      .post('/oauth/device_authorization')
      .type('form')
      .send(form({ client_id: 'demo-device' }))
      .expect(200);
    expect(ok.body.user_code).toBeDefined();
    // Outside the module's paths, the demo's own JSON shape, never Nest's default.
    const other = await http.get('/nope').expect(404);
    expect(other.body).toEqual({ error: 'not_found', error_description: 'no such route' });
  });
});
