import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import {
  Clock,
  DEVICE_CODE_GRANT_TYPE,
  DeviceGrantService,
  DeviceManagementService,
  ManualClock,
} from '../../libs/device-flow/src/index.js';
import { AppModule } from '../../src/app.module.js';
import { AUDIT_LOG_SINK } from '../../src/audit-log.js';
import { serveUnderIssuerPath } from '../../src/create-app.js';
import { type DemoConfig, readDemoConfig } from '../../src/demo.config.js';
import { createNestApp, form } from './test-app.js';

/** A running demo server (src/) on in-memory SQLite with a manual clock and a captured audit log. */
export interface DemoApp {
  app: INestApplication;
  http: TestAgent;
  clock: ManualClock;
  grants: DeviceGrantService;
  management: DeviceManagementService;
  /** Audit log lines written so far. */
  audit: string[];
  close(): Promise<void>;
}

/**
 * Starts the demo's AppModule (on `TEST_ADAPTER`'s platform), served under the issuer's path as `npm start` does;
 * `env` adds demo environment variables.
 */
export async function createDemoApp(env: Record<string, string> = {}): Promise<DemoApp> {
  const config: DemoConfig = readDemoConfig({
    PORT: '3000',
    DATABASE_URL: 'sqlite::memory:',
    ...env,
  });
  const clock = new ManualClock();
  const audit: string[] = [];
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forConfig(config)] })
    .overrideProvider(Clock)
    .useValue(clock)
    .overrideProvider(AUDIT_LOG_SINK)
    .useValue((line: string) => audit.push(line))
    .compile();
  // As src/create-app.ts builds it: raw bodies kept, served under the issuer's path.
  const app = await createNestApp(moduleRef, { rawBody: true, beforeInit: serveUnderIssuerPath });
  return {
    app,
    http: request(app.getHttpServer()),
    clock,
    grants: app.get(DeviceGrantService),
    management: app.get(DeviceManagementService),
    audit,
    close: () => app.close(),
  };
}

/** Tokens obtained through the device flow. */
export interface DeviceTokens {
  access_token: string;
  refresh_token?: string;
  scope?: string;
  /** The grant (device code id), found through the device list. */
  grantId: string;
}

/**
 * Runs the whole device flow over HTTP: device authorization, user approval (through the grant service, as a
 * verification page would), one poll after the interval. Works with the demo app and `createTestApp` alike.
 */
export async function obtainTokens(
  t: { http: TestAgent; clock: ManualClock; grants: DeviceGrantService },
  opts: {
    clientId: string;
    scope: string;
    subject?: string;
    secret?: string;
    userAgent?: string;
  },
): Promise<DeviceTokens> {
  const creds = {
    client_id: opts.clientId,
    ...(opts.secret ? { client_secret: opts.secret } : {}),
  };
  const auth = await t.http
    .post('/oauth/device_authorization')
    .set('User-Agent', opts.userAgent ?? 'TestTV/1.0')
    .type('form')
    .send(form({ ...creds, scope: opts.scope }))
    .expect(200);
  const approved = await t.grants.approve(auth.body.user_code, opts.subject ?? 'alice');
  t.clock.advance(auth.body.interval * 1000);
  const res = await t.http
    .post('/oauth/token')
    .type('form')
    .send(
      form({ ...creds, grant_type: DEVICE_CODE_GRANT_TYPE, device_code: auth.body.device_code }),
    )
    .expect(200);
  return { ...res.body, grantId: approved.id };
}
