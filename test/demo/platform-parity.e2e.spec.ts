import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
