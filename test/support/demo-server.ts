import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ManualClock } from '../../libs/device-flow/src/index.js';
import { AppModule } from '../../src/app.module.js';
import { readDemoConfig } from '../../src/demo.config.js';

/** A running demo server (in-memory SQLite, manual clock) on an ephemeral port. */
export interface DemoServer {
  origin: string;
  clock: ManualClock;
  close(): Promise<void>;
}

/** A free ephemeral port: bound on port 0, then released for the app (its issuer URL needs the port). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Starts the demo app exactly as `npm start` does, but on `:memory:` SQLite with a manual clock. */
export async function startDemoServer(): Promise<DemoServer> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const clock = new ManualClock();
  const config = readDemoConfig({
    PORT: String(port),
    ISSUER: origin,
    DATABASE_URL: 'sqlite::memory:',
  });
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forConfig(config, { clock }),
    { rawBody: true, logger: false },
  );
  app.disable('x-powered-by');
  await app.listen(port, '127.0.0.1');
  return { origin, clock, close: () => app.close() };
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
