import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN_TOKEN } from '../../src/demo.config.js';
import { testAdapter } from '../support/test-app.js';
import { npmStartApp } from '../support/npm-start-app.js';

/**
 * Where Express and Fastify route or parse differently by default, the demo (as `npm start` builds it) answers
 * the same on both: paths in any letter case, and a form parameter the server does not recognise, even
 * `__proto__`, ignored (RFC 6749 §3.1) rather than refused by one platform's body parser.
 */
describe(`the demo routes and parses alike on ${testAdapter()}`, () => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await npmStartApp();
  });
  afterAll(() => app?.close());
  const http = () => request(app.getHttpServer());

  it('ignores a __proto__ parameter at the token and device authorization endpoints', async () => {
    const authorized = await http()
      .post('/oauth/device_authorization')
      .type('form')
      .send('client_id=demo-device&scope=read&__proto__=x');
    expect(authorized.status).toBe(200);
    expect(authorized.body.user_code).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    for (const body of [
      'grant_type=foo&client_id=demo-device&__proto__=x',
      'grant_type=foo&client_id=demo-device&__proto__=',
    ]) {
      const res = await http().post('/oauth/token').type('form').send(body);
      expect(res.status, body).toBe(400);
      expect(res.body).toEqual({
        error: 'unsupported_grant_type',
        error_description: 'grant_type is not supported',
      });
    }
  });

  /** Bodies one platform's parser refuses before routing and the other reads, or neither parses. */
  const awkwardBodies: Array<{ type: string; body: string; encoding?: string }> = [
    { type: 'application/xml', body: '<a/>' },
    { type: 'application/x-www-form-urlencoded; charset=latin1', body: 'a=1' },
    { type: 'application/x-www-form-urlencoded', body: 'a=1', encoding: 'gzip' },
    { type: 'application/json', body: '{x' },
  ];

  function send(method: string, path: string, b: (typeof awkwardBodies)[number]) {
    const req = http()[method.toLowerCase() as 'put'](path).set('Content-Type', b.type);
    if (b.encoding) req.set('Content-Encoding', b.encoding);
    return req.send(b.body);
  }

  it('a method an endpoint or page does not serve is 405 with Allow first, whatever body it carries', async () => {
    const served: Array<[path: string, allow: string, page: boolean]> = [
      ['/oauth/token', 'POST', false],
      ['/oauth/device_authorization', 'POST', false],
      ['/.well-known/oauth-authorization-server', 'GET, HEAD', false],
      ['/oauth/jwks', 'GET, HEAD', false],
      ['/device', 'GET, HEAD, POST', true],
      ['/device/decision', 'POST', true],
    ];
    for (const [path, allow, page] of served) {
      for (const method of ['PUT', 'DELETE', 'PATCH']) {
        for (const b of awkwardBodies) {
          const what = `${method} ${path} ${b.type} ${b.encoding ?? ''}`;
          const res = await send(method, path, b);
          expect(res.status, what).toBe(405);
          expect(res.headers.allow, what).toBe(allow);
          if (page) expect(res.text, what).toContain('Action not available');
          else expect(res.body.error, what).toBe('invalid_request');
        }
      }
    }
  });

  it('the demo routes answer a method they do not serve with 405 and Allow, whatever body it carries', async () => {
    const served: Array<[path: string, allow: string, methods: string[]]> = [
      ['/login', 'GET, HEAD, POST', ['PUT', 'DELETE', 'PATCH']],
      ['/logout', 'POST', ['GET', 'PUT', 'DELETE', 'PATCH']],
      ['/', 'GET, HEAD', ['POST', 'PUT', 'DELETE', 'PATCH']],
      ['/api/me', 'GET, HEAD', ['POST', 'PUT', 'DELETE', 'PATCH']],
      ['/api/devices', 'GET, HEAD', ['POST', 'PUT', 'DELETE', 'PATCH']],
      ['/api/devices/some-grant', 'DELETE', ['GET', 'POST', 'PUT', 'PATCH']],
      ['/admin/users/alice/devices', 'GET, HEAD', ['POST', 'PUT', 'DELETE', 'PATCH']],
      ['/admin/users/alice/devices/some-grant', 'DELETE', ['GET', 'POST', 'PUT', 'PATCH']],
      ['/admin/kill-switch', 'GET, HEAD, POST, DELETE', ['PUT', 'PATCH']],
    ];
    for (const [path, allow, methods] of served) {
      for (const method of methods) {
        const plain = await http()[method.toLowerCase() as 'get'](path);
        expect(plain.status, `${method} ${path}`).toBe(405);
        expect(plain.headers.allow, `${method} ${path}`).toBe(allow);
        expect(plain.body.error, `${method} ${path}`).toBe('invalid_request');
        if (method === 'GET') continue; // a GET body is the difference the README names
        for (const b of awkwardBodies) {
          const res = await send(method, path, b);
          expect(res.status, `${method} ${path} ${b.type}`).toBe(405);
          expect(res.headers.allow, `${method} ${path} ${b.type}`).toBe(allow);
        }
      }
    }
    // Still routed as before: a route below them is no route, and the methods they serve still work.
    await http().get('/login/x').expect(404);
    await http().post('/api/me/x').expect(404);
    await http().get('/login').expect(200);
    await http().get('/api/me').expect(401);
  });

  it("a form the platform refused at the verification page gets the page's own answer: refused, 400", async () => {
    for (const path of ['/device', '/device/decision']) {
      for (const b of awkwardBodies) {
        const what = `POST ${path} ${b.type} ${b.encoding ?? ''}`;
        const res = await send('POST', path, b);
        expect(res.status, what).toBe(400);
        expect(res.headers['content-type'], what).toMatch(/^text\/html/);
        expect(res.text, what).toContain('Request refused');
      }
    }
    // Too large is 413 (the same page), whether the platform's limit or the page's own refused it.
    for (const size of [20_000, 2_000_000]) {
      const res = await http()
        .post('/device')
        .type('form')
        .send(`user_code=${'x'.repeat(size)}`);
      expect(res.status, String(size)).toBe(413);
      expect(res.text, String(size)).toContain('Request refused');
    }
  });

  it('reads an empty JSON body as Express does: a DELETE ignores it, a POST that needs one is refused alike', async () => {
    const admin = { 'X-Demo-Admin-Token': DEMO_ADMIN_TOKEN, 'Content-Type': 'application/json' };
    await http()
      .post('/admin/kill-switch')
      .set(admin)
      .send('{"client_id":"demo-device"}')
      .expect(200);
    const empty = await http().post('/admin/kill-switch').set(admin).send('');
    expect(empty.status).toBe(400);
    expect(empty.body).toEqual({
      error: 'invalid_request',
      error_description:
        'the body must be a JSON object {"client_id"?, "reason"?, "revoke_tokens"?}',
    });
    // The release takes its client from the query; the JSON content type with no body changes nothing.
    await http().delete('/admin/kill-switch?client_id=demo-device').set(admin).expect(204);
    const left = await http().get('/admin/kill-switch').set(admin).expect(200);
    expect(left.body).toEqual([]);
    // Fastify's own parser still refuses what it refused (here: prototype poisoning), in the demo's shape.
    const poisoned = await http()
      .post('/admin/kill-switch')
      .set(admin)
      .send('{"__proto__":{"x":1}}');
    expect(poisoned.status).toBe(400);
    expect(poisoned.body.error).toBe('invalid_request');
  });

  it('serves paths in any letter case, as Express does', async () => {
    const token = await http()
      .post('/OAUTH/Token')
      .type('form')
      .send('grant_type=foo&client_id=demo-device');
    expect(token.body.error).toBe('unsupported_grant_type');
    expect((await http().get('/DEVICE')).status).toBe(303);
    expect((await http().get('/Login')).status).toBe(200);
    const meta = await http().get('/.WELL-KNOWN/oauth-authorization-server').expect(200);
    expect(meta.body.token_endpoint).toBe('http://localhost:3000/oauth/token');
  });
});
