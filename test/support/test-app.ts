import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { DataSourceOptions } from 'typeorm';
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
import { createIsolatedDatabase, SQL_SERVERS } from './databases.js';

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

/** A running test app and handles to drive it. */
export interface TestApp {
  app: INestApplication;
  http: TestAgent;
  clock: ManualClock;
  grants: DeviceGrantService;
  close(): Promise<void>;
}

/**
 * Starts the module in a real Nest app (Express) on an in-memory SQLite database unless told otherwise,
 * with a manual clock.
 */
export async function createTestApp(
  options: Partial<DeviceFlowModuleOptions> = {},
  extras: DeviceFlowModuleExtras = {},
  nestOptions: { rawBody?: boolean } = {},
): Promise<TestApp> {
  const clock = new ManualClock();
  const db = await testDatabase();
  const moduleRef = await Test.createTestingModule({
    imports: [
      DeviceFlowModule.forRoot({
        issuer: 'http://localhost:3000',
        clients: TEST_CLIENTS,
        database: db.options,
        hashSecret: 'test-hash-secret-0123456789',
        clock,
        ...options,
        ...extras,
      }),
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false, ...nestOptions });
  await app.init();
  return {
    app,
    http: request(app.getHttpServer()),
    clock,
    grants: app.get(DeviceGrantService),
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}

/**
 * The database of a test app: in-memory SQLite, or with `TEST_DATABASE=postgres|mariadb` (set by the vitest
 * projects `e2e-postgres` / `e2e-mariadb`) a fresh database on that server, dropped on close.
 */
async function testDatabase(): Promise<{ options: DataSourceOptions; drop(): Promise<void> }> {
  const kind = process.env.TEST_DATABASE;
  const server = SQL_SERVERS.find((s) => s.kind === kind);
  if (!kind || kind === 'sqlite') {
    return { options: { type: 'better-sqlite3', database: ':memory:' }, drop: async () => {} };
  }
  if (!server) throw new Error(`TEST_DATABASE=${kind}: use sqlite, postgres or mariadb`);
  return createIsolatedDatabase(server);
}

/** Form-encodes a flat object. */
export function form(values: Record<string, string>): string {
  return new URLSearchParams(values).toString();
}
