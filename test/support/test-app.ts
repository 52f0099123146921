import 'reflect-metadata';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import type { NestApplicationOptions } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test, type TestingModule } from '@nestjs/testing';
import type { DataSourceOptions } from 'typeorm';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import {
  DEVICE_CODE_GRANT_TYPE,
  type DeviceFlowEvent,
  DeviceFlowEvents,
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

/** The HTTP platforms the module supports; e2e suites run on each (`describe.each(ADAPTERS)`). */
export const ADAPTERS = ['express', 'fastify'] as const;
/** One of {@link ADAPTERS}. */
export type AdapterName = (typeof ADAPTERS)[number];

/**
 * The HTTP platform of the e2e suites: `TEST_ADAPTER=express|fastify` (set by the vitest project `e2e-fastify`),
 * Express when unset.
 */
export function testAdapter(): AdapterName {
  const name = process.env.TEST_ADAPTER || 'express';
  if (!(ADAPTERS as readonly string[]).includes(name)) {
    throw new Error(`TEST_ADAPTER=${name}: use ${ADAPTERS.join(' or ')}`);
  }
  return name as AdapterName;
}

/** Options of the Nest application itself. */
export interface TestAppNestOptions extends Pick<NestApplicationOptions, 'rawBody' | 'bodyParser'> {
  /** HTTP platform; {@link testAdapter} unless told. */
  adapter?: AdapterName;
  /**
   * Trust `X-Forwarded-*` from the proxy in front (Express's `trust proxy` setting; Fastify's `trustProxy`
   * option, which can only be given when the instance is created).
   */
  trustProxy?: boolean;
  /** Set-up of the app before `init()`, e.g. a global prefix (`serveUnderIssuerPath` of the demo). */
  beforeInit?: (app: INestApplication) => void;
}

/**
 * Creates and initialises a Nest app from a compiled testing module on the given platform ({@link testAdapter}
 * unless told), without a logger.
 */
export async function createNestApp(
  moduleRef: TestingModule,
  options: TestAppNestOptions = {},
): Promise<INestApplication> {
  const { adapter = testAdapter(), trustProxy, beforeInit, ...appOptions } = options;
  if (adapter === 'fastify') {
    const fastify = moduleRef.createNestApplication<NestFastifyApplication>(
      new FastifyAdapter(trustProxy ? { trustProxy } : {}),
      { logger: false, ...appOptions },
    );
    beforeInit?.(fastify);
    await fastify.init();
    await fastify.getHttpAdapter().getInstance().ready();
    return fastify;
  }
  const express = moduleRef.createNestApplication<NestExpressApplication>({
    logger: false,
    ...appOptions,
  });
  if (trustProxy) express.set('trust proxy', true);
  beforeInit?.(express);
  await express.init();
  return express;
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
 * The module alone on in-memory storage, no clients, no purge schedule: for a test app whose own controllers
 * are what it tests (the demo's shutdown and client-abort handling).
 */
export function bareDeviceFlowModule(): DynamicModule {
  return DeviceFlowModule.forRoot({
    issuer: 'http://localhost:3000',
    storage: 'memory',
    clients: [],
    hashSecret: 'test-hash-secret-0123456789',
    purge: { interval: false },
  });
}

/**
 * Starts the module in a real Nest app (Express, or Fastify with `adapter: 'fastify'` or `TEST_ADAPTER=fastify`)
 * on an in-memory SQLite
 * database unless told otherwise, with a manual clock (pass `clock: new ManualClock(t)` to share one between apps).
 */
export async function createTestApp(
  options: Partial<DeviceFlowModuleOptions> = {},
  extras: DeviceFlowModuleExtras = {},
  nestOptions: TestAppNestOptions = {},
): Promise<TestApp> {
  const clock = options.clock instanceof ManualClock ? options.clock : new ManualClock();
  const db = await testDatabase();
  const moduleRef = await Test.createTestingModule({
    imports: [
      DeviceFlowModule.forRoot({
        issuer: 'http://localhost:3000',
        clients: TEST_CLIENTS,
        // Memory storage takes no database (the module warns about one it does not use).
        ...(options.storage === 'memory' ? {} : { database: db.options }),
        hashSecret: 'test-hash-secret-0123456789',
        clock,
        ...options,
        ...extras,
      }),
    ],
  }).compile();
  const app = await createNestApp(moduleRef, nestOptions);
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
 * The Node.js request handler of a Nest app, for serving it from a `node:http` server of one's own (Express's
 * app is one; Fastify's is `routing`, usable once the instance is ready).
 */
export function nodeRequestHandler(
  app: INestApplication,
): (req: IncomingMessage, res: ServerResponse) => void {
  const instance = app.getHttpAdapter().getInstance();
  return app.getHttpAdapter().getType() === 'fastify'
    ? (instance as { routing: (req: IncomingMessage, res: ServerResponse) => void }).routing
    : instance;
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

/** The device code grant's URN, short. */
export const DEVICE_GRANT = DEVICE_CODE_GRANT_TYPE;

/** Starts a device authorization for `clientId` and returns the response body. */
export async function startAuthorization(
  t: TestApp,
  params: Record<string, string> = { client_id: 'tv' },
): Promise<{ device_code: string; user_code: string; interval: number; expires_in: number }> {
  const res = await t.http.post('/oauth/device_authorization').type('form').send(form(params));
  if (res.status !== 200) throw new Error(`authorization failed: ${res.status} ${res.text}`);
  return res.body;
}

/** One device-code poll at the token endpoint (public client by default). */
export function poll(t: TestApp, deviceCode: string, params: Record<string, string> = {}) {
  return t.http
    .post('/oauth/token')
    .type('form')
    .send(
      form({
        grant_type: DEVICE_CODE_GRANT_TYPE,
        device_code: deviceCode,
        client_id: 'tv',
        ...params,
      }),
    );
}

/** `Authorization: Basic` for a client id and secret, form-encoded first (RFC 6749 §2.3.1). */
export function basic(clientId: string, secret: string): string {
  const enc = (v: string) => encodeURIComponent(v).replace(/%20/g, '+');
  return 'Basic ' + Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString('base64');
}

/** Asserts the RFC 6749 §5.2 error shape (and nothing of Nest's default shape). */
export function oauthError(body: unknown): string {
  const b = body as Record<string, unknown>;
  const keys = Object.keys(b).sort();
  const ok =
    typeof b.error === 'string' &&
    (keys.join() === 'error' || keys.join() === 'error,error_description') &&
    (b.error_description === undefined ||
      /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/.test(String(b.error_description)));
  if (!ok) throw new Error(`not an OAuth error body: ${JSON.stringify(body)}`);
  return b.error as string;
}

/** Every event the app raises from now on, in order (the array fills as they come). */
export function recordEvents(t: TestApp): DeviceFlowEvent[] {
  const events: DeviceFlowEvent[] = [];
  t.app.get<DeviceFlowEvents>(DeviceFlowEvents).subscribe((e) => void events.push(e));
  return events;
}

/** A refresh token grant request of client `tv` (RFC 6749 §6). */
export function refreshGrant(t: TestApp, refreshToken: string, extra: Record<string, string> = {}) {
  return t.http
    .post('/oauth/token')
    .type('form')
    .send(
      form({ client_id: 'tv', grant_type: 'refresh_token', refresh_token: refreshToken, ...extra }),
    );
}

/** Introspection of `token` by client `tv` (RFC 7662), expecting 200. */
export function introspectAs(t: TestApp, token: string) {
  return t.http
    .post('/oauth/introspect')
    .type('form')
    .send(form({ client_id: 'tv', token }))
    .expect(200);
}
