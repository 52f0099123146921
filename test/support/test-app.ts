import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import type { NestApplicationOptions } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import {
  DEVICE_CODE_GRANT_TYPE,
  DeviceFlowModule,
  type DeviceFlowModuleExtras,
  type DeviceFlowModuleOptions,
  DeviceGrantService,
  ManualClock,
} from '../../libs/device-flow/src/index.js';

/** Secret of the confidential test client. */
export const CONFIDENTIAL_SECRET = 'confidential-secret-123';

/** Clients every test app knows. */
export const TEST_CLIENTS: NonNullable<DeviceFlowModuleOptions['clients']> = [
  { clientId: 'tv', displayName: 'Test TV', scopes: ['read', 'write', 'profile'] },
  { clientId: 'secret-tv', clientSecret: CONFIDENTIAL_SECRET, scopes: ['read', 'write'] },
  { clientId: 'no-refresh', grantTypes: [DEVICE_CODE_GRANT_TYPE], scopes: ['read'] },
  { clientId: 'refresh-only', grantTypes: ['refresh_token'] },
  { clientId: 'disabled', disabled: true },
];

/** The HTTP platforms the module supports; e2e suites run on each (`describe.each(ADAPTERS)`). */
export const ADAPTERS = ['express', 'fastify'] as const;
/** One of {@link ADAPTERS}. */
export type AdapterName = (typeof ADAPTERS)[number];

/** Options of the Nest application itself. */
export interface TestAppNestOptions extends Pick<NestApplicationOptions, 'rawBody' | 'bodyParser'> {
  /** HTTP platform; `express` unless told. */
  adapter?: AdapterName;
}

/** A running test app and handles to drive it. */
export interface TestApp {
  app: INestApplication;
  http: TestAgent;
  clock: ManualClock;
  grants: DeviceGrantService;
  close(): Promise<void>;
}

/**
 * Starts the module in a real Nest app (Express, or Fastify with `adapter: 'fastify'`) on an in-memory SQLite database unless told otherwise,
 * with a manual clock.
 */
export async function createTestApp(
  options: Partial<DeviceFlowModuleOptions> = {},
  extras: DeviceFlowModuleExtras = {},
  nestOptions: TestAppNestOptions = {},
): Promise<TestApp> {
  const { adapter = 'express', ...appOptions } = nestOptions;
  const clock = new ManualClock();
  const moduleRef = await Test.createTestingModule({
    imports: [
      DeviceFlowModule.forRoot({
        issuer: 'http://localhost:3000',
        clients: TEST_CLIENTS,
        database: { type: 'better-sqlite3', database: ':memory:' },
        hashSecret: 'test-hash-secret-0123456789',
        clock,
        ...options,
        ...extras,
      }),
    ],
  }).compile();
  let app: INestApplication;
  if (adapter === 'fastify') {
    const fastify = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
      logger: false,
      ...appOptions,
    });
    await fastify.init();
    await fastify.getHttpAdapter().getInstance().ready();
    app = fastify;
  } else {
    app = moduleRef.createNestApplication({ logger: false, ...appOptions });
    await app.init();
  }
  return {
    app,
    http: request(app.getHttpServer()),
    clock,
    grants: app.get(DeviceGrantService),
    close: () => app.close(),
  };
}

/** Form-encodes a flat object. */
export function form(values: Record<string, string>): string {
  return new URLSearchParams(values).toString();
}
