import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { DeviceGrantService } from '../../libs/device-flow/src/index.js';
import { AppModule } from '../../src/app.module.js';
import { DEMO_CONFIDENTIAL_SECRET, readDemoConfig } from '../../src/demo.config.js';
import { basic, createNestApp, DEVICE_GRANT, form, oauthError } from '../support/test-app.js';

/** The demo server as `npm start` builds it, on a temporary SQLite file. */
describe('demo AppModule', () => {
  const dir = mkdtempSync(join(tmpdir(), 'df-demo-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const start = async (): Promise<INestApplication> => {
    const config = readDemoConfig({
      PORT: '3999',
      DATABASE_URL: `sqlite:${join(dir, 'demo.sqlite')}`,
      DEVICE_FLOW_INTERVAL: '2',
    });
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forConfig(config)],
    }).compile();
    return createNestApp(moduleRef, { rawBody: true });
  };

  it('seeds demo-device and demo-confidential, which both complete a device flow', async () => {
    const app = await start();
    try {
      const http = request(app.getHttpServer());
      const meta = await http.get('/.well-known/oauth-authorization-server').expect(200);
      expect(meta.body.issuer).toBe('http://localhost:3999');
      expect(meta.body.scopes_supported).toEqual([
        'profile',
        'email',
        'read',
        'write',
        'offline_access',
      ]);

      const pub = await http
        .post('/oauth/device_authorization')
        .type('form')
        .send(form({ client_id: 'demo-device', scope: 'profile email read write offline_access' }))
        .expect(200);
      expect(pub.body).toMatchObject({
        interval: 2,
        expires_in: 1800,
        verification_uri: 'http://localhost:3999/device',
      });

      const conf = await http
        .post('/oauth/device_authorization')
        .set('Authorization', basic('demo-confidential', DEMO_CONFIDENTIAL_SECRET))
        .type('form')
        .send(form({ scope: 'read' }))
        .expect(200);

      const grants = app.get(DeviceGrantService);
      await grants.approve(pub.body.user_code, 'demo-user');
      await grants.approve(conf.body.user_code, 'demo-user');
      const pubToken = await http
        .post('/oauth/token')
        .type('form')
        .send(
          form({
            grant_type: DEVICE_GRANT,
            device_code: pub.body.device_code,
            client_id: 'demo-device',
          }),
        )
        .expect(200);
      expect(pubToken.body.refresh_token).toBeDefined();
      await http
        .post('/oauth/token')
        .type('form')
        .send(
          form({
            grant_type: DEVICE_GRANT,
            device_code: conf.body.device_code,
            client_id: 'demo-confidential',
            client_secret: DEMO_CONFIDENTIAL_SECRET,
          }),
        )
        .expect(200);

      const wrong = await http
        .post('/oauth/device_authorization')
        .set('Authorization', basic('demo-confidential', 'not-the-secret'))
        .type('form')
        .send(form({}));
      expect(wrong.status).toBe(401);
      expect(oauthError(wrong.body)).toBe('invalid_client');
    } finally {
      await app.close();
    }
  });

  it('restarts on the same file: migrations and seeding are idempotent', async () => {
    const app = await start();
    try {
      await request(app.getHttpServer())
        .post('/oauth/device_authorization')
        .set('Authorization', basic('demo-confidential', DEMO_CONFIDENTIAL_SECRET))
        .type('form')
        .send(form({}))
        .expect(200);
    } finally {
      await app.close();
    }
  });
});
