import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { Clock, ManualClock } from '../../libs/device-flow/src/index.js';
import { AppModule } from '../../src/app.module.js';
import { AUDIT_LOG_SINK } from '../../src/audit-log.js';
import { serveUnderIssuerPath } from '../../src/create-app.js';
import { readDemoConfig } from '../../src/demo.config.js';
import { createNestApp, nodeRequestHandler } from './test-app.js';

/**
 * A running demo server (in-memory SQLite, a manual clock unless told) on an ephemeral port, on `TEST_ADAPTER`'s
 * platform.
 */
export interface DemoServer<C extends Clock = ManualClock> {
  origin: string;
  clock: C;
  close(): Promise<void>;
}

/** Options of {@link startDemoServer}. */
export interface DemoServerOptions<C extends Clock> {
  /** The module's clock (a {@link ManualClock} when not given). */
  clock: C;
  /** More demo environment variables (e.g. `DEVICE_FLOW_INTERVAL`); `ISSUER` and `DATABASE_URL` are set. */
  env?: Record<string, string>;
  /** A path for the issuer (`/auth` → `ISSUER=<origin>/auth`); the app then serves everything under it. */
  issuerPath?: string;
  /** `DATABASE_URL` (default `sqlite::memory:`). */
  databaseUrl?: string;
}

/**
 * Starts the demo app (`AppModule`, as `npm start` does) on `:memory:` SQLite (or `databaseUrl`) with a manual clock (or the one
 * given), behind a real socket on 127.0.0.1 port 0. The socket is opened first, so the issuer (and
 * `verification_uri`) carries the real port.
 */
export async function startDemoServer(): Promise<DemoServer>;
export async function startDemoServer<C extends Clock>(
  options: DemoServerOptions<C>,
): Promise<DemoServer<C>>;
export async function startDemoServer(
  options: DemoServerOptions<Clock> = { clock: new ManualClock() },
): Promise<DemoServer<Clock>> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { clock } = options;
  const config = readDemoConfig({
    ...options.env,
    ISSUER: origin + (options.issuerPath ?? ''),
    DATABASE_URL: options.databaseUrl ?? 'sqlite::memory:',
  });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forConfig(config)] })
    .overrideProvider(Clock)
    .useValue(clock)
    .overrideProvider(AUDIT_LOG_SINK)
    .useValue(() => undefined)
    .compile();
  // As src/create-app.ts builds it: raw bodies kept, no X-Powered-By (Fastify sends none), served under the
  // issuer's path.
  const app = await createNestApp(moduleRef, { rawBody: true, beforeInit: serveUnderIssuerPath });
  if (app.getHttpAdapter().getType() === 'express')
    (app as NestExpressApplication).disable('x-powered-by');
  server.on('request', nodeRequestHandler(app));
  return {
    origin,
    clock,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
    },
  };
}

/** A second origin (the "attacker"), serving fixed HTML pages by path. */
export async function startStaticServer(
  pages: (origin: string) => Record<string, string>,
): Promise<{ origin: string; close(): Promise<void> }> {
  let routes: Record<string, string> = {};
  const server: Server = createServer((req, res) => {
    const body = routes[req.url ?? ''];
    res.writeHead(body === undefined ? 404 : 200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(body ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // "localhost" is another site than "127.0.0.1" for the browser (cross-site, not just cross-origin).
  const origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  routes = pages(origin);
  return { origin, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
