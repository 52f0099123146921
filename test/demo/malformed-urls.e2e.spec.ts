import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testAdapter } from '../support/test-app.js';
import { npmStartApp } from '../support/npm-start-app.js';

/**
 * What the demo server (as `npm start` builds it) answers to URLs no route handles or that do not decode, on the
 * platform under test: the same on Express and Fastify, a page on the verification page's paths and
 * `{"error","error_description"}` JSON elsewhere — never Fastify's or Nest's own error shapes.
 */
describe(`malformed and unknown URLs on ${testAdapter()}`, () => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await npmStartApp();
  });
  afterAll(() => app?.close());
  const http = () => request(app.getHttpServer());
  const expectJsonError = (
    res: { status: number; body: unknown; headers: Record<string, string> },
    status: number,
    body: object,
  ) => {
    expect(res.status).toBe(status);
    expect(res.body).toEqual(body);
    expect(res.headers['cache-control']).toBe('no-store');
  };

  it('a verification page URL that does not decode gets the error page, with the page headers', async () => {
    for (const path of ['/device/%zz', '/device/%E0%A4%A']) {
      const res = await http().get(path);
      expect(res.status, path).toBe(400);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.text).toContain('<!doctype html>');
    }
  });

  it('elsewhere a URL that does not decode is invalid_request JSON', async () => {
    expectJsonError(await http().get('/api/devices/%zz'), 400, {
      error: 'invalid_request',
      error_description: 'malformed URL',
    });
    // No route matches these on Express (its router compares encoded paths), Fastify cannot decode them: 400
    // on both, not a 404 on one and a 400 on the other.
    for (const path of ['/oauth/token/%zz', '/%zz', '/nothing/%E0%A4%A', '/admin/%FF'])
      expectJsonError(await http().post(path), 400, {
        error: 'invalid_request',
        error_description: 'malformed URL',
      });
    // A path that decodes but matches nothing is still 404.
    expect((await http().get('/nothing/%41')).status).toBe(404);
  });

  it('an unknown route is not_found JSON', async () => {
    for (const path of [
      '/nothing',
      '/api/nothing',
      '/oauth',
      // What discovery clients probe first; beside the module's metadata, but not it.
      '/.well-known/openid-configuration',
      '/.well-known/oauth-authorization-server/other',
    ])
      expectJsonError(await http().get(path), 404, {
        error: 'not_found',
        error_description: 'no such route',
      });
  });

  it('a long path parameter reaches the app, whose own checks answer', async () => {
    const res = await http().delete(`/api/devices/${'x'.repeat(5000)}`);
    expectJsonError(res, 401, {
      error: 'invalid_token',
      error_description: 'a bearer token is required',
    });
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm=/);
  });

  it('a trailing slash reaches the same route', async () => {
    expect((await http().get('/device/')).status).toBe(303);
    expect((await http().get('/login/')).status).toBe(200);
  });
});
