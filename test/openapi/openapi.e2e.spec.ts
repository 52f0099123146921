import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_FLOW_API_TAG } from '../../libs/device-flow/src/index.js';
import { testAdapter } from '../support/test-app.js';
import { npmStartApp } from '../support/npm-start-app.js';

/** The demo's OpenAPI document, generated from the module's controllers, as served at /docs. */
describe(`OpenAPI document of the demo (/docs) on ${testAdapter()}`, () => {
  let app: INestApplication;
  let doc: OpenAPIObject;
  beforeAll(async () => {
    app = await npmStartApp();
    doc = (await request(app.getHttpServer()).get('/docs-json').expect(200)).body as OpenAPIObject;
  });
  afterAll(() => app?.close());

  const op = (path: string, method: 'get' | 'post') => {
    const o = doc.paths[path]?.[method];
    if (!o) throw new Error(`${method.toUpperCase()} ${path} is not documented`);
    return o;
  };
  const errorCodes = (path: string, method: 'get' | 'post', status: number): string[] => {
    const r = op(path, method).responses[status] as unknown as {
      content: Record<string, { schema: { properties: { error: { enum: string[] } } } }>;
    };
    return r.content['application/json']!.schema.properties.error.enum;
  };

  it('serves Swagger UI at /docs', async () => {
    const res = await request(app.getHttpServer()).get('/docs').redirects(1).expect(200);
    expect(res.text).toContain('swagger-ui');
    // The UI's own assets too (on Fastify, served through @fastify/static).
    const css = await request(app.getHttpServer()).get('/docs/swagger-ui.css').expect(200);
    expect(css.headers['content-type']).toMatch(/text\/css/);
    expect(css.text).toContain('.swagger-ui');
  });

  it('serves the docs with a CSP that allows its own scripts only, and no framing', async () => {
    for (const path of [
      '/docs',
      '/docs/',
      '/docs/swagger-ui-init.js',
      '/docs-json',
      '/DOCS/',
      // Percent-encoded: Fastify's router decodes and serves these; Express answers 404.
      ...(testAdapter() === 'fastify' ? ['/%64ocs/', '/docs%2Djson'] : []),
    ]) {
      const res = await request(app.getHttpServer()).get(path);
      expect(res.status, path).toBeLessThan(400);
      const csp = res.headers['content-security-policy'] ?? '';
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).not.toContain('unsafe-eval');
      expect(res.headers['x-frame-options'], path).toBe('DENY');
      expect(res.headers['x-content-type-options'], path).toBe('nosniff');
    }
    // Only the docs: the module's routes keep their own headers.
    const metadata = await request(app.getHttpServer()).get(
      '/.well-known/oauth-authorization-server',
    );
    expect(metadata.headers['content-security-policy'] ?? '').not.toContain("script-src 'self'");
    // The page's scripts are all files (a CSP without 'unsafe-inline' for scripts would block inline ones).
    const page = await request(app.getHttpServer()).get('/docs/');
    expect(page.text).toMatch(/<script src=/);
    expect(page.text).not.toMatch(/<script>/);
  });

  it('documents exactly the module endpoints, without the catch-all 405 handlers', () => {
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/.well-known/oauth-authorization-server',
      '/oauth/device_authorization',
      '/oauth/device_qr',
      '/oauth/introspect',
      '/oauth/jwks',
      '/oauth/revoke',
      '/oauth/token',
    ]);
    for (const methods of Object.values(doc.paths)) {
      const operations = Object.entries(methods).filter(([m]) => m !== 'parameters');
      expect(operations).toHaveLength(1);
      // One tag only: no second listing under the controller's class name.
      expect((operations[0]![1] as { tags: string[] }).tags).toEqual([DEVICE_FLOW_API_TAG]);
    }
    expect(doc.components?.securitySchemes?.client_secret_basic).toMatchObject({
      type: 'http',
      scheme: 'basic',
    });
  });

  it('describes form bodies for both POST endpoints', () => {
    for (const path of [
      '/oauth/device_authorization',
      '/oauth/token',
      '/oauth/introspect',
      '/oauth/revoke',
    ]) {
      const body = op(path, 'post').requestBody as unknown as { content: Record<string, unknown> };
      expect(Object.keys(body.content)).toEqual(['application/x-www-form-urlencoded']);
    }
    const token = op('/oauth/token', 'post').requestBody as unknown as {
      content: Record<string, { schema: { properties: Record<string, { enum?: string[] }> } }>;
    };
    expect(
      token.content['application/x-www-form-urlencoded']!.schema.properties.grant_type!.enum,
    ).toEqual(['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token']);
  });

  it('lists every error status and code the handlers can produce', () => {
    for (const path of [
      '/oauth/device_authorization',
      '/oauth/token',
      '/oauth/introspect',
      '/oauth/revoke',
    ]) {
      expect(Object.keys(op(path, 'post').responses).sort()).toEqual(
        ['200', '400', '401', '405', '413', '429', '500', '503'].sort(),
      );
      expect(errorCodes(path, 'post', 401)).toEqual(['invalid_client']);
      expect(errorCodes(path, 'post', 429)).toEqual(['temporarily_unavailable']);
      expect(errorCodes(path, 'post', 503)).toEqual(['temporarily_unavailable']);
    }
    expect(errorCodes('/oauth/token', 'post', 400).sort()).toEqual(
      [
        'access_denied',
        'authorization_pending',
        'expired_token',
        'invalid_grant',
        'invalid_request',
        'invalid_scope',
        'slow_down',
        'unauthorized_client',
        'unsupported_grant_type',
      ].sort(),
    );
    expect(errorCodes('/oauth/device_authorization', 'post', 400).sort()).toEqual([
      'invalid_request',
      'invalid_scope',
      'unauthorized_client',
    ]);
    expect(Object.keys(op('/oauth/device_qr', 'get').responses).sort()).toEqual([
      '200',
      '400',
      '405',
    ]);
    expect(
      Object.keys(op('/.well-known/oauth-authorization-server', 'get').responses).sort(),
    ).toEqual(['200', '405']);
  });

  it('matches what the server really answers: a documented code for a real error', async () => {
    const res = await request(app.getHttpServer())
      .post('/oauth/token')
      .type('form')
      .send('grant_type=password&client_id=demo-device')
      .expect(400);
    expect(errorCodes('/oauth/token', 'post', 400)).toContain(res.body.error);
    const wrong = await request(app.getHttpServer()).get('/oauth/token').expect(405);
    expect(Object.keys(op('/oauth/token', 'post').responses)).toContain(String(wrong.status));
  });
});
