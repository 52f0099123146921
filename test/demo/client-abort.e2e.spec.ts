import { createServer, get as httpGet } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import {
  Controller,
  type DynamicModule,
  Get,
  type INestApplication,
  Logger,
  Module,
} from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDemoApp } from '../../src/create-app.js';
import { DemoErrorsModule } from '../../src/demo-error.filter.js';
import { listeningNpmStartApp } from '../support/npm-start-app.js';
import { bareDeviceFlowModule, testAdapter } from '../support/test-app.js';

/** A client that goes away in the middle of its body leaves nothing in the error log (nobody is left to answer). */
describe(`a client that goes away mid-body, on ${testAdapter()}`, () => {
  let app: INestApplication;
  let port: number;
  beforeAll(async () => {
    ({ app, port } = await listeningNpmStartApp());
  });
  afterAll(() => app?.close());

  it('is not logged as an error, and the server keeps serving', async () => {
    const error = vi.spyOn(Logger.prototype, 'error');
    const staticError = vi.spyOn(Logger, 'error');
    try {
      for (const path of ['/oauth/token', '/device', '/login', '/admin/clients']) {
        await new Promise<void>((resolve) => {
          const socket = connect({ host: '127.0.0.1', port }, () => {
            socket.write(
              `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
                'Content-Length: 100\r\n\r\ngrant_type=',
            );
            setTimeout(() => socket.destroy(), 100);
          });
          socket.on('close', () => resolve());
        });
      }
      await new Promise((r) => setTimeout(r, 200));
      expect([...error.mock.calls, ...staticError.mock.calls].map((c) => String(c[0]))).toEqual([]);
    } finally {
      error.mockRestore();
      staticError.mockRestore();
    }
    const res = await fetch(`http://127.0.0.1:${port}/.well-known/oauth-authorization-server`);
    expect(res.status).toBe(200);
  });
});

let upstreamPort = 0;

/** A handler reading from an upstream whose answer is cut off mid-body: Node's same `aborted` error. */
@Controller()
class UpstreamController {
  @Get('upstream')
  upstream(): Promise<string> {
    return new Promise((resolve, reject) => {
      httpGet(`http://127.0.0.1:${upstreamPort}/`, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve('ok'));
        res.on('error', reject);
      }).on('error', reject);
    });
  }
}

@Module({})
class UpstreamModule {
  static root(): DynamicModule {
    return {
      module: UpstreamModule,
      imports: [bareDeviceFlowModule(), DemoErrorsModule],
      controllers: [UpstreamController],
    };
  }
}

describe(`an upstream cut off mid-answer, on ${testAdapter()}`, () => {
  it('is still answered, as the lost connection it is (only this request’s own client going away is ignored)', async () => {
    const upstream = createServer((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
      setTimeout(() => res.socket?.destroy(), 50);
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    upstreamPort = (upstream.address() as AddressInfo).port;
    const app = await createDemoApp(
      UpstreamModule.root(),
      { adapter: testAdapter(), trustProxy: undefined },
      false,
    );
    try {
      await app.listen(0, '127.0.0.1');
      const { port } = app.getHttpServer().address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/upstream`, {
        signal: AbortSignal.timeout(5000),
      });
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ error: 'temporarily_unavailable' });
    } finally {
      await app.close();
      upstream.close();
    }
  });
});
